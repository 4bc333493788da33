"""The store staff read (SQLite and PostgreSQL): redaction, ticket numbers, the handoff queue, failures."""

import re
from datetime import timedelta

import pytest

from bot.services.records import CitizenRecords
from tests.store_backends import table_dump


@pytest.fixture
def database_url(store_backend: str | None) -> str | None:
    """Every test here runs on the SQLite file and on PostgreSQL."""
    return store_backend


def test_unanswered_questions_are_stored_redacted_and_pseudonymous(fresh_store) -> None:
    store = CitizenRecords(fresh_store)
    store.record_unanswered("zalo-123", "CCCD 001203004567, sđt 0912345678: làm sổ đỏ?", "low_confidence",
                            intent="ask_procedure", confidence=0.2, candidates=["1.000001"])  # fmt: skip
    [row] = store.unanswered()
    assert row["question"] == "CCCD [số định danh], sđt [số điện thoại]: làm sổ đỏ?"
    assert row["candidates"] == ["1.000001"] and row["reason"] == "low_confidence"
    assert row["conversation"] != "zalo-123" and row["conversation"] == store.conversation_key("zalo-123")
    dump = table_dump(store.database)
    assert "001203004567" not in dump and "0912345678" not in dump and "zalo-123" not in dump


def test_feedback_gets_a_ticket_and_keeps_the_contact_only_with_consent(fresh_store) -> None:
    store = CitizenRecords(fresh_store)
    first = store.create_feedback(
        "a", "Cán bộ tiếp nhận chậm, tôi chờ 2 tiếng", "1.001193", "0912345678", True
    )
    second = store.create_feedback("b", "Trang web hay bị lỗi khi nộp hồ sơ", None, "0987654321", False)
    assert re.fullmatch(r"PA-\d{6}-0001", first) and second.endswith("-0002")
    assert store.feedback(first)["contact"] == "0912345678"
    assert store.feedback(second)["contact"] is None and store.feedback(second)["consent"] == 0


def test_one_open_handoff_per_conversation_and_closing_it(fresh_store) -> None:
    store = CitizenRecords(fresh_store)
    request = store.open_handoff("web-1", "citizen_asked", "Công dân: gọi cho tôi số 0912345678")
    assert store.open_handoff("web-1", "citizen_asked", "") == request
    assert "0912345678" not in request.transcript
    assert [r.ticket for r in store.handoffs("open")] == [request.ticket]
    closed = store.close_handoff(request.id, "cán bộ A")
    assert closed is not None and closed.status == "closed"
    assert store.close_handoff(request.id, "cán bộ A") is None  # already closed
    assert store.handoffs("open") == []
    assert store.open_handoff("web-1", "citizen_asked", "").id != request.id


def test_ratings_and_lookup_failures_are_counted(fresh_store) -> None:
    store = CitizenRecords(fresh_store)
    store.record_rating("a", "1.001193", True)
    store.record_rating("b", "1.001193", False)
    store.record_rating("c", None, True)
    assert store.rating_summary() == {"helpful": 2, "unhelpful": 1}
    for sender in ("a", "a", "b"):
        store.record_lookup_failure(sender, "000.00.04.h51-261110-0001")
    assert store.recent_lookup_failures("a", "000.00.04.H51-261110-0001", timedelta(minutes=15)) == (2, 3)
    assert store.recent_lookup_failures("c", "OTHER", timedelta(minutes=15)) == (0, 0)


def test_staff_replies_are_kept_per_conversation(fresh_store) -> None:
    store = CitizenRecords(fresh_store)
    mine = store.open_handoff("web-1", "citizen_asked", "")
    other = store.open_handoff("web-2", "citizen_asked", "")
    first = store.add_staff_message(mine, "cán bộ A", "Chào anh, tôi là cán bộ A.")
    store.add_staff_message(other, "cán bộ B", "Chào chị.")
    second = store.add_staff_message(mine, "cán bộ A", "Anh cần hỗ trợ gì ạ?")
    assert [m["text"] for m in store.staff_messages("web-1")] == [
        "Chào anh, tôi là cán bộ A.",
        "Anh cần hỗ trợ gì ạ?",
    ]
    assert [m["id"] for m in store.staff_messages("web-1", after_id=first["id"])] == [second["id"]]
    assert store.staff_messages("web-3") == []
