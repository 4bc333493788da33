"""Retention deletes whole stale conversations and old records, never an open handoff."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from bot.cli import main as cli
from bot.services.records import CitizenRecords
from bot.services.retention import TRACKER_URL_ENV, purge
from tests.store_backends import postgres_schema, store_backend  # noqa: F401 - fixture

DAY = 24 * 3600
# Every test here runs with the records store on the SQLite file, then on PostgreSQL.
pytestmark = pytest.mark.usefixtures("store_backend")


def _tracker(path: Path, events: list[tuple[str, float]]) -> None:
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp REAL,"
        " intent_name TEXT, action_name TEXT, data TEXT)"
    )
    for sender, timestamp in events:
        db.execute(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
            (sender, timestamp, json.dumps({"event": "user", "text": f"tin nhắn của {sender}"})),
        )
    db.commit()


def _age(records: CitizenRecords, table: str, days: int, column: str = "created_at") -> None:
    old = (datetime.now() - timedelta(days=days)).isoformat()
    with records.database.transaction() as db:
        db.execute(f"UPDATE {table} SET {column} = ?", (old,))  # noqa: S608 - test tables


def test_stale_conversations_go_whole_and_live_ones_stay_whole(tmp_path: Path) -> None:
    now = time.time()
    tracker = tmp_path / "tracker.db"
    _tracker(tracker, [("old", now - 400 * DAY), ("old", now - 390 * DAY),
                       ("ongoing", now - 400 * DAY), ("ongoing", now - 1 * DAY), ("new", now)])  # fmt: skip
    report = purge(CitizenRecords(tmp_path / "records.db"), 365, tracker, tmp_path / "no-channels.db")
    assert (report.conversations, report.events) == (1, 2)
    left = sqlite3.connect(tracker).execute("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")
    assert dict(left.fetchall()) == {"ongoing": 2, "new": 1}


def test_a_purged_conversation_leaves_nothing_in_the_write_ahead_log(tmp_path: Path) -> None:
    now = time.time()
    tracker = tmp_path / "tracker.db"
    _tracker(tracker, [])
    # The Rasa server's connection, open all along: it keeps the file in WAL mode and the log in place.
    rasa = sqlite3.connect(tracker)
    rasa.execute("PRAGMA journal_mode = WAL")
    rasa.execute("CREATE TABLE pending_redaction (sender_id VARCHAR(255) PRIMARY KEY, since FLOAT NOT NULL)")
    slot = json.dumps({"event": "slot", "name": "feedback_contact", "value": "0912345678"})
    rasa.executemany(
        "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'slot', ?, ?)",
        [("old", now - 400 * DAY, slot), ("new", now, "{}")],
    )
    rasa.executemany("INSERT INTO pending_redaction VALUES (?, ?)", [("old", now - 400 * DAY), ("new", now)])
    rasa.commit()
    wal = tmp_path / "tracker.db-wal"
    assert b"0912345678" in wal.read_bytes()

    report = purge(CitizenRecords(tmp_path / "records.db"), 365, tracker, tmp_path / "no-channels.db")
    assert (report.conversations, report.events) == (1, 1)
    assert [row[0] for row in rasa.execute("SELECT sender_id FROM pending_redaction")] == ["new"]
    assert b"0912345678" not in tracker.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    rasa.close()


def test_old_records_go_but_an_open_handoff_stays(tmp_path: Path) -> None:
    records = CitizenRecords(tmp_path / "records.db")
    records.record_unanswered("a", "câu hỏi cũ", "low_confidence")
    records.create_feedback("a", "phản ánh cũ", None, None, False)
    records.record_rating("a", "1.001193", True)
    records.record_lookup_failure("a", "000.00.04.H51-261118-0002")
    waiting = records.open_handoff("waiting", "gặp cán bộ", "")
    records.add_staff_message(waiting, "Lan", "Chào anh")
    done = records.open_handoff("done", "gặp cán bộ", "")
    records.close_handoff(done.id, "Lan")
    for table in ("unanswered_questions", "feedback_tickets", "answer_ratings", "handoff_requests",
                  "staff_messages"):  # fmt: skip
        _age(records, table, 400)
    _age(records, "status_lookup_failures", 400, "at")
    records.record_unanswered("b", "câu hỏi mới", "low_confidence")

    report = purge(records, 365, tmp_path / "no-tracker.db", tmp_path / "no-channels.db")
    assert report.records == {
        "unanswered_questions": 1, "feedback_tickets": 1, "answer_ratings": 1,
        "status_lookup_failures": 1, "staff_messages": 0, "handoff_requests": 1, "console_sessions": 0,
        "channel_state": 0,
    }  # fmt: skip
    assert [q["question"] for q in records.unanswered()] == ["câu hỏi mới"]
    assert [h.sender_id for h in records.handoffs()] == ["waiting"]
    assert records.staff_messages("waiting")[0]["text"] == "Chào anh"


def test_the_purge_command_reads_the_retention_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = CitizenRecords(tmp_path / "records.db")
    records.record_unanswered("a", "câu hỏi", "low_confidence")
    _age(records, "unanswered_questions", 10)
    monkeypatch.setenv("CITIZENBOT_CHANNELS_DB", str(tmp_path / "channels.db"))
    assert cli(["purge", "--db", str(records.path), "--tracker-db", str(tmp_path / "t.db")]) == 0
    assert records.unanswered()  # 10 days < province.yml's retention
    assert (
        cli(["purge", "--days", "7", "--db", str(records.path), "--tracker-db", str(tmp_path / "t.db")]) == 0
    )
    assert not records.unanswered()
    assert "unanswered_questions 1" in capsys.readouterr().out
    assert cli(["purge", "--days", "0", "--db", str(records.path)]) == 2


def channel_state(path: Path) -> sqlite3.Connection:
    """An empty channels' state file with the tables channels/state.py keeps."""
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE seen_events (channel TEXT, event_id TEXT, seen_at REAL);"
        "CREATE TABLE menus (channel TEXT, user_id TEXT, payloads TEXT);"
        "CREATE TABLE last_inbound (channel TEXT, user_id TEXT, at REAL);"
    )
    return db


