"""The decision of one procedure turn, as a plan the action only renders.

What the turn knows — the citizen's text, the aspect asked, a procedure chosen by a button, the procedure
under discussion, whether the NLU doubted the intent — and the search engine go in; a :class:`ReplyPlan`
comes out: answer, answer with alternatives, an FAQ answer, ask back, an honest "not sure", ask which
procedure, or pass (the NLU fallback, when the text names no procedure or retrieval does not recognise it
either: its caller answers). No I/O here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

from bot.knowledge.analysis import analyze_query
from bot.knowledge.model import FaqEntry, Procedure
from bot.knowledge.search import SearchResult
from bot.services.answer_policy import DEFAULT_POLICY, AnswerPolicy, Decision
from bot.services.candidates import Candidate, candidate_titles
from bot.services.procedure_answers import Aspect

# The aspects a curated FAQ answer can stand for (its answers speak of fees, conditions, places; never of
# a whole document list or the legal basis, which the structured record answers better).
FAQ_ASPECTS = frozenset({Aspect.OVERVIEW, Aspect.FEE, Aspect.CONDITIONS, Aspect.WHERE})
# A question names a procedure when it has at least this many topic syllables (or an alias or concept
# fired): "còn lệ phí thì sao?" has none and is a follow-up about the procedure under discussion.
TOPIC_SYLLABLES_TO_SEARCH = 2


class Engine(Protocol):
    """What the decision needs of the search engine (a fake in tests)."""

    procedures: list[Procedure]
    by_code: dict[str, int]

    def search(self, question: str, k: int = 5) -> SearchResult:
        """The k best procedures for a question."""
        ...


class ReplyKind(enum.Enum):
    """The shape of the reply."""

    ANSWER = "answer"
    ANSWER_WITH_ALTERNATIVES = "answer_with_alternatives"
    FAQ = "faq"
    CLARIFY = "clarify"
    UNSURE = "unsure"
    ASK_WHICH = "ask_which"
    PASS = "pass"


@dataclass(frozen=True)
class Turn:
    """What one turn knows."""

    text: str
    aspect: Aspect = Aspect.OVERVIEW
    chosen_code: str | None = None  # set by a button's payload
    current_code: str | None = None  # the procedure under discussion (slot)
    nlu_unsure: bool = False  # the NLU fell back: answer only a question that names a procedure


@dataclass(frozen=True)
class ReplyPlan:
    """The reply to render and what to remember."""

    kind: ReplyKind
    aspect: Aspect
    procedure: Procedure | None = None  # the procedure answered (and remembered)
    candidates: tuple[Candidate, ...] = ()  # choices offered (alternatives, ask-back, unsure)
    faq: FaqEntry | None = None
    confidence: float | None = None
    # Why staff should review this question (recorded redacted), or None.
    record_reason: str | None = None
    searched: tuple[str, ...] = field(default=())  # codes retrieval ranked, best first (for the record)

    @property
    def failed(self) -> bool:
        """The assistant could not answer (counts towards offering, then calling, a civil servant)."""
        return self.kind is ReplyKind.UNSURE

    @property
    def cites(self) -> bool:
        """The reply presents a procedure as its answer."""
        return self.procedure is not None


def names_a_procedure(text: str) -> bool:
    """True when the text says enough to search for a procedure (not a bare follow-up)."""
    if text.startswith("/"):
        return False
    query = analyze_query(text)
    return sum(w >= 1.0 for w in query.weights) >= TOPIC_SYLLABLES_TO_SEARCH or bool(query.expansions)


def _candidates(engine: Engine, codes: list[str], limit: int) -> tuple[Candidate, ...]:
    procedures = [engine.procedures[engine.by_code[c]] for c in dict.fromkeys(codes) if c in engine.by_code]
    return tuple(candidate_titles(procedures[:limit]))


def plan_turn(turn: Turn, engine: Engine, policy: AnswerPolicy = DEFAULT_POLICY) -> ReplyPlan:
    """The reply plan for one procedure turn."""
    if turn.chosen_code and turn.chosen_code in engine.by_code:
        return ReplyPlan(ReplyKind.ANSWER, turn.aspect, engine.procedures[engine.by_code[turn.chosen_code]])
    current = None if turn.nlu_unsure else turn.current_code
    if current not in engine.by_code:
        current = None
    if not names_a_procedure(turn.text):
        if current is not None:  # a follow-up about the procedure under discussion
            return ReplyPlan(ReplyKind.ANSWER, turn.aspect, engine.procedures[engine.by_code[current]])
        return ReplyPlan(ReplyKind.PASS if turn.nlu_unsure else ReplyKind.ASK_WHICH, turn.aspect)
    result = engine.search(turn.text, policy.candidates)
    ranked = tuple(hit.code for hit in result.hits)
    decision = policy.decide(result, turn.nlu_unsure)
    top = engine.procedures[engine.by_code[result.top.code]] if result.top is not None else None
    if top is not None and decision in (Decision.ANSWER, Decision.ANSWER_WITH_ALTERNATIVES):
        if result.faq is not None and turn.aspect in FAQ_ASPECTS and top.code in result.faq.procedure_codes:
            return ReplyPlan(ReplyKind.FAQ, turn.aspect, top, faq=result.faq, confidence=result.confidence)
        if decision is Decision.ANSWER:
            return ReplyPlan(ReplyKind.ANSWER, turn.aspect, top, confidence=result.confidence)
        return ReplyPlan(
            ReplyKind.ANSWER_WITH_ALTERNATIVES,
            turn.aspect,
            top,
            candidates=_candidates(engine, list(ranked[1:]), policy.candidates - 1),
            confidence=result.confidence,
            record_reason="answered_with_alternatives",
            searched=ranked,
        )
    if decision is Decision.CLARIFY:
        return ReplyPlan(
            ReplyKind.CLARIFY,
            turn.aspect,
            candidates=_candidates(engine, list(ranked), policy.candidates),
            confidence=result.confidence,
            record_reason="clarification",
            searched=ranked,
        )
    if turn.nlu_unsure and result.confidence < policy.recognised:
        # Neither the NLU nor retrieval recognises the text: most likely no procedure question at all, and
        # procedure candidates would puzzle; the NLU fallback's own reply ("tôi chưa hiểu") fits better.
        return ReplyPlan(ReplyKind.PASS, turn.aspect, confidence=result.confidence, searched=ranked)
    # Unsure, even if a procedure was under discussion: answering that one would answer another question.
    # It stays the first choice offered, since the citizen may still be asking about it.
    offered = ([current] if current else []) + list(ranked)
    return ReplyPlan(
        ReplyKind.UNSURE,
        turn.aspect,
        candidates=_candidates(engine, offered, policy.candidates),
        confidence=result.confidence,
        record_reason="low_confidence",
        searched=ranked,
    )
