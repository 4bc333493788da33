"""The conversation actions: dossier form and look-up, feedback form, ratings, handoff, fallback."""

from actions.dossier import ActionDossierStatus, ValidateDossierStatusForm
from actions.feedback import ActionRateAnswer, ActionSubmitFeedback, ValidateFeedbackForm
from actions.handoff import ActionFallback, ActionRequestHuman
from actions.procedure import ActionAnswerProcedure
from bot.services.application import application
from tests.services.conftest import make_tracker


def slot_values(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_a_malformed_dossier_code_is_explained_and_asked_again(dispatcher, domain) -> None:
    tracker = make_tracker("HS 12345", "give_dossier_code", extracted={"dossier_code": "HS 12345"},
                           active_loop="dossier_status_form", requested_slot="dossier_code")  # fmt: skip
    events = await ValidateDossierStatusForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["dossier_code"] is None
    assert dispatcher.messages[0]["response"] == "utter_dossier_code_malformed"
    assert dispatcher.messages[0]["example"] == "000.00.04.H51-200221-0001"


async def test_a_code_typed_loosely_is_normalised(dispatcher, domain) -> None:
    typed = "mã hồ sơ 000.00.04.h51 - 261118-0002 ạ"
    tracker = make_tracker(typed, "give_dossier_code", extracted={"dossier_code": typed},
                           active_loop="dossier_status_form", requested_slot="dossier_code")  # fmt: skip
    events = await ValidateDossierStatusForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["dossier_code"] == "000.00.04.H51-261118-0002"


async def test_a_full_phone_number_is_cut_to_its_last_four_digits(dispatcher, domain) -> None:
    tracker = make_tracker("0987000222", "give_phone_digits", active_loop="dossier_status_form",
                           slots={"dossier_code": "000.00.04.H51-261118-0002"},
                           extracted={"phone_last4": "0987000222"},
                           requested_slot="phone_last4")  # fmt: skip
    events = await ValidateDossierStatusForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["phone_last4"] == "0222"


async def test_the_owner_gets_the_status_and_the_slots_are_cleared(dispatcher, domain) -> None:
    application().demo = True  # as `python -m bot.services.server --demo`
    tracker = make_tracker(slots={"dossier_code": "000.00.04.H51-261118-0002", "phone_last4": "0222"})
    events = await ActionDossierStatus().run(dispatcher, tracker, domain)
    assert "Tình trạng: Đang xử lý" in dispatcher.messages[0]["text"]
    assert slot_values(events) == {"dossier_code": None, "phone_last4": None}


async def test_someone_else_learns_nothing(dispatcher, domain) -> None:
    tracker = make_tracker(slots={"dossier_code": "000.00.04.H51-261118-0002", "phone_last4": "1234"})
    await ActionDossierStatus().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_dossier_no_match"]
    assert "Đang xử lý" not in str(dispatcher.messages)


async def test_feedback_skips_consent_without_a_contact(dispatcher, domain) -> None:
    tracker = make_tracker("không", "deny", slots={"feedback_content": "Cán bộ trả hồ sơ chậm quá"},
                           extracted={"feedback_contact": "không"},
                           active_loop="feedback_form", requested_slot="feedback_contact")  # fmt: skip
    events = await ValidateFeedbackForm().run(dispatcher, tracker, domain)
    values = slot_values(events)
    assert values["feedback_contact"] == "không" and values["requested_slot"] is None


async def test_feedback_with_consent_is_stored_with_a_ticket(dispatcher, domain) -> None:
    tracker = make_tracker(
        "đồng ý", "affirm",
        slots={"feedback_content": "Bộ phận một cửa xã hẹn trả kết quả trễ 5 ngày, CCCD 001203004567",
               "feedback_contact": "0912345678", "feedback_consent": True, "procedure_code": "1.001193"},
    )  # fmt: skip
    events = await ActionSubmitFeedback().run(dispatcher, tracker, domain)
    ticket = dispatcher.messages[0]["ticket"]
    stored = application().records.feedback(ticket)
    assert stored is not None and stored["contact"] == "0912345678" and stored["procedure_code"] == "1.001193"
    assert "001203004567" not in stored["content"]
    assert slot_values(events) == {
        "feedback_content": None,
        "feedback_contact": None,
        "feedback_consent": None,
    }


async def test_ratings_from_buttons_and_from_words(dispatcher, domain) -> None:
    up = make_tracker("/rate_answer", "rate_answer", slots={"procedure_code": "1.001193"},
                      entities=[{"entity": "rating", "value": "up"}])  # fmt: skip
    asked = [{"event": "user", "text": "lệ phí khai sinh, sđt 0912345678"}, {"event": "bot", "text": "…"},
             {"event": "user", "text": '/ask_documents{"procedure_code": "1.001193"}'}]  # fmt: skip
    down = make_tracker("câu trả lời không hữu ích", "rate_answer", slots={"procedure_code": "1.001193"},
                        events=asked)  # fmt: skip
    await ActionRateAnswer().run(dispatcher, up, domain)
    await ActionRateAnswer().run(dispatcher, down, domain)
    assert application().records.rating_summary() == {"helpful": 1, "unhelpful": 1}
    # The 👎 keeps the question it answered, redacted, for staff; a button payload is not a question.
    [unhelpful, helpful] = application().records.ratings()
    assert unhelpful["question"] == "lệ phí khai sinh, sđt [số điện thoại]" and helpful["question"] is None
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_thanks_rating_up",
        "utter_thanks_rating_down",
    ]


