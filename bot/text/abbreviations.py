"""Expansion of the abbreviations citizens type ("dk" → "đăng ký", "cccd" → "căn cước công dân").

The table is data (``knowledge_base/abbreviations.yml``) so staff can extend it without code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.text.vietnamese import fold

DEFAULT_TABLE = Path(__file__).resolve().parents[2] / "knowledge_base" / "abbreviations.yml"
_TOKEN = re.compile(r"[\w/]+", re.UNICODE)


@lru_cache(maxsize=131072)
def _fold_token(token: str) -> str:
    return fold(token)


@dataclass(frozen=True)
class AbbreviationTable:
    """A mapping from folded abbreviation to its expansion."""

    entries: dict[str, str]

    def lookup(self, token: str) -> str | None:
        """The expansion of one token, or None when it is no known abbreviation."""
        return self.entries.get(_fold_token(token))

    def expand(self, text: str) -> str:
        """Replace every whole-token abbreviation in ``text`` by its expansion."""

        def _replace(match: re.Match[str]) -> str:
            return self.entries.get(_fold_token(match.group(0)), match.group(0))

        return _TOKEN.sub(_replace, text)


def load_table(path: Path = DEFAULT_TABLE) -> AbbreviationTable:
    """Read an abbreviation file: a mapping ``expansion: [abbreviation, …]``."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries: dict[str, str] = {}
    for expansion, abbreviations in (raw.get("abbreviations") or {}).items():
        for abbreviation in abbreviations:
            entries[fold(str(abbreviation))] = fold(str(expansion))
    return AbbreviationTable(entries)


@lru_cache(maxsize=4)
def default_table(path: str = str(DEFAULT_TABLE)) -> AbbreviationTable:
    """The project's table, read once per process."""
    return load_table(Path(path))


def expand_abbreviations(text: str) -> str:
    """Expand abbreviations with the project's table."""
    return default_table().expand(text)
