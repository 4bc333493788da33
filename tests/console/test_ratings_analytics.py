"""Ratings shown with their conversation; handoff waits, procedure names and the full CSV of the analytics."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import time
from datetime import datetime
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sanic import Sanic

from bot.console import Console
from bot.console.insights_analytics import Period, compute
from bot.console.insights_export import tables
from bot.console.insights_ratings import NOT_FOUND, UNREACHABLE, rated_exchange
from bot.console.insights_tracker import TRACKER_URL_ENV
from bot.services.records import CitizenRecords
from bot.store_database import DATABASE_URL_ENV
from tests.console.test_insights import DAY1, DAY2, PERIOD, tracker_rows, write_tracker
from tests.fake_rasa import FakeRasa
from tests.store_backends import postgres_schema

SENDER = "web-" + "a1" * 16
NAMES = {"1.001193": "Thủ tục đăng ký khai sinh", "2.002000": "Cấp hộ chiếu phổ thông"}


def _at(records: CitizenRecords, table: str, row_id: int, when: str, **more: str) -> None:
    """Move a record to a chosen time, on either backend (the store stamps rows with now)."""
    columns = ", ".join(f"{name} = ?" for name in ["created_at", *more])
    with records.database.transaction() as db:
        db.execute(f"UPDATE {table} SET {columns} WHERE id = ?", (when, *more.values(), row_id))


def _events_table(path: Path, senders: list[str]) -> None:
    """A tracker store holding one citizen message for each sender, a minute ago."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp FLOAT,"
            " intent_name TEXT, action_name TEXT, data TEXT)"
        )
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, '{}')",
            [(sender, time.time() - 60) for sender in senders],
        )


def _conversation(now: float) -> list[dict[str, Any]]:
    """What the Rasa server holds: a greeting, the rated exchange, the rating, and a later question."""

    def event(kind: str, text: str, at: float, **more: Any) -> dict[str, Any]:
        return {"event": kind, "text": text, "timestamp": at, **more}

    return [
        event("user", "xin chào", now - 30),
        event("bot", "Chào anh/chị!", now - 30),
        event("user", "làm căn cước cần giấy tờ gì, gọi [số điện thoại]", now - 20),
        event("bot", "Giấy tờ: tờ khai CC01.\nNguồn: Cấp thẻ căn cước (mã 1.001234)", now - 20),
        event("bot", "Câu trả lời có hữu ích không?", now - 20),
        event("user", '/rate_answer{"rating": "down"}', now - 10),
        event("bot", "Cảm ơn anh/chị đã góp ý.", now - 10),
        event("user", "câu hỏi sau khi đánh giá", now + 300),
    ]


# ---- ratings with their conversation ----


