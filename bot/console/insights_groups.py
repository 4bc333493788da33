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
# Reviewed by answering them: set when an FAQ or alias made from the group is saved.
RESOLVED_REASONS = {"faq": "Đã tạo câu hỏi thường gặp", "alias": "Đã tạo từ đồng nghĩa"}
MAX_WORDINGS = 20  # an FAQ entry takes at most 20 questions (faq_store.MAX_QUESTIONS)


def tokens(question: str) -> frozenset[str]:
    """The question's words, folded and without diacritics, fillers left out (all of them if only fillers)."""
    words = WORD.findall(strip_diacritics(fold(question)))
    meaningful = frozenset(word for word in words if word not in FILLER)
    return meaningful or frozenset(words)


def wording_key(question: str) -> str:
    """What two wordings share when they differ only in case, spacing or punctuation.

    Diacritics count: a wording typed without them is worth keeping as an FAQ variant of its own.
    """
    return " ".join(WORD.findall(fold(question)))


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
        counts = Counter(wording_key(row["question"]) for row in self.rows)
        best = max(counts.values())
        for row in sorted(self.rows, key=lambda r: str(r["created_at"]), reverse=True):
            if counts[wording_key(row["question"])] == best:
                return str(row["question"])
        return ""

    def examples(self, limit: int = 5) -> list[str]:
        """Distinct wordings, newest first, without the main one."""
        seen = {wording_key(self.main_question)}
        found: list[str] = []
        for row in sorted(self.rows, key=lambda r: str(r["created_at"]), reverse=True):
            key = wording_key(row["question"])
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
        names = DISMISS_REASONS | RESOLVED_REASONS
        return sorted(names.get(reason, reason) for reason in found)

    def wordings(self) -> list[str]:
        """The main wording, then the group's other distinct wordings (at most MAX_WORDINGS in all)."""
        return [self.main_question, *self.examples(MAX_WORDINGS - 1)]

    def draft_faq_link(self, prefix: str) -> str:
        """The FAQ form pre-filled with every wording and the top candidate procedure.

        The group's question ids go along, so saving the FAQ marks the questions reviewed.
        """
        params: list[tuple[str, str]] = [("question", q) for q in self.wordings()]
        if self.top_candidate:
            params.append(("procedure", self.top_candidate))
        params.append(("group", ",".join(map(str, self.ids))))
        return f"{prefix}/faq/new?{urlencode(params)}"

    def draft_alias_link(self, prefix: str, target: str = "") -> str:
        """The alias form pre-filled with every wording and a catalogue phrase (the top candidate)."""
        params: list[tuple[str, str]] = [("phrase", q) for q in self.wordings()]
        if target:
            params.append(("target", target))
        params.append(("group", ",".join(map(str, self.ids))))
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
