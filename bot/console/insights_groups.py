"""Grouping the questions the assistant could not answer, so staff review a topic once, not each message.

Each question is folded (bot.text.fold, then without diacritics: citizens type both ways), cut into
word tokens, and joined greedily to the first group with the same top candidate procedure whose tokens
are similar enough (Jaccard similarity of the token sets), else it starts a new group.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bot.text import fold, strip_diacritics

SIMILARITY = 0.5  # Jaccard similarity of token sets to join a group
WORD = re.compile(r"\w+")
# Politeness and filler words that make two different questions look alike (folded, without diacritics).
FILLER = frozenset(
    "a ah ak ad anh chi em oi cho toi minh hoi xin cam on ban nhe nha vay la thi voi duoc khong ko k"
    " gi nao cua va co".split()
)
DISMISS_REASONS = {"out_of_scope": "Ngoài phạm vi", "spam": "Tin rác (spam)"}


def tokens(question: str) -> frozenset[str]:
    """The question's words, folded and without diacritics, fillers left out (all of them if only fillers)."""
    words = WORD.findall(strip_diacritics(fold(question)))
    meaningful = frozenset(word for word in words if word not in FILLER)
    return meaningful or frozenset(words)


def similarity(left: frozenset[str], right: frozenset[str]) -> float:
    """Jaccard similarity of two token sets (1.0 for two empty sets)."""
    if not left and not right:
        return 1.0
    return len(left & right) / len(left | right)


@dataclass
class QuestionGroup:
    """Similar unanswered questions that share their top candidate procedure."""

    top_candidate: str | None
    tokens: frozenset[str]
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        """The ids of the group's questions."""
        return sorted(int(row["id"]) for row in self.rows)

    @property
    def count(self) -> int:
        """How many times the question was asked."""
        return len(self.rows)

    @property
    def first_seen(self) -> str:
        """When the first of these questions came."""
        return min(str(row["created_at"]) for row in self.rows)

    @property
    def last_seen(self) -> str:
        """When the latest of these questions came."""
        return max(str(row["created_at"]) for row in self.rows)

    @property
    def main_question(self) -> str:
        """The most frequent wording (same folded text); the most recent one among equals."""
        counts = Counter(strip_diacritics(fold(row["question"])) for row in self.rows)
        best = max(counts.values())
        for row in sorted(self.rows, key=lambda r: str(r["created_at"]), reverse=True):
            if counts[strip_diacritics(fold(row["question"]))] == best:
                return str(row["question"])
        return ""

    def examples(self, limit: int = 5) -> list[str]:
        """Distinct wordings, newest first, without the main one."""
        seen = {strip_diacritics(fold(self.main_question))}
        found: list[str] = []
        for row in sorted(self.rows, key=lambda r: str(r["created_at"]), reverse=True):
            key = strip_diacritics(fold(row["question"]))
            if key not in seen:
                seen.add(key)
                found.append(str(row["question"]))
        return found[:limit]

    @property
    def candidates(self) -> list[tuple[str, int]]:
        """The procedures the assistant offered for these questions, with how many times, most often first."""
        counts: Counter[str] = Counter()
        for row in self.rows:
            counts.update(dict.fromkeys(row.get("candidates") or [], 1))
        return counts.most_common(8)

    @property
    def reasons(self) -> list[str]:
        """Why staff dismissed the group's questions (names shown to staff), if they did."""
        found = {str(row.get("review_reason")) for row in self.rows if row.get("review_reason")}
        return sorted(DISMISS_REASONS.get(reason, reason) for reason in found)

    def draft_faq_link(self, prefix: str) -> str:
        """The FAQ form pre-filled with the main question and the top candidate procedure."""
        params = {"question": self.main_question}
        if self.top_candidate:
            params["procedure"] = self.top_candidate
        return f"{prefix}/faq/new?{urlencode(params)}"

    def draft_alias_link(self, prefix: str, target: str = "") -> str:
        """The alias form pre-filled with the main question and a catalogue phrase (the top candidate)."""
        params = {"phrase": self.main_question}
        if target:
            params["target"] = target
        return f"{prefix}/aliases/new?{urlencode(params)}"


def top_candidate(row: dict[str, Any]) -> str | None:
    """The procedure the assistant ranked first for this question (None when it had none)."""
    candidates = row.get("candidates") or []
    return str(candidates[0]) if candidates else None


def group_questions(rows: list[dict[str, Any]], threshold: float = SIMILARITY) -> list[QuestionGroup]:
    """Greedy clustering: oldest question first, each joins the most similar compatible group.

    Groups come back the most asked first, then the most recently asked.
    """
    groups: list[QuestionGroup] = []
    by_candidate: dict[str | None, list[QuestionGroup]] = {}  # only groups of the same top candidate compete
    for row in sorted(rows, key=lambda r: (str(r["created_at"]), int(r["id"]))):
        words, code = tokens(str(row["question"])), top_candidate(row)
        best: QuestionGroup | None = None
        best_score = threshold
        for group in by_candidate.get(code, []):
            score = similarity(words, group.tokens)
            if score >= best_score:
                best, best_score = group, score
        if best is None:
            best = QuestionGroup(code, words, [])
            groups.append(best)
            by_candidate.setdefault(code, []).append(best)
        best.rows.append(row)
    groups.sort(key=lambda g: g.last_seen, reverse=True)
    groups.sort(key=lambda g: g.count, reverse=True)
    return groups
