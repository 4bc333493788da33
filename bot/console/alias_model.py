"""Aliases and concept rules as the console edits them: drafts, stored records, and validation.

An alias is one catalogue phrase ("đăng ký khai sinh") with the citizens' ways of saying it ("làm giấy
khai sinh", …); a concept rule searches a catalogue phrase when every ``when_all`` group has one of its
phrases in the question and no ``unless`` phrase does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bot.knowledge.analysis import syllables
from bot.text.vietnamese import fold, strip_diacritics

MIN_PHRASE_CHARS = 2
MAX_PHRASE_CHARS = 150
MAX_PHRASES = 40


@dataclass(frozen=True)
class AliasDraft:
    """Citizens' phrases (``phrases``) that also search the catalogue phrase ``target``."""

    target: str
    phrases: tuple[str, ...]
    active: bool = True

    def content(self) -> dict[str, Any]:
        """The fields compared on import and written to the audit log."""
        return {"target": self.target, "phrases": list(self.phrases), "active": self.active}


@dataclass(frozen=True)
class RuleDraft:
    """A concept rule: search ``search`` when each group of ``when_all`` matches and no ``unless`` does."""

    search: str
    when_all: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...] = ()
    active: bool = True

    def content(self) -> dict[str, Any]:
        """The fields compared on import and written to the audit log."""
        return {
            "search": self.search,
            "when_all": [list(group) for group in self.when_all],
            "unless": list(self.unless),
            "active": self.active,
        }


@dataclass(frozen=True)
class AliasRecord(AliasDraft):
    """A stored alias: the draft plus its id, version and who changed it last."""

    id: int = 0
    version: int = 1
    updated_at: str = ""
    updated_by: str = ""

    def draft(self) -> AliasDraft:
        """The record without its bookkeeping."""
        return AliasDraft(self.target, self.phrases, self.active)

    def audit(self) -> dict[str, Any]:
        """Before/after state for the audit log."""
        return self.content() | {"id": self.id, "version": self.version}


@dataclass(frozen=True)
class RuleRecord(RuleDraft):
    """A stored concept rule: the draft plus its id, version and who changed it last."""

    id: int = 0
    version: int = 1
    updated_at: str = ""
    updated_by: str = ""

    def draft(self) -> RuleDraft:
        """The record without its bookkeeping."""
        return RuleDraft(self.search, self.when_all, self.unless, self.active)

    def audit(self) -> dict[str, Any]:
        """Before/after state for the audit log."""
        return self.content() | {"id": self.id, "version": self.version}


Record = TypeVar("Record", AliasRecord, RuleRecord)
Draft = TypeVar("Draft", AliasDraft, RuleDraft)
Line = tuple[int, Draft, int | None]  # a draft of an imported file, its line, the version it names


class VersionConflict(Exception):
    """The row changed since the editor opened it; ``current`` is what is stored now."""

    def __init__(self, current: AliasRecord | RuleRecord) -> None:
        super().__init__(f"row {current.id} is at version {current.version}")
        self.current = current


@dataclass
class ImportReport(Generic[Record]):
    """What an import did: rows created, changed (before, after), unchanged; or the conflicts (then none)."""

    conflicts: list[str] = field(default_factory=list)  # rows refused: changed since the export
    created: list[Record] = field(default_factory=list)
    changed: list[tuple[Record, Record]] = field(default_factory=list)
    unchanged: int = 0


# --- Normal forms and validation ------------------------------------------------------------------------


def key(phrase: str) -> str:
    """A phrase as the query analysis matches it: folded syllables without diacritics."""
    return " ".join(strip_diacritics(fold(phrase)).split())


def in_catalogue(phrase: str, names: Iterable[str]) -> bool:
    """Whether the phrase's syllables occur, in order, in a procedure name (diacritics ignored)."""
    wanted = " " + " ".join(strip_diacritics(s) for s in syllables(phrase)) + " "
    return wanted.strip() != "" and any(
        wanted in " " + " ".join(strip_diacritics(s) for s in syllables(name)) + " " for name in names
    )


def _phrase_problems(phrases: Iterable[str], what: str) -> list[str]:
    problems = []
    seen: set[str] = set()
    for phrase in phrases:
        if len(phrase.strip()) < MIN_PHRASE_CHARS:
            problems.append(f"{what}: “{phrase}” quá ngắn (cần ít nhất {MIN_PHRASE_CHARS} ký tự).")
        elif len(phrase) > MAX_PHRASE_CHARS:
            problems.append(f"{what}: “{phrase[:40]}…” quá dài (tối đa {MAX_PHRASE_CHARS} ký tự).")
        if key(phrase) in seen:
            problems.append(f"{what}: “{phrase}” bị lặp lại.")
        seen.add(key(phrase))
    return problems


def validate_alias(draft: AliasDraft, others: Iterable[AliasDraft]) -> list[str]:
    """Problems (in Vietnamese) that refuse the save; ``others``: the other active aliases."""
    problems = []
    if not draft.target.strip():
        problems.append("Cần cụm từ trong danh mục thủ tục.")
    if not draft.phrases:
        problems.append("Cần ít nhất một cách nói của công dân.")
    if len(draft.phrases) > MAX_PHRASES:
        problems.append(f"Tối đa {MAX_PHRASES} cách nói.")
    problems += _phrase_problems([draft.target] if draft.target.strip() else [], "Cụm từ danh mục")
    problems += _phrase_problems(draft.phrases, "Cách nói")
    for other in others:
        if draft.target.strip() and key(other.target) == key(draft.target):
            problems.append(
                f"Đã có mục cho cụm từ “{other.target}”: thêm cách nói vào mục đó thay vì tạo mục mới."
            )
        shared = {key(p) for p in draft.phrases} & {key(p) for p in other.phrases}
        problems += [f"Cách nói “{p}” đã có trong mục “{other.target}”." for p in sorted(shared)]
    return problems


def validate_rule(draft: RuleDraft, others: Iterable[RuleDraft]) -> list[str]:
    """Problems (in Vietnamese) that refuse the save; ``others``: the other active rules."""
    problems = []
    if not draft.search.strip():
        problems.append("Cần cụm từ tìm trong danh mục thủ tục.")
    if not draft.when_all:
        problems.append("Cần ít nhất một nhóm từ “phải có”.")
    problems += _phrase_problems([draft.search] if draft.search.strip() else [], "Cụm từ tìm")
    for number, group in enumerate(draft.when_all, 1):
        problems += _phrase_problems(group, f"Nhóm {number}")
    problems += _phrase_problems(draft.unless, "Từ loại trừ")
    for other in others:
        if draft.search.strip() and key(other.search) == key(draft.search):
            problems.append(f"Đã có quy tắc tìm “{other.search}”: sửa quy tắc đó thay vì tạo mới.")
    return problems


def split_phrases(text: str) -> tuple[str, ...]:
    """Phrases separated by commas, semicolons, '|' or lines, trimmed, without repeats."""
    return tuple(dict.fromkeys(p.strip() for p in re.split(r"[,;|\n]+", text) if p.strip()))


def searchable_text(value: Any) -> str:
    """Every text in a row's content (lists flattened), for the search box."""
    if isinstance(value, dict):
        return " ".join(searchable_text(v) for v in value.values())
    if isinstance(value, list | tuple):
        return " ".join(searchable_text(v) for v in value)
    return value if isinstance(value, str) else ""
