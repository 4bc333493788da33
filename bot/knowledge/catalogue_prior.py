"""Query time, part of stage 3: what citizens are likelier to ask about, from the catalogue's own structure.

Two priors, both read from the records rather than from any question set:
- **who applies** (``subjectTypesDetails``): the catalogue names its subject types ("Công dân Việt Nam",
  "Doanh nghiệp", "Hợp tác xã", "Người nước ngoài", "Cán bộ, công chức, viên chức" …). A question that names
  one of them asks about procedures for it; a question that names none is a citizen's, so procedures open
  to citizens go before those only for enterprises or state bodies.
- **the level a citizen goes to**: where two candidates' names differ only by level words ("(thực hiện tại
  cấp tỉnh)" / "(cấp trung ương)"), the one at the level the province's citizens go to (province.yml's
  ``citizen_levels``: commune, then province, then ministry) goes first.
The weights are small next to the first-stage scores (the best is about 1): they order namesakes, they do
not lift an unrelated procedure. They were chosen on the tune halves only (``make eval`` reports the held).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.knowledge.analysis import syllables
from bot.knowledge.model import Procedure
from bot.knowledge.name_structure import LEVEL_WORDS, NameStructure
from bot.text.vietnamese import strip_diacritics

# The subject type of citizens: the default when a question names no one else.
CITIZEN_SUBJECT = "Công dân Việt Nam"
# Added to a candidate open to whom the question is about (or to citizens, when it names no one).
SUBJECT_WEIGHT = 0.05
# Added to the sibling at the preferred level, per step of preference between the two.
LEVEL_WEIGHT = 0.04
DEFAULT_CITIZEN_LEVELS = ("Cấp xã", "Cấp tỉnh", "Cấp bộ")
# Subject names too general to say who asks ("nhóm 1"): a phrase must be at least this many syllables.
MIN_PHRASE_SYLLABLES = 2


def _plain(text: str) -> tuple[str, ...]:
    return tuple(strip_diacritics(s).lower() for s in syllables(text))


def subject_phrases(name: str) -> tuple[tuple[str, ...], ...]:
    """The phrases that name a subject type in a question: its parts before any bracket, split at commas.

    "Cán bộ, công chức, viên chức" → (cán bộ), (công chức), (viên chức); "Tổ chức (không bao gồm doanh
    nghiệp, HTX)" → (tổ chức).
    """
    head = name.split("(", 1)[0]
    phrases = [_plain(part) for part in head.split(",")]
    return tuple(p for p in phrases if len(p) >= MIN_PHRASE_SYLLABLES)


def _contains(words: Sequence[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class CataloguePrior:
    """Who each procedure is for and at which levels, with the catalogue's vocabulary of subject types."""

    subjects: tuple[frozenset[str], ...]  # per procedure, its subject type names
    phrases: dict[str, tuple[tuple[str, ...], ...]]  # subject type name → the phrases that name it
    level_rank: tuple[int, ...]  # per procedure, the rank of its best level in citizen_levels (lower: first)

    @classmethod
    def build(
        cls, procedures: Sequence[Procedure], citizen_levels: Sequence[str] = DEFAULT_CITIZEN_LEVELS
    ) -> CataloguePrior:
        """Learn the vocabulary of subject types from the procedures themselves."""
        names = sorted({s for p in procedures for s in p.subjects})
        order = {level: rank for rank, level in enumerate(citizen_levels)}
        worst = len(citizen_levels)
        return cls(
            subjects=tuple(frozenset(p.subjects) for p in procedures),
            phrases={name: subject_phrases(name) for name in names if name != CITIZEN_SUBJECT},
            level_rank=tuple(
                min((order.get(level, worst) for level in p.levels), default=worst) for p in procedures
            ),
        )

    def asked_subjects(self, plain_words: Sequence[str]) -> frozenset[str]:
        """The subject types a question names (accent-free syllables in order)."""
        return frozenset(
            name for name, phrases in self.phrases.items() if any(_contains(plain_words, p) for p in phrases)
        )

    def subject_fit(self, index: int, asked: frozenset[str]) -> float:
        """1 when the procedure is open to whom the question is about (citizens when it names no one)."""
        mine = self.subjects[index]
        if not mine:
            return 0.0
        return float(bool(mine & asked)) if asked else float(CITIZEN_SUBJECT in mine)

    def level_preferences(
        self, candidates: Sequence[int], structures: Sequence[NameStructure]
    ) -> dict[int, float]:
        """Steps of level preference won over level-only siblings among the candidates (0 for most)."""
        won: dict[int, float] = {}
        for a in candidates:
            for b in candidates:
                if a == b or self.level_rank[a] >= self.level_rank[b]:
                    continue
                difference = structures[a].words ^ structures[b].words
                if difference <= LEVEL_WORDS:  # the same name, or one that differs only by its level
                    won[a] = max(won.get(a, 0.0), float(self.level_rank[b] - self.level_rank[a]))
        return won
