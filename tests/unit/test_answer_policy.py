from bot.knowledge.search import SearchHit, SearchResult
from bot.services.answer_policy import Decision, candidate_list, decide


def result(confidence: float, abstain: bool = False, hits: int = 3) -> SearchResult:
    found = tuple(SearchHit(code=f"1.00000{i}", name=f"Thủ tục {i}", score=1.0, matched_field="name")
                  for i in range(hits))  # fmt: skip
    return SearchResult(query="q", hits=found, confidence=confidence, ambiguous=False, abstain=abstain)


def test_confident_results_are_answered_and_others_asked_back() -> None:
    assert decide(result(0.8)) is Decision.ANSWER
    assert decide(result(0.45)) is Decision.CLARIFY
    assert decide(result(0.2, abstain=True)) is Decision.UNSURE
    assert decide(result(0.9, hits=0)) is Decision.UNSURE


def test_a_question_the_nlu_did_not_understand_needs_more_certainty() -> None:
    assert decide(result(0.55)) is Decision.ANSWER
    assert decide(result(0.55), nlu_unsure=True) is Decision.CLARIFY


def test_candidates_are_listed_with_their_codes() -> None:
    assert (
        candidate_list(result(0.4))
        == "1. Thủ tục 0 (mã 1.000000)\n2. Thủ tục 1 (mã 1.000001)\n3. Thủ tục 2 (mã 1.000002)"
    )
