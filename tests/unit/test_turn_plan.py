"""Every branch of the turn decision, with a fake search engine (no index, no server)."""

from dataclasses import dataclass, field

from bot.knowledge.model import FaqEntry, Procedure
from bot.knowledge.search import SearchHit, SearchResult
from bot.services.answer_policy import AnswerPolicy
from bot.services.procedure_answers import Aspect
from bot.services.turn import ReplyKind, Turn, names_a_procedure, plan_turn

POLICY = AnswerPolicy(answer_alone=0.8, answer=0.55, clarify=0.31, nlu_fallback_extra=0.05, candidates=5)
NAMES = {
    "1.001193": "Đăng ký khai sinh",
    "1.000894": "Đăng ký kết hôn",
    "1.001456": "Cấp hộ chiếu phổ thông",
    "1.004222": "Đăng ký thường trú",
    "1.004194": "Đăng ký tạm trú",
    "1.000656": "Đăng ký khai tử",
}
FAQ = FaqEntry(id="faq-1", questions=("đăng ký khai sinh có mất phí không",), answer="Miễn lệ phí.",
               procedure_codes=("1.001193",))  # fmt: skip


@dataclass
class FakeEngine:
    """Returns one prepared result for any question and counts the searches."""

    confidence: float = 0.9
    ranked: tuple[str, ...] = ("1.001193", "1.000894", "1.001456", "1.004222", "1.004194", "1.000656")
    abstain: bool = False
    ambiguous: bool = False
    faq: FaqEntry | None = None
    searches: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.procedures = [Procedure(code=c, name=n, url="", catalogue="") for c, n in NAMES.items()]
        self.by_code = {p.code: i for i, p in enumerate(self.procedures)}

    def search(self, question: str, k: int = 5) -> SearchResult:
        self.searches.append(question)
        hits = tuple(SearchHit(c, NAMES[c], 1.0 - i / 10, "name") for i, c in enumerate(self.ranked[:k]))
        return SearchResult(question, hits, self.confidence, self.ambiguous, self.abstain, faq=self.faq)


def test_a_sure_search_is_answered_alone_and_remembered() -> None:
    plan = plan_turn(Turn("đăng ký khai sinh cần giấy tờ gì", Aspect.DOCUMENTS), FakeEngine(0.92), POLICY)
    assert plan.kind is ReplyKind.ANSWER and plan.procedure is not None
    assert plan.procedure.code == "1.001193" and plan.candidates == () and not plan.failed
    assert plan.record_reason is None


def test_a_fairly_sure_search_answers_and_offers_the_next_four() -> None:
    plan = plan_turn(Turn("đăng ký khai sinh cần giấy tờ gì", Aspect.DOCUMENTS), FakeEngine(0.65), POLICY)
    assert plan.kind is ReplyKind.ANSWER_WITH_ALTERNATIVES and plan.procedure.code == "1.001193"
    assert [c.code for c in plan.candidates] == ["1.000894", "1.001456", "1.004222", "1.004194"]
    assert plan.record_reason == "answered_with_alternatives"


def test_an_unclear_search_asks_back_with_five_candidates_and_cites_nothing() -> None:
    plan = plan_turn(Turn("thủ tục đăng ký cho con", Aspect.OVERVIEW), FakeEngine(0.4), POLICY)
    assert plan.kind is ReplyKind.CLARIFY and not plan.cites and not plan.failed
    assert len(plan.candidates) == 5 and plan.candidates[0].title == "Đăng ký khai sinh"
    assert plan.record_reason == "clarification"


def test_a_low_confidence_search_is_unsure_offers_candidates_and_counts_as_a_failure() -> None:
    plan = plan_turn(Turn("nuôi ong lấy mật ở đâu", Aspect.WHERE), FakeEngine(0.2, abstain=True), POLICY)
    assert plan.kind is ReplyKind.UNSURE and plan.failed and not plan.cites
    assert len(plan.candidates) == 5 and plan.record_reason == "low_confidence"


def test_an_unsure_search_never_falls_back_to_the_procedure_under_discussion() -> None:
    engine = FakeEngine(0.2, abstain=True)
    plan = plan_turn(Turn("nuôi ong lấy mật ở đâu", Aspect.WHERE, current_code="1.004222"), engine, POLICY)
    assert plan.kind is ReplyKind.UNSURE and plan.procedure is None
    assert plan.candidates[0].code == "1.004222"  # still one click away
    assert len({c.code for c in plan.candidates}) == len(plan.candidates) == 5