async def test_handoff_queues_a_request_and_pauses(dispatcher, domain) -> None:
    history = [{"event": "user", "text": "gọi cho tôi số 0912345678"}, {"event": "bot", "text": "Xin lỗi…"}]
    tracker = make_tracker("cho tôi gặp cán bộ", "request_human", events=history, sender_id="web-42")
    events = await ActionRequestHuman().run(dispatcher, tracker, domain)
    assert {"event": "pause", "timestamp": None} in events
    [request] = application().records.handoffs("open")
    assert request.sender_id == "web-42" and request.reason == "citizen_asked"
    assert "0912345678" not in request.transcript and "Công dân:" in request.transcript
    assert dispatcher.messages[0]["ticket"] == request.ticket
    assert "1800 1096" in dispatcher.messages[1]["text"]


def _feedback_form_asking_then(text: str) -> list[dict]:
    """Events of a feedback form asking for the content, the citizen's answer, and the rule stopping it."""
    return [
        {"event": "user", "text": "tôi muốn phản ánh"},
        {"event": "action", "name": "feedback_form"},
        {"event": "active_loop", "name": "feedback_form"},
        {"event": "slot", "name": "requested_slot", "value": "feedback_content"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
        {"event": "action", "name": "action_deactivate_loop"},
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "requested_slot", "value": None},
    ]


async def test_a_complaint_taken_for_a_human_request_inside_the_form_is_its_content(
    dispatcher, domain
) -> None:
    text = "Cán bộ một cửa trả hồ sơ chậm 5 ngày"
    tracker = make_tracker(text, "request_human", events=_feedback_form_asking_then(text))
    events = await ActionRequestHuman().run(dispatcher, tracker, domain)
    assert events == [
        {"event": "slot", "timestamp": None, "name": "feedback_content", "value": text},
        {"event": "followup", "timestamp": None, "name": "feedback_form"},
    ]
    assert application().records.handoffs("open") == [] and dispatcher.messages == []


async def test_asking_for_a_person_inside_the_feedback_form_hands_over(dispatcher, domain) -> None:
    text = "thôi cho tôi gặp cán bộ"
    tracker = make_tracker(text, "request_human", events=_feedback_form_asking_then(text))
    events = await ActionRequestHuman().run(dispatcher, tracker, domain)
    assert {"event": "pause", "timestamp": None} in events
    assert len(application().records.handoffs("open")) == 1


