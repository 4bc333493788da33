"""action_answer_procedure against the real index (var/index, built by `make test`)."""

from actions.procedure import ActionAnswerProcedure
from tests.services.conftest import tracker_from


async def test_names_the_procedure_answers_the_aspect_and_remembers_it(dispatcher, domain) -> None:
    events = await ActionAnswerProcedure().run(
        dispatcher, tracker_from("tracker_documents_khai_sinh.json"), domain
    )
    assert events == [
        {"event": "slot", "timestamp": None, "name": "procedure_code", "value": "1.001193"},
        {"event": "slot", "timestamp": None, "name": "failed_turns", "value": 0.0},
    ]
    text = dispatcher.messages[0]["text"]
    assert text.startswith("Hồ sơ gồm") and "mã 1.001193" in text
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert '/ask_fee{"procedure_code": "1.001193"}' in payloads


async def test_follow_up_uses_the_procedure_under_discussion(dispatcher, domain) -> None:
    await ActionAnswerProcedure().run(dispatcher, tracker_from("tracker_fee_follow_up.json"), domain)
    text = dispatcher.messages[0]["text"]
    assert "mã 1.004222" in text and "10.000 đồng" in text


async def test_a_button_choice_switches_procedure(dispatcher, domain) -> None:
    events = await ActionAnswerProcedure().run(dispatcher, tracker_from("tracker_button_choice.json"), domain)
    assert events[0]["value"] == "1.001456"
    assert dispatcher.messages[0]["text"].startswith("Trình tự thực hiện")
