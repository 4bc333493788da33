"""A store that cannot take a write (disk full, read-only): a clear error, nothing half-written, told."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from actions.common import queue_handoff
from actions.feedback import ActionRateAnswer, ActionSubmitFeedback
from bot.errors import StoreUnavailable
from bot.services.application import application
from bot.services.records import CitizenRecords
from tests.services.conftest import make_tracker

_connect = sqlite3.connect


def _every_connection(pragma: Callable[[sqlite3.Connection], None]) -> Callable[..., sqlite3.Connection]:
    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = _connect(*args, **kwargs)
        pragma(connection)
        return connection

    return connect


def _no_page_to_spare(connection: sqlite3.Connection) -> None:
    # The file may not grow by a single page: SQLite's own "database or disk is full".
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite3, "connect", _every_connection(_no_page_to_spare))


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite3, "connect", _every_connection(lambda c: c.execute("PRAGMA query_only = ON")))


def _count(store: CitizenRecords, table: str) -> int:
    with store.database.transaction() as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_a_full_disk_is_a_clear_error_and_a_ticket_is_never_half_written(
    fresh_store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CitizenRecords(fresh_store)
    monkeypatch.setattr(sqlite3, "connect", _every_connection(_no_page_to_spare))
    # The ticket row, its number and a short conversation link fit in the pages the file has…
    assert store.create_feedback("web-1", "nội dung", None, "0912345678", True, reply_to="web-1")
    # …a long one needs a new page: the third statement fails after the first two were written.
    with pytest.raises(StoreUnavailable, match="chưa lưu được yêu cầu của anh/chị"):
        store.create_feedback("web-2", "nội dung", None, "0912345678", True, reply_to="w" * 6000)
    with pytest.raises(StoreUnavailable):
        store.open_handoff("web-3", "citizen_asked", "Công dân: " + "xin gặp cán bộ " * 400)
    monkeypatch.setattr(sqlite3, "connect", _connect)
    assert _count(store, "feedback_tickets") == 1 and _count(store, "feedback_conversations") == 1
    assert _count(store, "handoff_requests") == 0


def test_a_read_only_store_is_a_clear_error(fresh_store, read_only: None) -> None:
    with pytest.raises(StoreUnavailable, match="tạm thời"):
        CitizenRecords(fresh_store).record_rating("web-1", None, True)


async def test_the_citizen_is_told_their_feedback_was_not_saved(
    dispatcher, full_disk: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = make_tracker(slots={"feedback_content": "Cán bộ tiếp nhận chậm " * 300})
    events = await ActionSubmitFeedback().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["text"].startswith("Xin lỗi, hệ thống tạm thời chưa lưu được yêu cầu của anh/chị.")
    assert "thử lại sau ít phút" in message["text"] and "đường dây nóng 1800 1096" in message["text"]
    assert {event["name"] for event in events} == {"feedback_content", "feedback_contact", "feedback_consent"}
    monkeypatch.setattr(sqlite3, "connect", _connect)
    assert application().records.feedback_tickets() == []


async def test_a_handoff_that_cannot_be_queued_does_not_pause_the_bot(
    dispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailable()

    monkeypatch.setattr(application().records, "open_handoff", unavailable)
    events = queue_handoff(dispatcher, make_tracker(text="cho tôi gặp cán bộ"), "citizen_asked")
    assert [event["event"] for event in events] == ["slot"]  # no pause: no one would come
    assert "chưa lưu được" in dispatcher.messages[0]["text"]
    monkeypatch.setattr(application().records, "record_rating", unavailable)
    dispatcher.messages.clear()
    assert await ActionRateAnswer().run(dispatcher, make_tracker(text="👍", intent="rate_answer"), {}) == []
    assert "1800 1096" in dispatcher.messages[0]["text"]