async def test_fallback_records_the_question_and_offers_a_human_the_second_time(dispatcher, domain) -> None:
    first = make_tracker("abc xyz 0912345678", "nlu_fallback")
    events = await ActionFallback().run(dispatcher, first, domain)
    assert slot_values(events) == {"failed_turns": 1.0}
    second = make_tracker("asdfgh", "nlu_fallback", slots={"failed_turns": 1.0})
    await ActionFallback().run(dispatcher, second, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_default", "utter_offer_human"]
    assert dispatcher.messages[1]["buttons"][0]["payload"] == "/request_human"
    questions = [row["question"] for row in application().records.unanswered()]
    assert questions == ["asdfgh", "abc xyz [số điện thoại]"]


async def test_unsure_procedure_search_is_recorded_for_staff(dispatcher, domain) -> None:
    # Not in the catalogue (a drone's flight permit was, until the whole catalogue came: Bộ Quốc phòng's).
    tracker = make_tracker("thủ tục xin giấy phép nuôi khủng long ngoài hành tinh", "ask_procedure")
    await ActionAnswerProcedure().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_procedure_unsure"
    assert dispatcher.messages[0]["hotline"] == "1800 1096"
    assert dispatcher.messages[0]["buttons"][-1]["payload"] == "/request_human"
    [row] = application().records.unanswered()
    assert row["reason"] == "low_confidence" and row["question"].startswith("thủ tục xin giấy phép nuôi")
    assert len(row["candidates"]) == 5  # the closest procedures, offered as buttons too


async def test_answers_offer_rating_buttons(dispatcher, domain) -> None:
    tracker = make_tracker("lệ phí đăng ký khai sinh", "ask_fee")
    events = await ActionAnswerProcedure().run(dispatcher, tracker, domain)
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert '/rate_answer{"rating": "up"}' in payloads and '/rate_answer{"rating": "down"}' in payloads
    assert slot_values(events) == {"procedure_code": "1.001193", "failed_turns": 0.0}


async def test_the_third_failed_turn_in_a_row_hands_over_to_a_civil_servant(dispatcher, domain) -> None:
    third = make_tracker("qwerty zxcv", "nlu_fallback", slots={"failed_turns": 2.0}, sender_id="stuck-1")
    events = await ActionFallback().run(dispatcher, third, domain)
    assert {"event": "pause", "timestamp": None} in events
    assert [m.get("response") for m in dispatcher.messages[:2]] == [
        "utter_handing_over",
        "utter_handoff_queued",
    ]
    [request] = application().records.handoffs("open")
    assert request.sender_id == "stuck-1" and request.reason == "repeated_failures"


COMPLAINT = "Cán bộ trả hồ sơ chậm quá"


def _form_asked(form: str, slot: str, failed_answers: list[str]) -> list[dict]:
    """Events of a form asking ``slot`` after the citizen's earlier answers were rejected."""
    events = [
        {"event": "active_loop", "name": form},
        {"event": "slot", "name": "requested_slot", "value": slot},
    ]
    for answer in failed_answers:
        events += [
            {"event": "user", "text": answer},
            {"event": "slot", "name": slot, "value": answer},
            {"event": "slot", "name": slot, "value": None},
        ]
    return events


async def test_a_second_malformed_dossier_code_ends_the_look_up(dispatcher, domain) -> None:
    tracker = make_tracker("HS 12345", "give_dossier_code", extracted={"dossier_code": "HS 12345"},
                           events=_form_asked("dossier_status_form", "dossier_code", ["abc 123"]),
                           active_loop="dossier_status_form", requested_slot="dossier_code")  # fmt: skip
    events = await ValidateDossierStatusForm().run(dispatcher, tracker, domain)
    assert slot_values(events) == {"dossier_code": None, "requested_slot": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_dossier_code_given_up"]


async def test_failures_before_the_form_was_started_again_do_not_count(dispatcher, domain) -> None:
    earlier = _form_asked("dossier_status_form", "phone_last4", ["12"]) + [
        {"event": "active_loop", "name": None}
    ]
    tracker = make_tracker("số cuối 12", "give_phone_digits", extracted={"phone_last4": "số cuối 12"},
                           events=earlier + _form_asked("dossier_status_form", "phone_last4", []),
                           active_loop="dossier_status_form", requested_slot="phone_last4")  # fmt: skip
    events = await ValidateDossierStatusForm().run(dispatcher, tracker, domain)
    assert slot_values(events) == {"phone_last4": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_phone_last4_malformed"]


async def test_a_look_up_given_up_says_what_to_do_instead(dispatcher, domain) -> None:
    events = await ActionDossierStatus().run(dispatcher, make_tracker(slots={"dossier_code": None}), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_dossier_status_howto"]
    assert slot_values(events) == {"dossier_code": None, "phone_last4": None}


async def test_a_second_unreadable_contact_sends_the_feedback_without_one(dispatcher, domain) -> None:
    tracker = make_tracker("gọi vào số nhà", "nlu_fallback", slots={"feedback_content": COMPLAINT},
                           extracted={"feedback_contact": "gọi vào số nhà"},
                           events=_form_asked("feedback_form", "feedback_contact", ["số tôi là 0912"]),
                           active_loop="feedback_form", requested_slot="feedback_contact")  # fmt: skip
    events = await ValidateFeedbackForm().run(dispatcher, tracker, domain)
    assert slot_values(events) == {"feedback_contact": "không", "requested_slot": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_feedback_contact_given_up"]


async def test_consent_unclear_twice_is_taken_as_no(dispatcher, domain) -> None:
    tracker = make_tracker("tuỳ", "nlu_fallback",
                           slots={"feedback_content": COMPLAINT, "feedback_contact": "0912345678"},
                           extracted={"feedback_consent": "tuỳ"},
                           events=_form_asked("feedback_form", "feedback_consent", ["để tôi xem"]),
                           active_loop="feedback_form", requested_slot="feedback_consent")  # fmt: skip
    events = await ValidateFeedbackForm().run(dispatcher, tracker, domain)
    assert slot_values(events)["feedback_consent"] is False
    assert [m["response"] for m in dispatcher.messages] == ["utter_feedback_consent_given_up"]


async def test_a_second_too_short_content_ends_the_form_and_nothing_is_stored(dispatcher, domain) -> None:
    tracker = make_tracker("lâu quá", "nlu_fallback", extracted={"feedback_content": "lâu quá"},
                           events=_form_asked("feedback_form", "feedback_content", ["chậm"]),
                           active_loop="feedback_form", requested_slot="feedback_content")  # fmt: skip
    events = await ValidateFeedbackForm().run(dispatcher, tracker, domain)
    assert slot_values(events) == {"feedback_content": None, "requested_slot": None}
    await ActionSubmitFeedback().run(dispatcher, make_tracker(slots={"feedback_content": None}), domain)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_feedback_content_given_up",
        "utter_feedback_not_sent",
    ]