async def test_a_rating_shows_the_rated_answer_and_the_turns_before_it(
    client: httpx.AsyncClient,
    viewer: str,
    records: CitizenRecords,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _events_table(tmp_path / "tracker.db", [SENDER, "zalo:77"])
    monkeypatch.setenv("CITIZENBOT_TRACKER_DB", str(tmp_path / "tracker.db"))
    FakeRasa.tracker_events = _conversation(time.time())
    records.record_rating(SENDER, "1.001234", False, "làm căn cước cần giấy tờ gì")
    page = unescape((await client.get("/console/ratings")).text)
    rated = re.findall(r'<p class="bubble bot rated"><span class="speaker">[^<]+</span>([^<]+)</p>', page)
    assert rated == ["Giấy tờ: tờ khai CC01.\nNguồn: Cấp thẻ căn cước (mã 1.001234)",
                     "Câu trả lời có hữu ích không?"]  # fmt: skip
    assert "xin chào" in page and "Chào anh/chị!" in page and "gọi [số điện thoại]" in page
    assert "câu hỏi sau khi đánh giá" not in page and "Cảm ơn anh/chị đã góp ý." not in page
    assert SENDER not in page  # staff see the pseudonym only
    assert NOT_FOUND not in page and UNREACHABLE not in page


async def test_without_the_rasa_server_the_rating_shows_with_a_note(
    client: httpx.AsyncClient,
    viewer: str,
    records: CitizenRecords,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CITIZENBOT_TRACKER_DB", str(tmp_path / "absent.db"))
    handoff = records.open_handoff(SENDER, "citizen_asked", "")  # a handoff also names the conversation
    records.close_handoff(handoff.id, "x")
    records.record_rating(SENDER, None, False, "câu hỏi được đánh giá")
    records.record_rating("web-unknown", None, True, "câu hỏi khác")
    FakeRasa.status = 502
    answer = await client.get("/console/ratings")
    assert answer.status_code == 200
    page = unescape(answer.text)
    assert "câu hỏi được đánh giá" in page and "câu hỏi khác" in page
    assert UNREACHABLE in page  # the handoff's conversation: the Rasa server did not answer
    FakeRasa.status = 200
    FakeRasa.tracker_events = _conversation(time.time())
    page = unescape((await client.get("/console/ratings")).text)
    assert "Giấy tờ: tờ khai CC01." in page and UNREACHABLE not in page
    assert NOT_FOUND in page  # "web-unknown": in neither the tracker store nor a handoff


async def test_ratings_come_twenty_a_page(
    client: httpx.AsyncClient,
    viewer: str,
    records: CitizenRecords,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CITIZENBOT_TRACKER_DB", str(tmp_path / "absent.db"))
    for number in range(25):
        records.record_rating(f"web-{number}", None, number % 2 == 0, f"câu hỏi số {number}")
    first = (await client.get("/console/ratings")).text
    second = (await client.get("/console/ratings?page=2")).text
    assert first.count('<td data-label="Đánh giá">') == 20 and "Trang 1 / 2" in first
    assert second.count('<td data-label="Đánh giá">') == 5 and "Trang 2 / 2" in second
    assert (await client.get("/console/ratings?page=abc")).text.count('<td data-label="Đánh giá">') == 20


def test_a_rating_without_a_typed_question_still_finds_its_answer() -> None:
    events = [
        {"event": "bot", "text": "Mời chọn thủ tục", "timestamp": 1.0},
        {"event": "user", "text": "/rate_answer", "timestamp": 2.0},
    ]
    found = rated_exchange(events, 3.0)
    assert found.answer == ["Mời chọn thủ tục"] and found.lines == []


# ---- analytics: waits, names, the full CSV ----


def _handoffs(records: CitizenRecords) -> None:
    """Three requests: answered after 12 minutes, closed unanswered after 30, still waiting."""
    answered = records.open_handoff("zalo:1", "citizen_asked", "")
    message = records.add_staff_message(answered, "Cán bộ A", "Chào anh/chị")
    records.close_handoff(answered.id, "x")
    _at(records, "handoff_requests", answered.id, "2026-11-20T10:00:00", closed_at="2026-11-20T11:00:00")
    _at(records, "staff_messages", message["id"], "2026-11-20T10:12:00")
    unanswered = records.open_handoff("messenger:2", "repeated_failures", "")
    records.close_handoff(unanswered.id, "x")
    _at(records, "handoff_requests", unanswered.id, "2026-11-20T14:00:00", closed_at="2026-11-20T14:30:00")
    waiting = records.open_handoff("web-abc", "citizen_asked", "")
    _at(records, "handoff_requests", waiting.id, "2026-11-21T09:00:00")


def _check(figures: Any) -> None:
    assert [(w.minutes, w.state) for w in figures.handoff_waits] == [
        (12.0, "answered"),
        (30.0, "closed_unanswered"),
        (45.0, "waiting"),
    ]
    assert figures.handoffs == {
        **{"count": 3, "answered": 1, "waiting": 1, "closed_unanswered": 1},
        **{"median_minutes": 30.0, "mean_minutes": 29.0, "max_minutes": 45.0},
    }
    assert figures.procedures == [("1.001193", NAMES["1.001193"], 2), ("2.002000", NAMES["2.002000"], 1)]
    assert figures.conversations == 4


def test_waits_run_to_the_first_staff_message(
    records: CitizenRecords, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tracker(tmp_path / "tracker.db")
    _handoffs(records)
    figures = compute(
        records, tmp_path / "tracker.db", Period(DAY1, DAY2), NAMES, datetime(2026, 11, 21, 9, 45)
    )
    _check(figures)


def test_the_analytics_read_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with postgres_schema() as store_url, postgres_schema() as tracker_url:
        monkeypatch.setenv(DATABASE_URL_ENV, store_url)
        monkeypatch.setenv(TRACKER_URL_ENV, tracker_url)
        with psycopg.connect(tracker_url) as db:
            db.execute(
                "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
                " type_name VARCHAR(255) NOT NULL, timestamp DOUBLE PRECISION, intent_name VARCHAR(255),"
                " action_name VARCHAR(255), data TEXT)"
            )
            with db.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)"
                    " VALUES (%s, %s, %s, %s, %s, %s)",
                    tracker_rows(),
                )
        records = CitizenRecords(tmp_path / "unused.db")
        assert records.database.is_postgres
        _handoffs(records)
        figures = compute(
            records, tmp_path / "absent.db", Period(DAY1, DAY2), NAMES, datetime(2026, 11, 21, 9, 45)
        )
        _check(figures)
        assert figures.tracker_found


def _sections(text: str) -> dict[str, list[list[str]]]:
    """The CSV's tables by name: each table's header row (without "Bảng") then its rows."""
    found: dict[str, list[list[str]]] = {}
    header: list[str] = []
    for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"))):
        if row and row[0] == "Bảng":
            header = row[1:]
        elif row:
            found.setdefault(row[0], [header]).append(row[1:])
    return found


async def test_the_page_and_the_csv_show_every_table(
    client: httpx.AsyncClient,
    viewer: str,
    console_app: tuple[Sanic, Console],
    records: CitizenRecords,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_tracker(tmp_path / "tracker.db")
    monkeypatch.setenv("CITIZENBOT_TRACKER_DB", str(tmp_path / "tracker.db"))
    _handoffs(records)
    records.record_rating("zalo:1", "1.001193", True)
    with records.database.transaction() as db:
        db.execute("UPDATE answer_ratings SET created_at = '2026-11-20T09:06:00'")
    page = unescape((await client.get(f"/console/analytics?{PERIOD}")).text)
    assert "Thủ tục đăng ký khai sinh" in page  # the console's catalogue names the code
    assert "Đang chờ (tính đến lúc xem)" in page and "12 phút" in page
    assert "Đã kết thúc, cán bộ chưa nhắn" in page
    answer = await client.get(f"/console/analytics.csv?{PERIOD}")
    sections = _sections(answer.content.decode("utf-8"))
    assert list(sections) == [
        name for name, _, _ in tables(compute(records, tmp_path / "x", Period(DAY1, DAY2)))
    ]
    assert sections["Theo ngày"][1] == ["2026-11-20", "2", "3", "4", "0", "2", "1", "0"]
    assert (
        sections["Kênh liên hệ"][0] == ["Kênh", "Cuộc trò chuyện"]
        and ["Zalo", "1"] in sections["Kênh liên hệ"]
    )
    assert sections["Thủ tục được hỏi nhiều nhất"][1] == ["1.001193", "Thủ tục đăng ký khai sinh", "2"]
    assert ["Lệ phí", "2"] in sections["Nội dung được hỏi"]
    assert ["Trả lời trực tiếp", "2", "50.0"] in sections["Mức độ trả lời được"]
    waits = sections["Yêu cầu gặp cán bộ"]
    assert waits[0][-2:] == ["Thời gian chờ (phút)", "Tình trạng"]
    assert [row[-2:-1] + [row[2]] for row in waits[1:3]] == [["12", "2026-11-20 10:12:00"], ["30", ""]]
    assert waits[3][-1] == "Đang chờ (tính đến lúc xem)"
    assert ["Cán bộ đã nhắn", "1"] in sections["Thời gian chờ cán bộ (tổng hợp)"]
    assert sections["Đánh giá của công dân"][1:] == [["👍 Hữu ích", "1"], ["👎 Chưa đúng ý", "0"]]
