"""When the assistant answers a procedure question, asks back with candidates, or says it is unsure.

Retrieval's own ``abstain`` flag (confidence < 0.31) is the evaluation contract of `citizenbot kb eval`;
a conversation is stricter, because a confidently wrong procedure costs a citizen a wasted trip. Measured
over REST on faq_dev (215) and faq_dev_not_in_catalogue (300), with answer thresholds for (NLU understood,
NLU fell back): (0.32, 0.32) cite gold 0.595 / confident-wrong out of catalogue 0.543; (0.4, 0.5) 0.535 /
0.310; (0.5, 0.6) 0.433 / 0.160, the gold procedure being among the offered choices for another 0.326.
The product uses (0.5, 0.6): between the abstain flag and the threshold it asks back with the candidates.
"""

from __future__ import annotations

import enum

from bot.knowledge.search import SearchResult

ANSWER_CONFIDENCE = 0.5
# A question the NLU could not classify (long, formal, unusual) needs more certainty from retrieval.
ANSWER_CONFIDENCE_AFTER_NLU_FALLBACK = 0.6
CLARIFY_CANDIDATES = 3


class Decision(enum.Enum):
    """What to do with a search result."""

    ANSWER = "answer"
    CLARIFY = "clarify"  # ask which of the top candidates is meant
    UNSURE = "unsure"  # say so honestly, offer the closest candidates, rephrasing, hotline, a human


def decide(result: SearchResult, nlu_unsure: bool = False) -> Decision:
    """The decision for this result."""
    if result.top is None or result.abstain:
        return Decision.UNSURE
    threshold = ANSWER_CONFIDENCE_AFTER_NLU_FALLBACK if nlu_unsure else ANSWER_CONFIDENCE
    return Decision.ANSWER if result.confidence >= threshold else Decision.CLARIFY


def candidate_list(result: SearchResult, limit: int = CLARIFY_CANDIDATES) -> str:
    """The candidates as numbered lines with their codes (channels without buttons still show them)."""
    return "\n".join(f"{n}. {hit.name} (mã {hit.code})" for n, hit in enumerate(result.hits[:limit], start=1))
