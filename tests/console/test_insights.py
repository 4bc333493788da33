"""Unanswered-question groups, ratings and analytics: access, grouping, dismissal, figures, CSV, charts."""

from __future__ import annotations

import base64
import csv
import io
import itertools
import json
import re
import sqlite3
from datetime import date, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sanic import Blueprint, Sanic

import bot.console.app as console_app_module
from bot.console import Console, mount_console, views_insights
from bot.console.insights_analytics import Period, compute, parse_period
from bot.console.insights_groups import group_questions, tokens
from bot.services.records import CitizenRecords
from tests.console.conftest import EDITOR, RASA_TOKEN, VIEWER, login, session_csrf

_names = itertools.count()

GET_ROUTES = ["/console/unanswered", "/console/ratings", "/console/analytics", "/console/analytics.csv"]
DISMISS = "/console/unanswered/dismiss"


@pytest.fixture
def console_app(
    records: CitizenRecords, rasa: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[Sanic, Console]:
    """As conftest's app, with this module's routes added while console_blueprint does not include them."""
    original = console_app_module.console_blueprint

    def with_insights(console: Console) -> Blueprint:
        blueprint = original(console)
        if not any(route.uri == "/unanswered" for route in blueprint._future_routes):
            views_insights.register(blueprint, console)
        return blueprint

    monkeypatch.setattr(console_app_module, "console_blueprint", with_insights)
    monkeypatch.setenv("CITIZENBOT_TRACKER_DB", str(tmp_path / "no-tracker.db"))
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = Sanic(f"insights_test_{next(_names)}", configure_logging=False)
    console = mount_console(app, records, rasa, RASA_TOKEN)
    console.accounts.add(*EDITOR, "editor", "Nguyễn Văn A")
    console.accounts.add(*VIEWER, "viewer", "Trần Thị B")
    return app, console


def _set_time(records: CitizenRecords, table: str, row_id: int, when: str, **more: str) -> None:
    """Move a record to a chosen time (the store stamps rows with now)."""
    columns = ", ".join(f"{name} = ?" for name in ["created_at", *more])
    with sqlite3.connect(records.path) as db:
        db.execute(f"UPDATE {table} SET {columns} WHERE id = ?", (when, *more.values(), row_id))


# ---- access: login, role, CSRF on every new route ----


@pytest.mark.parametrize("url", GET_ROUTES)
async def test_pages_need_a_login(client: httpx.AsyncClient, url: str) -> None:
    answer = await client.get(url)
    assert answer.status_code == 302 and answer.headers["location"].startswith("/console/login?next=")


@pytest.mark.parametrize("url", GET_ROUTES)
async def test_a_viewer_reads_every_page(client: httpx.AsyncClient, viewer: str, url: str) -> None:
    answer = await client.get(url)
    assert answer.status_code == 200
    assert "script-src 'self'" in answer.headers["content-security-policy"]


async def test_dismiss_needs_a_login_csrf_and_the_editor_role(
    client: httpx.AsyncClient, records: CitizenRecords, console: Console
) -> None:
    question = records.record_unanswered("web-1", "mua vé số ở đâu", "low_confidence")
    form = {"ids": str(question), "reason": "spam"}
    assert (await client.post(DISMISS, data=form)).status_code == 401
    await login(client, *VIEWER)
    viewer_token = await session_csrf(client)
    assert (await client.post(DISMISS, data=form | {"csrf_token": viewer_token})).status_code == 403
    page = (await client.get("/console/unanswered")).text
    assert DISMISS not in page and "/faq/new" not in page  # a viewer sees no action
    await login(client, *EDITOR)
    editor_token = await session_csrf(client)
    assert (await client.post(DISMISS, data=form)).status_code == 403  # no CSRF token
    assert (await client.post(DISMISS, data=form | {"csrf_token": "forged"})).status_code == 403
    assert records.unanswered_between()[0]["reviewed"] == 0 and console.audit.entries() == []
    bad = await client.post(DISMISS, data=form | {"csrf_token": editor_token, "reason": "whatever"})
    assert bad.status_code == 400
    missing = await client.post(DISMISS, data={"csrf_token": editor_token, "ids": "999", "reason": "spam"})
    assert missing.status_code == 404 and console.audit.entries() == []


# ---- grouping ----


def _row(row_id: int, question: str, candidates: list[str], when: str = "2026-11-20T10:00:00") -> dict:
    return {"id": row_id, "question": question, "candidates": candidates, "created_at": when}


def test_near_duplicates_group_together_and_different_questions_apart() -> None:
    rows = [
        _row(1, "Làm hộ chiếu cần giấy tờ gì?", ["2.002000"]),
        _row(2, "lam ho chieu can giay to gi", ["2.002000"], "2026-11-21T09:00:00"),
        _row(3, "Anh ơi làm hộ chiếu cần những giấy tờ gì ạ", ["2.002000", "1.001193"]),
        _row(4, "Đăng ký kết hôn nộp ở đâu?", ["1.000894"]),
        _row(5, "Làm hộ chiếu cần giấy tờ gì?", ["1.001193"]),  # same words, another top procedure
        _row(6, "mua vé số ở đâu", []),
        _row(7, "Làm hộ chiếu cần giấy tờ gì", ["2.002000"], "2026-11-22T08:00:00"),
    ]
    groups = group_questions(rows)
    assert [g.ids for g in groups][0] == [1, 2, 3, 7]
    assert sorted(g.ids for g in groups[1:]) == [[4], [5], [6]]
    passport = groups[0]
    assert passport.count == 4 and passport.top_candidate == "2.002000"
    assert passport.main_question == "Làm hộ chiếu cần giấy tờ gì"  # the most asked wording, latest
    assert passport.candidates == [("2.002000", 4), ("1.001193", 1)]
    assert (passport.first_seen, passport.last_seen) == ("2026-11-20T10:00:00", "2026-11-22T08:00:00")
    assert tokens("Hộ chiếu") == tokens("ho chieu") == frozenset({"ho", "chieu"})


async def test_groups_page_shows_counts_candidates_and_the_draft_faq_link(
    client: httpx.AsyncClient, editor: str, records: CitizenRecords
) -> None:
    for text in (
        "Làm hộ chiếu cần giấy tờ gì?",
        "lam ho chieu can giay to gi",
        "Làm hộ chiếu cần giấy tờ gì?",
    ):
        records.record_unanswered(
            "zalo:1", text, "low_confidence", "ask_documents", 0.4, ["2.002000", "1.001193"]
        )
    records.record_unanswered("web-2", "Đăng ký kết hôn <b>ở đâu</b>?", "nlu_fallback")
    page = (await client.get("/console/unanswered")).text
    assert "2 nhóm, 4 câu hỏi." in page
    # By name, as staff know procedures; a code the catalogue no longer has says so.
    assert "Thủ tục đăng ký khai sinh" in page and "(mã 1.001193, gợi ý 3 lần)" in page
    assert "Thủ tục không còn trong danh mục" in page and "(mã 2.002000, gợi ý 3 lần)" in page
    assert "lam ho chieu can giay to gi" in page  # another wording, as an example
    assert "&lt;b&gt;ở đâu&lt;/b&gt;" in page  # citizens' text is escaped
    links = [unescape(link) for link in re.findall(r'href="(/console/faq/new\?[^"]+)"', page)]
    queries = [parse_qs(urlsplit(link).query) for link in links]
    passport = next(q for q in queries if q.get("procedure") == ["2.002000"])
    # every wording of the group becomes a question variant of the draft, the main one first
    assert passport["question"] == ["Làm hộ chiếu cần giấy tờ gì?", "lam ho chieu can giay to gi"]
    assert len(passport["group"][0].split(",")) == 3
    assert any("procedure" not in q and "kết hôn" in q["question"][0] for q in queries)


async def test_dismissing_a_group_is_audited_and_hides_it(
    client: httpx.AsyncClient, editor: str, records: CitizenRecords, console: Console
) -> None:
    spam = [records.record_unanswered("web-3", text, "nlu_fallback") for text in ("mua vé số", "Mua vé số!")]
    records.record_unanswered("web-4", "Cấp lại căn cước bị mất", "low_confidence", candidates=["1.001000"])
    answer = await client.post(
        DISMISS, data={"csrf_token": editor, "ids": ",".join(map(str, spam)), "reason": "spam"}
    )
    assert answer.status_code == 302 and answer.headers["location"] == "/console/unanswered?ok=dismissed"
    [entry] = console.audit.entries()
    assert (entry.actor, entry.action) == ("editor1", "unanswered.dismiss") and "vé số" in entry.target
    assert json.loads(entry.before) == {"ids": spam, "reviewed": {str(i): False for i in spam}}
    assert json.loads(entry.after) == {"ids": spam, "reason": "spam"}
    rows = {row["id"]: row for row in records.unanswered_between()}
    assert all(rows[i]["reviewed"] == 1 and rows[i]["review_reason"] == "spam" for i in spam)
    shown = (await client.get(answer.headers["location"])).text
    assert "Đã bỏ qua nhóm câu hỏi." in shown and "vé số" not in shown and "căn cước" in shown
    hidden = (await client.get("/console/unanswered?show=dismissed")).text
    assert "vé số" in hidden and "Tin rác (spam)" in hidden and "căn cước" not in hidden
    assert DISMISS not in hidden  # a dismissed group has no actions left


# ---- ratings ----


async def test_ratings_show_thumbs_down_first_with_the_conversation(
    client: httpx.AsyncClient, viewer: str, records: CitizenRecords
) -> None:
    records.record_rating("web-1", "1.001193", True)
    records.record_rating("zalo:2", "2.002000", False, "đăng ký <b>xe</b> máy ở đâu, gọi 0912345678")
    records.record_rating("web-3", None, True)
    assert [row["rating"] for row in records.ratings()] == [-1, 1, 1]
    page = (await client.get("/console/ratings")).text
    rows = re.findall(r'<td data-label="Đánh giá">([^<]+)</td>', page)
    assert rows == ["👎 Chưa đúng ý", "👍 Hữu ích", "👍 Hữu ích"]
    assert records.conversation_key("zalo:2") in page and "zalo:2" not in page
    assert page.index("mã 2.002000") < page.index("mã 1.001193")
    assert "đăng ký &lt;b&gt;xe&lt;/b&gt; máy ở đâu, gọi [số điện thoại]" in page  # the rated question


# ---- analytics ----

DAY1, DAY2 = date(2026, 11, 20), date(2026, 11, 21)
PERIOD = "from=2026-11-20&to=2026-11-21"


def _stamp(day: date, hour: int, minute: int = 0) -> float:
    return datetime(day.year, day.month, day.day, hour, minute).timestamp()


TrackerRow = tuple[str, str, float, str | None, str | None, str]


def tracker_rows() -> list[TrackerRow]:
    """Rows of a small Rasa-style ``events`` table: a conversation per channel, one outside the period."""
    events: list[tuple[str, str, float, str | None, str | None, dict[str, Any]]] = []

    def user(sender: str, at: float, intent: str, text: str) -> None:
        events.append((sender, "user", at, intent, None, {"event": "user", "text": text}))

    def bot(sender: str, at: float, text: str) -> None:
        events.append((sender, "bot", at, None, None, {"event": "bot", "text": text}))

    def slot(sender: str, at: float, name: str, value: str) -> None:
        events.append((sender, "slot", at, None, None, {"event": "slot", "name": name, "value": value}))

    def action(sender: str, at: float, name: str) -> None:
        events.append((sender, "action", at, None, name, {"event": "action", "name": name}))

    # Zalo, day 1: two direct answers about the same procedure (slot, then the citation only).
    user("zalo:1", _stamp(DAY1, 9), "ask_documents", "khai sinh cần giấy tờ gì")
    action("zalo:1", _stamp(DAY1, 9), "action_answer_procedure")
    bot(
        "zalo:1",
        _stamp(DAY1, 9),
        "Giấy tờ: tờ khai…\nNguồn: Đăng ký khai sinh (mã 1.001193), Cổng DVC: https://x",
    )
    slot("zalo:1", _stamp(DAY1, 9), "procedure_code", "1.001193")
    user("zalo:1", _stamp(DAY1, 9, 5), "ask_fee", "lệ phí bao nhiêu")
    bot(
        "zalo:1",
        _stamp(DAY1, 9, 5),
        "Miễn lệ phí.\nNguồn: Đăng ký khai sinh (mã 1.001193), Cổng DVC: https://x",
    )
    # Messenger, day 1: an answer with alternatives.
    user("messenger:2", _stamp(DAY1, 14), "ask_fee", "lệ phí hộ chiếu")
    bot("messenger:2", _stamp(DAY1, 14), "Lệ phí 200.000 đồng.\nNguồn: Cấp hộ chiếu (mã 2.002000): https://x")
    bot(
        "messenger:2",
        _stamp(DAY1, 14),
        "Không phải thủ tục này? Có thể anh/chị hỏi:\n1. Cấp lại hộ chiếu (mã 2.002001)",
    )
    # The widget, day 2: a greeting (not a question) and a list to choose from.
    user("web-abc", _stamp(DAY2, 8), "greet", "xin chào")
    bot("web-abc", _stamp(DAY2, 8), "Chào anh/chị!")
    user("web-abc", _stamp(DAY2, 8, 1), "ask_steps", "các bước làm thủ tục")
    choose = "Anh/chị hỏi về thủ tục nào dưới đây? Mời chọn để tôi trả lời đúng thủ tục:\n"
    bot("web-abc", _stamp(DAY2, 8, 1), choose + "1. Khai sinh (mã 1.001193)\n2. Kết hôn (mã 1.000894)")
    # REST, day 2: not understood (the unanswered record is in the records store).
    user("rest-client-7", _stamp(DAY2, 16), "ask_documents", "abc xyz")
    bot("rest-client-7", _stamp(DAY2, 16), "Xin lỗi, tôi chưa hiểu rõ ý anh/chị.")
    # Outside the period.
    user("zalo:9", _stamp(date(2026, 11, 25), 10), "ask_fee", "lệ phí")
    return [(*event[:5], json.dumps(event[5], ensure_ascii=False)) for event in events]


def write_tracker(path: Path) -> None:
    """The synthetic tracker store as Rasa's SQLite file."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
            " type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),"
            " action_name VARCHAR(255), data TEXT)"
        )
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            tracker_rows(),
        )


@pytest.fixture
def tracker(tmp_path: Path, records: CitizenRecords, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The synthetic tracker store, and records in and out of the period."""
    path = tmp_path / "rasa_tracker.db"
    write_tracker(path)
    monkeypatch.setenv("CITIZENBOT_TRACKER_DB", str(path))
    question = records.record_unanswered("rest-client-7", "abc xyz", "nlu_fallback")
    _set_time(records, "unanswered_questions", question, "2026-11-21T16:00:00")
    # Answered, with other candidates offered: kept for review, but counted with "Kèm lựa chọn".
    offered = records.record_unanswered("web-abc", "lệ phí khai sinh", "answered_with_alternatives")
    _set_time(records, "unanswered_questions", offered, "2026-11-21T16:05:00")
    late = records.record_unanswered("zalo:9", "câu hỏi sau kỳ", "nlu_fallback")
    _set_time(records, "unanswered_questions", late, "2026-11-25T10:00:00")
    first = records.open_handoff("zalo:1", "citizen_asked", "")
    records.close_handoff(first.id, "x")
    _set_time(records, "handoff_requests", first.id, "2026-11-20T10:00:00", closed_at="2026-11-20T10:30:00")
    second = records.open_handoff("web-abc", "citizen_asked", "")
    _set_time(records, "handoff_requests", second.id, "2026-11-21T09:00:00")
    records.record_rating("zalo:1", "1.001193", True)
    records.record_rating("messenger:2", "2.002000", False)
    with sqlite3.connect(records.path) as db:
        db.execute("UPDATE answer_ratings SET created_at = '2026-11-20T09:06:00' WHERE rating = 1")
        db.execute("UPDATE answer_ratings SET created_at = '2026-11-21T14:01:00' WHERE rating = -1")
    return path


def test_analytics_counts_over_a_synthetic_tracker(tracker: Path, records: CitizenRecords) -> None:
    figures = compute(records, tracker, Period(DAY1, DAY2), now=datetime(2026, 11, 21, 9, 45))
    assert figures.conversations == 4 and figures.messages == 6
    assert [(r["conversations"], r["messages"], r["bot_messages"]) for r in figures.daily] == [
        (2, 3, 4),
        (2, 3, 3),
    ]
    assert dict(figures.channels) == {"Zalo": 1, "Messenger": 1, "Trang web (widget)": 1, "REST / khác": 1}
    assert figures.procedures == [("1.001193", "", 2), ("2.002000", "", 1)]  # no catalogue given
    assert dict(figures.aspects) == {"Giấy tờ cần nộp": 2, "Lệ phí": 2, "Các bước thực hiện": 1}
    assert figures.answers == {"direct": 2, "choices": 2, "unanswered": 1}
    assert [round(share[2]) for share in figures.answer_shares()] == [40, 40, 20]
    # Closed after 30 minutes without a staff message; still waiting after 45 minutes (measured to ``now``).
    assert figures.handoffs == {
        **{"count": 2, "answered": 0, "waiting": 1, "closed_unanswered": 1},
        **{"median_minutes": 37.5, "mean_minutes": 37.5, "max_minutes": 45.0},
    }
    assert (figures.helpful, figures.unhelpful) == (1, 1)
    assert [(r["unanswered"], r["handoffs"], r["helpful"], r["unhelpful"]) for r in figures.daily] == [
        (0, 1, 1, 0),
        (1, 1, 0, 1),
    ]


def test_a_missing_tracker_store_gives_zeros(tmp_path: Path, records: CitizenRecords) -> None:
    figures = compute(records, tmp_path / "absent.db", Period(DAY1, DAY2))
    assert figures.conversations == 0 and figures.messages == 0 and not figures.tracker_found
    assert [r["conversations"] for r in figures.daily] == [0, 0]
    assert not (tmp_path / "absent.db").exists()  # read-only: never created


def test_the_period_defaults_to_the_last_30_days_and_refuses_nonsense() -> None:
    today = date(2026, 11, 30)
    assert parse_period(None, None, today) == (Period(date(2026, 11, 1), today), "")
    assert parse_period("2026-11-20", "2026-11-21", today) == (Period(DAY1, DAY2), "")
    for start, end in (
        ("2026-11-21", "2026-11-20"),
        ("20/11/2026", "2026-11-21"),
        ("2024-01-01", "2026-11-21"),
    ):
        period, error = parse_period(start, end, today)
        assert period == Period(date(2026, 11, 1), today) and error


async def test_the_analytics_page_draws_svg_charts(
    client: httpx.AsyncClient, viewer: str, tracker: Path
) -> None:
    answer = await client.get(f"/console/analytics?{PERIOD}")
    assert answer.status_code == 200
    page = answer.text
    assert "Cuộc trò chuyện" in page and "Trả lời trực tiếp" in page and "Cách tính" in page
    assert "<script" not in page.split("</head>")[1] and "style=" not in page
    images = re.findall(r'<img class="chart" width="100%" src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(images) == 6
    for image in images:
        svg = base64.b64decode(image)
        assert b"<svg" in svg and b"<script" not in svg
    assert (await client.get("/console/analytics?from=2026-11-21&to=2026-11-20")).status_code == 400


async def test_the_csv_starts_with_one_row_a_day(
    client: httpx.AsyncClient, viewer: str, tracker: Path
) -> None:
    answer = await client.get(f"/console/analytics.csv?{PERIOD}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "thong-ke-2026-11-20-2026-11-21.csv" in answer.headers["content-disposition"]
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:4] == ["Bảng", "Ngày", "Cuộc trò chuyện", "Tin nhắn của công dân"]
    assert [row for row in rows if row and row[0] == "Theo ngày"] == [
        ["Theo ngày", "2026-11-20", "2", "3", "4", "0", "1", "1", "0"],
        ["Theo ngày", "2026-11-21", "2", "3", "3", "1", "1", "0", "1"],
    ]
    assert (await client.get("/console/analytics.csv?from=x&to=y")).status_code == 400


async def test_analytics_without_a_tracker_store_shows_zeros(client: httpx.AsyncClient, viewer: str) -> None:
    page = (await client.get("/console/analytics")).text
    assert "không tìm thấy kho hội thoại" in page


def test_a_review_goes_with_its_question_at_retention(records: CitizenRecords) -> None:
    question = records.record_unanswered("web-1", "câu hỏi cũ", "nlu_fallback")
    assert records.dismiss_unanswered([question, 12345], "out_of_scope", "editor1") == [question]
    records.purge_older_than(datetime.now() + timedelta(days=1))
    with sqlite3.connect(records.path) as db:
        assert db.execute("SELECT COUNT(*) FROM unanswered_reviews").fetchone()[0] == 0
