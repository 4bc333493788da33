"""Closing a handoff request resumes the conversation in Rasa (a fake tracker API on 127.0.0.1)."""

from collections.abc import Iterator

import pytest

from bot.services.handoff import (
    HANDOFF_CLOSED,
    RESUME_EVENTS,
    ResumeFailed,
    close_and_resume,
    record_staff_reply,
    transcript,
)
from bot.services.records import CitizenRecords
from tests.fake_rasa import FakeRasa, fake_rasa


@pytest.fixture
def rasa() -> Iterator[str]:
    with fake_rasa() as url:
        yield url


def test_closing_sends_the_resume_events_for_that_conversation(fresh_store, rasa: str) -> None:
    store = CitizenRecords(fresh_store)
    request = store.open_handoff("zalo:12 34", "citizen_asked", "")
    closed = close_and_resume(store, request.id, "cán bộ A", rasa)
    assert closed is not None and closed.status == "closed"
    # The bot resumes, then the citizen hears it on Zalo, where they wrote.
    assert FakeRasa.received == [
        ("/conversations/zalo%3A12%2034/tracker/events", RESUME_EVENTS),
        ("/webhooks/zalo/staff_message", {"recipient": "zalo:12 34", "text": HANDOFF_CLOSED}),
    ]
    assert store.staff_messages("zalo:12 34")[-1]["text"] == HANDOFF_CLOSED
    assert close_and_resume(store, request.id, "cán bộ A", rasa) is None  # nothing open any more


def test_a_web_conversation_is_not_sent_to_a_platform(fresh_store, rasa: str) -> None:
    store = CitizenRecords(fresh_store)
    request = store.open_handoff("web-0123", "citizen_asked", "")
    assert close_and_resume(store, request.id, "cán bộ A", rasa) is not None
    assert [path for path, _ in FakeRasa.received] == ["/conversations/web-0123/tracker/events"]
    assert store.staff_messages("web-0123")[-1]["text"] == HANDOFF_CLOSED  # the widget polls it


def test_a_request_stays_open_when_rasa_refuses(fresh_store, rasa: str) -> None:
    store = CitizenRecords(fresh_store)
    request = store.open_handoff("web-9", "citizen_asked", "")
    FakeRasa.status = 500
    with pytest.raises(ResumeFailed):
        close_and_resume(store, request.id, "cán bộ A", rasa)
    assert store.handoff(request.id).status == "open"
    with pytest.raises(ResumeFailed):
        close_and_resume(store, request.id, "cán bộ A", "http://127.0.0.1:9")


def test_a_staff_reply_goes_into_the_history_only_after_the_platform_took_it(rasa: str) -> None:
    FakeRasa.failing_paths = ("/webhooks/zalo/",)
    with pytest.raises(ResumeFailed):
        record_staff_reply(rasa, "zalo:77", "Hồ sơ của anh đã có kết quả.", "cán bộ A")
    assert FakeRasa.received == []  # not in Rasa's history as if the citizen had read it

    FakeRasa.failing_paths = ()
    assert record_staff_reply(rasa, "zalo:77", "Hồ sơ của anh đã có kết quả.", "cán bộ A") is True
    assert [path for path, _ in FakeRasa.received] == [
        "/webhooks/zalo/staff_message",
        "/conversations/zalo%3A77/tracker/events",
    ]


def test_a_delivered_staff_reply_is_not_an_error_when_rasa_misses_it(rasa: str) -> None:
    FakeRasa.failing_paths = ("/conversations/",)
    assert record_staff_reply(rasa, "messenger:5", "Chào chị, tôi là cán bộ một cửa.", "cán bộ B") is False
    assert [path for path, _ in FakeRasa.received] == ["/webhooks/messenger/staff_message"]
    with pytest.raises(ResumeFailed):  # on the web, Rasa's history is how the reply reaches the citizen
        record_staff_reply(rasa, "web-1", "Chào chị.", "cán bộ B")


def test_transcript_shows_what_a_button_said_not_its_payload() -> None:
    events = [
        {"event": "user", "text": "lệ phí hộ chiếu"},
        {"event": "bot", "text": "Phí, lệ phí …"},
        {"event": "user", "text": '/rate_answer{"rating": "down"}'},
        {"event": "slot", "name": "x", "value": 1},
        {"event": "user", "text": '/ask_fee{"procedure_code": "1.001193"}'},
        {"event": "user", "text": "cho tôi gặp cán bộ"},
    ]
    assert transcript(events) == (
        "Công dân: lệ phí hộ chiếu\nTrợ lý: Phí, lệ phí …\nCông dân: [bấm 👎 Chưa đúng ý]\n"
        "Công dân: [bấm một nút]\nCông dân: cho tôi gặp cán bộ"
    )


def test_a_long_answer_is_cut_at_a_word_never_inside_a_code() -> None:
    offered = (f"{n}. Cấp thẻ căn cước cho người từ đủ 14 tuổi (cấp tỉnh) (mã 2.00020{n})" for n in range(9))
    answer = "Không phải thủ tục này? Có thể anh/chị hỏi:\n" + "\n".join(offered)
    shown = transcript([{"event": "bot", "text": answer}])
    assert shown.startswith("Trợ lý: Không phải thủ tục này?") and shown.endswith(" …")
    assert len(shown) < len("Trợ lý: " + answer)
    assert all(")" in after for after in shown.split("(mã")[1:])  # no "(mã 2.0" left open
