from bot.knowledge.search import SearchHit, SearchResult
from bot.services.answer_policy import AnswerPolicy, Decision

POLICY = AnswerPolicy(answer_alone=0.8, answer=0.55, clarify=0.31, nlu_fallback_extra=0.05)


def result(confidence: float, abstain: bool = False, hits: int = 3, ambiguous: bool = False) -> SearchResult:
    found = tuple(SearchHit(code=f"1.00000{i}", name=f"Thủ tục {i}", score=1.0, matched_field="name")
                  for i in range(hits))  # fmt: skip
    return SearchResult(query="q", hits=found, confidence=confidence, ambiguous=ambiguous, abstain=abstain)


def test_each_band_of_confidence_gets_its_reply() -> None:
    assert POLICY.decide(result(0.9)) is Decision.ANSWER
    assert POLICY.decide(result(0.7)) is Decision.ANSWER_WITH_ALTERNATIVES
    assert POLICY.decide(result(0.45)) is Decision.CLARIFY
    assert POLICY.decide(result(0.2)) is Decision.UNSURE


def test_abstention_or_no_candidate_is_unsure_whatever_the_confidence() -> None:
    assert POLICY.decide(result(0.9, abstain=True)) is Decision.UNSURE
    assert POLICY.decide(result(0.9, hits=0)) is Decision.UNSURE


def test_two_candidates_too_close_to_choose_keep_the_alternatives_on_screen() -> None:
    assert POLICY.decide(result(0.95, ambiguous=True)) is Decision.ANSWER_WITH_ALTERNATIVES
    assert POLICY.decide(result(0.95, ambiguous=True, hits=1)) is Decision.ANSWER


def test_a_question_the_nlu_did_not_understand_needs_more_certainty() -> None:
    assert POLICY.decide(result(0.57)) is Decision.ANSWER_WITH_ALTERNATIVES
    assert POLICY.decide(result(0.57), nlu_unsure=True) is Decision.CLARIFY
    assert POLICY.decide(result(0.82), nlu_unsure=True) is Decision.ANSWER_WITH_ALTERNATIVES
