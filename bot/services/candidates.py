"""Candidate procedures as a citizen chooses from them on a phone: short, distinct titles.

Catalogue names run to hundreds of characters and many start alike ("Cấp lại giấy phép …"), while siblings
at another level share a name. A title is the name without "Thủ tục", cut at a word; titles that would look
the same are lengthened, then told apart by level (cấp xã / cấp tỉnh / cấp bộ), then by agency or ministry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.model import Procedure
from bot.text.vietnamese import strip_diacritics

# A button title that fits one or two lines of a phone screen; a collision may lengthen it up to LONG_TITLE.
SHORT_TITLE = 60
LONG_TITLE = 110
# Words that only say at which level a procedure is done: siblings that differ only by them are the
# same procedure at another level, told apart by the level itself.
LEVEL_PHRASE = re.compile(r"\b(tai |o )?cap (xa|huyen|tinh|trung uong|bo)\b")


@dataclass(frozen=True)
class Candidate:
    """One procedure offered as a choice."""

    code: str
    title: str


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters (an ellipsis marks the cut)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-–(")
    return cut + "…"


def _base_name(procedure: Procedure) -> str:
    name = " ".join(procedure.name.split()).rstrip(".")
    if name.lower().startswith("thủ tục "):
        name = name[len("thủ tục ") :]
    return name[:1].upper() + name[1:]


def _level_key(name: str) -> str:
    return LEVEL_PHRASE.sub("", strip_diacritics(name.lower())).strip(" ,.")


def _levels(procedure: Procedure) -> str:
    return ", ".join(level.lower() for level in procedure.levels)


def _agency(procedure: Procedure) -> str:
    return shorten(procedure.implementing_agency or procedure.competent_agency or procedure.catalogue, 40)


def _code(procedure: Procedure) -> str:
    return f"mã {procedure.code}"


def _colliding(titles: list[str]) -> set[int]:
    return {i for i, title in enumerate(titles) if titles.count(title) > 1}


def candidate_titles(procedures: Sequence[Procedure]) -> list[Candidate]:
    """Distinct short titles for the procedures, in order."""
    names = [_base_name(p) for p in procedures]
    titles = [shorten(n, SHORT_TITLE) for n in names]
    titles = [shorten(names[i], LONG_TITLE) if i in _colliding(titles) else t for i, t in enumerate(titles)]
    # Same procedure at another level: say the level wherever a sibling differs only by it.
    keys = [_level_key(n) for n in names]
    for i, procedure in enumerate(procedures):
        siblings = [j for j, key in enumerate(keys) if key == keys[i] and j != i]
        if siblings and procedure.levels and any(procedures[j].levels != procedure.levels for j in siblings):
            titles[i] = f"{titles[i]} ({_levels(procedure)})"
    for extra in (_agency, _code):
        colliding = _colliding(titles)
        titles = [f"{t} — {extra(procedures[i])}" if i in colliding else t for i, t in enumerate(titles)]
    return [Candidate(p.code, t) for p, t in zip(procedures, titles)]


def numbered(candidates: Sequence[Candidate]) -> str:
    """The candidates as numbered lines with their codes (for channels that show no buttons)."""
    return "\n".join(f"{n}. {c.title} (mã {c.code})" for n, c in enumerate(candidates, start=1))
