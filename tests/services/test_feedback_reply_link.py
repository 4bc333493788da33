"""A feedback ticket keeps its conversation (so staff can reply there) only when the citizen consented."""

import sqlite3

from actions.feedback import ActionSubmitFeedback
from bot.services.application import application
from tests.services.conftest import make_tracker


async def _submit(dispatcher, domain, sender_id: str, consent: bool) -> int:
    tracker = make_tracker(
        "đồng ý" if consent else "không",
        "affirm" if consent else "deny",
        slots={"feedback_content": "Bộ phận một cửa hẹn trả kết quả trễ 5 ngày",
               "feedback_contact": "0912345678", "feedback_consent": consent},
        sender_id=sender_id,
    )  # fmt: skip
    await ActionSubmitFeedback().run(dispatcher, tracker, domain)
    return int(application().records.feedback(dispatcher.messages[-1]["ticket"])["id"])


async def test_the_sender_id_is_kept_with_consent_only(dispatcher, domain) -> None:
    records = application().records
    consented = await _submit(dispatcher, domain, "zalo:777", True)
    refused = await _submit(dispatcher, domain, "web-secret-888", False)
    assert records.feedback_sender(consented) == "zalo:777"
    assert records.feedback_sender(refused) is None
    dump = "\n".join(sqlite3.connect(records.path).iterdump())
    assert "web-secret-888" not in dump  # the salted hash stays the only link


def test_an_older_store_gains_the_tables_and_retention_removes_the_link(tmp_path) -> None:
    from datetime import datetime, timedelta

    from bot.services.records import CitizenRecords

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # a store from before ticket replies existed
        db.execute(
            "CREATE TABLE feedback_tickets (id INTEGER PRIMARY KEY, ticket TEXT UNIQUE,"
            " created_at TEXT NOT NULL, conversation TEXT NOT NULL, content TEXT NOT NULL,"
            " procedure_code TEXT, contact TEXT, consent INTEGER NOT NULL DEFAULT 0,"
            " status TEXT NOT NULL DEFAULT 'new')"
        )
        db.execute(
            "INSERT INTO feedback_tickets (ticket, created_at, conversation, content, consent)"
            " VALUES ('PA-1', '2020-01-01T00:00:00', 'abc', 'cũ', 1)"
        )
    records = CitizenRecords(path)
    assert records.feedback_sender(1) is None  # an old ticket has no conversation: no reply possible
    ticket = records.create_feedback("web-5", "nội dung", None, "0912345678", True, reply_to="web-5")
    ticket_id = int(records.feedback(ticket)["id"])
    assert records.add_feedback_reply(ticket_id, "editor1", "Cán bộ A", "Chào anh/chị") is not None
    assert [m["text"] for m in records.staff_messages("web-5")] == ["Chào anh/chị"]
    records.purge_older_than(datetime.now() + timedelta(days=1))
    assert records.feedback_sender(ticket_id) is None and records.feedback_replies(ticket_id) == []
    assert records.staff_messages("web-5") == []
    dump = "\n".join(sqlite3.connect(path).iterdump())
    assert "web-5" not in dump