def test_platform_users_not_heard_from_are_forgotten(tmp_path: Path) -> None:
    state = tmp_path / "channels.db"
    db = channel_state(state)
    old, now = time.time() - 400 * DAY, time.time()
    db.executemany("INSERT INTO last_inbound VALUES ('zalo', ?, ?)", [("gone", old), ("here", now)])
    db.executemany("INSERT INTO menus VALUES ('zalo', ?, '[]')", [("gone",), ("here",)])
    db.executemany("INSERT INTO seen_events VALUES ('zalo', ?, ?)", [("m1", old), ("m2", now)])
    db.commit()
    report = purge(CitizenRecords(tmp_path / "records.db"), 365, tmp_path / "no-tracker.db", state)
    assert report.records["channel_state"] == 3
    assert [row[0] for row in db.execute("SELECT user_id FROM last_inbound")] == ["here"]
    assert [row[0] for row in db.execute("SELECT user_id FROM menus")] == ["here"]


def test_a_short_retention_keeps_event_ids_while_the_platforms_may_retry(tmp_path: Path) -> None:
    state = tmp_path / "channels.db"
    db = channel_state(state)
    now = time.time()
    db.executemany(
        "INSERT INTO seen_events VALUES ('messenger', ?, ?)",
        [("m-2d", now - 2 * DAY), ("m-4d", now - 4 * DAY)],
    )
    db.commit()
    purge(CitizenRecords(tmp_path / "records.db"), 1, tmp_path / "no-tracker.db", state)
    # Two days old: Meta may still retry it, so its id must stay; four days: past every retry, forgotten.
    assert [row[0] for row in db.execute("SELECT event_id FROM seen_events")] == ["m-2d"]


def test_stale_conversations_go_whole_from_a_postgres_tracker_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    with postgres_schema() as url, psycopg.connect(url) as db:
        # Rasa's SQLTrackerStore table, as it creates it on PostgreSQL.
        db.execute(
            "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
            " type_name VARCHAR(255) NOT NULL, timestamp DOUBLE PRECISION, intent_name VARCHAR(255),"
            " action_name VARCHAR(255), data TEXT)"
        )
        rows = [("old", now - 400 * DAY), ("old", now - 390 * DAY), ("ongoing", now - 400 * DAY),
                ("ongoing", now - 1 * DAY), ("new", now)]  # fmt: skip
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (%s, 'user', %s, '{}')",
                rows,
            )
            cursor.execute(
                "CREATE TABLE pending_redaction (sender_id VARCHAR(255) PRIMARY KEY, since FLOAT NOT NULL)"
            )
            cursor.executemany("INSERT INTO pending_redaction VALUES (%s, %s)", [("old", now), ("new", now)])
        db.commit()
        monkeypatch.setenv(TRACKER_URL_ENV, url)
        records = CitizenRecords(tmp_path / "records.db")
        open_request = records.open_handoff("old", "gặp cán bộ", "")
        report = purge(records, 365, channels_db=tmp_path / "no-channels.db")
        assert (report.conversations, report.events) == (1, 2)
        left = db.execute("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id").fetchall()
        assert dict(left) == {"ongoing": 2, "new": 1}
        assert db.execute("SELECT sender_id FROM pending_redaction").fetchall() == [("new",)]
        assert [h.id for h in records.handoffs("open")] == [open_request.id]  # the records' own rule
        assert cli(["purge", "--days", "7", "--db", str(records.path)]) == 0  # the command reads the URL
        assert dict(db.execute("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id").fetchall()) == {
            "ongoing": 2, "new": 1
        }  # fmt: skip