def test_an_faq_answers_only_the_aspects_it_can_stand_for() -> None:
    engine = FakeEngine(0.9, faq=FAQ)
    plan = plan_turn(Turn("đăng ký khai sinh có mất phí không", Aspect.FEE), engine, POLICY)
    assert plan.kind is ReplyKind.FAQ and plan.faq == FAQ and plan.procedure.code == "1.001193"
    documents = plan_turn(Turn("đăng ký khai sinh cần giấy tờ gì", Aspect.DOCUMENTS), engine, POLICY)
    assert documents.kind is ReplyKind.ANSWER and documents.faq is None


def test_an_faq_of_another_procedure_than_the_best_one_is_not_used() -> None:
    engine = FakeEngine(0.9, faq=FAQ, ranked=("1.000894", "1.001193", "1.001456"))
    plan = plan_turn(Turn("đăng ký kết hôn có mất phí không", Aspect.FEE), engine, POLICY)
    assert plan.kind is ReplyKind.ANSWER and plan.faq is None and plan.procedure.code == "1.000894"


def test_a_button_choice_is_answered_without_searching() -> None:
    engine = FakeEngine(0.1, abstain=True)
    plan = plan_turn(
        Turn('/ask_fee{"procedure_code": "1.001456"}', Aspect.FEE, chosen_code="1.001456"), engine
    )
    assert plan.kind is ReplyKind.ANSWER and plan.procedure.code == "1.001456" and engine.searches == []


def test_a_follow_up_answers_the_procedure_under_discussion() -> None:
    engine = FakeEngine(0.1, abstain=True)
    plan = plan_turn(Turn("còn lệ phí thì sao?", Aspect.FEE, current_code="1.004222"), engine, POLICY)
    assert plan.kind is ReplyKind.ANSWER and plan.procedure.code == "1.004222" and engine.searches == []


def test_a_follow_up_with_nothing_under_discussion_asks_which_procedure() -> None:
    plan = plan_turn(Turn("còn lệ phí thì sao?", Aspect.FEE), FakeEngine(), POLICY)
    assert plan.kind is ReplyKind.ASK_WHICH and not plan.cites


def test_the_nlu_fallback_passes_text_that_names_nothing_and_ignores_the_slot() -> None:
    plan = plan_turn(Turn("ừ", nlu_unsure=True, current_code="1.004222"), FakeEngine(), POLICY)
    assert plan.kind is ReplyKind.PASS


def test_the_nlu_fallback_passes_text_retrieval_does_not_recognise_either() -> None:
    plan = plan_turn(Turn("abc xyz qwerty", nlu_unsure=True), FakeEngine(0.03, abstain=True), POLICY)
    assert plan.kind is ReplyKind.PASS and plan.candidates == ()
    unsure = plan_turn(Turn("xin cấp phép bay drone", nlu_unsure=True), FakeEngine(0.2, abstain=True), POLICY)
    assert unsure.kind is ReplyKind.UNSURE and len(unsure.candidates) == 5


def test_the_nlu_fallback_needs_more_certainty_before_citing() -> None:
    text = "đề nghị cho biết thủ tục đăng ký khai sinh cho con"
    assert plan_turn(Turn(text), FakeEngine(0.57), POLICY).kind is ReplyKind.ANSWER_WITH_ALTERNATIVES
    assert plan_turn(Turn(text, nlu_unsure=True), FakeEngine(0.57), POLICY).kind is ReplyKind.CLARIFY


def test_an_unknown_chosen_code_is_searched_as_text() -> None:
    engine = FakeEngine(0.92)
    plan = plan_turn(Turn("đăng ký khai sinh", chosen_code="9.999999"), engine, POLICY)
    assert plan.kind is ReplyKind.ANSWER and engine.searches == ["đăng ký khai sinh"]


def test_what_counts_as_naming_a_procedure() -> None:
    assert names_a_procedure("làm hộ chiếu cần gì")
    assert names_a_procedure("dk ks")  # abbreviations expand
    assert not names_a_procedure("còn lệ phí thì sao?")
    assert not names_a_procedure('/ask_fee{"procedure_code": "1.001456"}')
