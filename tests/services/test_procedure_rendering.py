"""action_answer_procedure renders each reply plan: texts, buttons, events, records (fake search engine)."""

import json
from dataclasses import dataclass

import pytest

from actions.procedure import ActionAnswerProcedure
from bot.services.application import Application, install
from bot.services.records import CitizenRecords
from bot.settings import load_settings
from tests.services.conftest import make_tracker
from tests.unit.test_turn_plan import FAQ, FakeEngine


@dataclass
class FakeKnowledge:
    engine: FakeEngine


@pytest.fixture
def store(tmp_path) -> CitizenRecords:
    return CitizenRecords(tmp_path / "records.db")


def use(engine: FakeEngine, store: CitizenRecords) -> None:
    install(Application(load_settings(), store, FakeKnowledge(engine)))  # type: ignore[arg-type]


def payload_codes(message: dict) -> list[str]:
    payloads = [b["payload"] for b in message.get("buttons") or [] if "procedure_code" in b["payload"]]
    return [json.loads("{" + p.split("{", 1)[1])["procedure_code"] for p in payloads]


async def run(dispatcher, domain, text: str, intent: str = "ask_documents", **slots) -> list[dict]:
    tracker = make_tracker(text, intent, slots=slots)
    return await ActionAnswerProcedure().run(dispatcher, tracker, domain)


async def test_a_fairly_sure_answer_offers_the_next_candidates(dispatcher, domain, store) -> None:
    use(FakeEngine(0.65), store)
    events = await run(dispatcher, domain, "đăng ký khai sinh cần giấy tờ gì")
    answer, alternatives = dispatcher.messages
    assert "mã 1.001193" in answer["text"]
    assert alternatives["response"] == "utter_other_candidates"
    assert alternatives["candidates"].startswith("1. Đăng ký kết hôn (mã 1.000894)")
    assert payload_codes(alternatives) == ["1.000894", "1.001456", "1.004222", "1.004194"]
    assert alternatives["buttons"][0]["payload"].startswith("/ask_documents")  # the same aspect, one click
    assert {"event": "slot", "timestamp": None, "name": "procedure_code", "value": "1.001193"} in events
    assert [row["reason"] for row in store.unanswered()] == ["answered_with_alternatives"]


async def test_an_unclear_question_is_asked_back_with_five_numbered_choices(
    dispatcher, domain, store
) -> None:
    use(FakeEngine(0.4), store)
    events = await run(dispatcher, domain, "thủ tục đăng ký cho con", intent="ask_procedure")
    [message] = dispatcher.messages
    assert message["response"] == "utter_which_of_these_procedures"
    assert len(payload_codes(message)) == 5 and message["candidates"].count("\n") == 4
    assert not any(e.get("name") == "procedure_code" for e in events)  # nothing cited, nothing remembered
    assert events == [{"event": "slot", "timestamp": None, "name": "failed_turns", "value": 0.0}]


async def test_unsure_with_a_procedure_under_discussion_does_not_answer_it(dispatcher, domain, store) -> None:
    use(FakeEngine(0.2, abstain=True), store)
    events = await run(
        dispatcher, domain, "nuôi ong lấy mật ở đâu", "ask_where_to_submit", procedure_code="1.004222"
    )
    [message] = dispatcher.messages
    assert message["response"] == "utter_procedure_unsure"
    assert payload_codes(message)[0] == "1.004222"  # still one click away, not answered
    assert message["buttons"][-1]["payload"] == "/request_human"
    assert events == [{"event": "slot", "timestamp": None, "name": "failed_turns", "value": 1.0}]


async def test_an_faq_answer_cites_its_procedure_and_resets_the_failure_count(
    dispatcher, domain, store
) -> None:
    use(FakeEngine(0.9, faq=FAQ), store)
    events = await run(dispatcher, domain, "đăng ký khai sinh có mất phí không", "ask_fee", failed_turns=2.0)
    [message] = dispatcher.messages
    assert message["text"].startswith("Miễn lệ phí.") and "(mã 1.001193)" in message["text"]
    assert {"event": "slot", "timestamp": None, "name": "failed_turns", "value": 0.0} in events
    assert {"event": "slot", "timestamp": None, "name": "procedure_code", "value": "1.001193"} in events


async def test_the_third_unsure_turn_in_a_row_hands_over(dispatcher, domain, store) -> None:
    use(FakeEngine(0.2, abstain=True), store)
    events = await run(dispatcher, domain, "nuôi ong lấy mật ở đâu", "ask_where_to_submit", failed_turns=2.0)
    assert dispatcher.messages[0]["response"] == "utter_handing_over"
    assert any(e["event"] == "pause" for e in events) and len(store.handoffs("open")) == 1
