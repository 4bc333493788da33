"""How sure retrieval must be before the assistant cites a procedure as its answer.

Four replies, from most to least sure (issue 9): the answer alone; the answer *and* the next candidates as
buttons; "which of these?" with up to five candidates; an honest "not sure" with the candidates, the hotline
and a civil servant. Only the first two cite a procedure, so only they can mislead a citizen or answer a
question whose procedure is not in the catalogue at all; the last two still leave the right procedure one
click away when retrieval has it among its candidates.

The thresholds are read off the curve ``make eval`` prints (``bot.conversation_eval``, ``bot.policy_curve``):
for each set of thresholds, the share of faq_dev questions reached (the gold procedure cited or offered),
misled (a wrong procedure cited, the gold one not offered) and of out-of-catalogue questions answered with
a citation. They were chosen on the *tune* half of faq_dev and the out-of-catalogue set, then checked on the
held half and on the colloquial chat questions (figures in `make eval` and in issue 9's closing note).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.knowledge.search import SearchResult


class Decision(enum.Enum):
    """What to do with a search result."""

    ANSWER = "answer"  # sure: the answer alone
    ANSWER_WITH_ALTERNATIVES = "answer_with_alternatives"  # fairly sure: answer, offer the next candidates
    CLARIFY = "clarify"  # unclear: ask which of the candidates is meant
    UNSURE = "unsure"  # say so honestly, offer the closest candidates, the hotline, a civil servant


@dataclass(frozen=True)
class AnswerPolicy:
    """Confidence thresholds of the four replies (retrieval's calibrated confidence, 0–1)."""

    # At or above: the answer alone (no alternatives cluttering a reply retrieval is sure of).
    answer_alone: float = 0.9
    # At or above: cite the best procedure, with the next candidates one click away. Re-read on the whole
    # catalogue (issue 18): 0.6 cited a procedure for 21 % of out-of-catalogue questions, 0.65 for 12 %;
    # 0.7 (9 %) would ask back on "hồ sơ đăng ký khai sinh gồm những gì" (confidence 0.68).
    answer: float = 0.65
    # At or above: ask back with the candidates; below (or when retrieval abstains): say it is unsure.
    clarify: float = 0.31
    # Below: retrieval recognises nothing of a procedure in the text (typed noise scores about 0.03; nine in
    # ten faq_dev questions score above 0.2). Text the NLU could not classify either gets the fallback reply
    # instead of candidates that would puzzle.
    recognised: float = 0.12
    # A question the NLU could not classify (long, formal, unusual) is far from the training data: retrieval
    # must be this much surer before citing anything.
    nlu_fallback_extra: float = 0.05
    # Candidates a citizen chooses from (buttons fit a phone screen).
    candidates: int = 5

    def decide(self, result: SearchResult, nlu_unsure: bool = False) -> Decision:
        """The reply for this result."""
        if result.top is None or result.abstain or result.confidence < self.clarify:
            return Decision.UNSURE
        extra = self.nlu_fallback_extra if nlu_unsure else 0.0
        if result.confidence < self.answer + extra:
            return Decision.CLARIFY
        if result.confidence < self.answer_alone + extra or (result.ambiguous and len(result.hits) > 1):
            return Decision.ANSWER_WITH_ALTERNATIVES
        return Decision.ANSWER


DEFAULT_POLICY = AnswerPolicy()
