from bot.knowledge.evaluate import LabelledQuestion
from bot.policy_curve import CachedEngine, CurvePoint, best, route, simulate
from bot.reply_scoring import reply_outcome, shares
from bot.services.answer_policy import AnswerPolicy
from bot.services.procedure_answers import Aspect
from tests.unit.test_turn_plan import FakeEngine

ANSWER = {
    "text": "Hồ sơ gồm …\nNguồn: Đăng ký khai sinh (mã 1.001193), Cổng Dịch vụ công quốc gia: https://x",
    "buttons": [{"title": "Lệ phí", "payload": '/ask_fee{"procedure_code": "1.001193"}'}],
}
ALTERNATIVES = {"text": "Không phải thủ tục này?", "buttons": [
    {"title": "Đăng ký kết hôn", "payload": '/ask_documents{"procedure_code": "1.000894"}'}]}  # fmt: skip


def test_a_gold_citation_is_direct_and_reaches() -> None:
    got = reply_outcome([ANSWER], ["1.001193"])
    assert got.direct and got.reach and not got.misled and got.cites


def test_a_wrong_citation_with_the_gold_one_offered_reaches_without_misleading() -> None:
    got = reply_outcome([ANSWER, ALTERNATIVES], ["1.000894"])
    assert not got.direct and got.reach and not got.misled


def test_a_wrong_citation_alone_misleads_and_out_of_catalogue_it_is_confident_wrong() -> None:
    assert reply_outcome([ANSWER], ["1.000894"]).misled
    assert reply_outcome([ANSWER], []).cites
    assert not reply_outcome([{"text": "Tôi chưa chắc chắn…", "buttons": ALTERNATIVES["buttons"]}], []).cites


def test_shares_count_each_measure() -> None:
    outcomes = [reply_outcome([ANSWER], ["1.001193"]), reply_outcome([ANSWER], ["1.000894"])]
    assert shares(outcomes) == {"direct": 0.5, "reach": 0.5, "misled": 0.5, "cites": 1.0}


def test_routing_follows_the_nlu_parse() -> None:
    question = LabelledQuestion("lệ phí làm hộ chiếu", ("1.001456",))
    assert route(question, {"intent": {"name": "ask_fee"}}).turn.aspect is Aspect.FEE
    ranking = [{"name": "nlu_fallback"}, {"name": "ask_fee"}]
    fallback = route(question, {"intent": {"name": "nlu_fallback"}, "intent_ranking": ranking})
    assert fallback.turn.nlu_unsure and fallback.turn.aspect is Aspect.FEE
    assert route(question, {"intent": {"name": "greet"}}).turn is None


def test_simulation_scores_what_the_plan_would_show() -> None:
    question = LabelledQuestion("đăng ký kết hôn cần gì", ("1.000894",))
    item = route(question, {"intent": {"name": "ask_documents"}})
    policy = AnswerPolicy(answer_alone=0.8, answer=0.55, clarify=0.31)
    engine = CachedEngine(FakeEngine(0.65))  # ranks khai sinh first, kết hôn second
    got = simulate(item, engine, policy)
    assert got.cites and not got.direct and got.reach and not got.misled
    alone = simulate(item, CachedEngine(FakeEngine(0.95)), policy)
    assert alone.misled


def test_the_choice_rule_respects_both_limits() -> None:
    policy = AnswerPolicy()
    safe = CurvePoint(policy, {"direct": 0.5, "reach": 0.9, "misled": 0.03}, {"cites": 0.10})
    bold = CurvePoint(policy, {"direct": 0.7, "reach": 0.9, "misled": 0.03}, {"cites": 0.30})
    careless = CurvePoint(policy, {"direct": 0.6, "reach": 0.9, "misled": 0.09}, {"cites": 0.10})
    assert best([safe, bold, careless]) is safe
    assert best([bold]) is None
