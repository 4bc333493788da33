"""The console's stores without the web layer (SQLite and PostgreSQL): sessions, ticket work, accounts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.console.accounts import AccountError, LoginResult, StaffAccounts
from bot.console.db import ConsoleDatabase
from bot.console.sessions import IDLE_TIMEOUT, SessionStore
from bot.services.records import CitizenRecords


@pytest.fixture
def database_url(store_backend: str | None) -> str | None:
    """Every test here runs on the SQLite file and on PostgreSQL."""
    return store_backend


def test_a_session_expires_after_idling(records: CitizenRecords, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = SessionStore(ConsoleDatabase(records.path))
    start = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
    monkeypatch.setattr("bot.console.sessions.utcnow", lambda: start)
    session_id = sessions.create("editor1")
    monkeypatch.setattr("bot.console.sessions.utcnow", lambda: start + IDLE_TIMEOUT - timedelta(minutes=1))
    assert sessions.get(session_id) is not None  # and this use restarts the idle clock
    monkeypatch.setattr("bot.console.sessions.utcnow", lambda: start + IDLE_TIMEOUT + timedelta(minutes=30))
    assert sessions.get(session_id) is not None
    monkeypatch.setattr("bot.console.sessions.utcnow", lambda: start + timedelta(hours=13))
    assert sessions.get(session_id) is None  # never longer than the absolute limit
    assert sessions.get("not-a-session") is None


def test_only_a_hash_of_the_session_id_is_stored(records: CitizenRecords) -> None:
    database = ConsoleDatabase(records.path)
    session_id = SessionStore(database).create("editor1")
    with database.connect() as db:
        stored = [row[0] for row in db.execute("SELECT id_hash FROM console_sessions")]
    assert stored and session_id not in stored


def test_password_hashes_are_argon2(records: CitizenRecords) -> None:
    database = ConsoleDatabase(records.path)
    StaffAccounts(database).add("an", "mật khẩu thật dài", "editor")
    with database.connect() as db:
        [stored] = [row[0] for row in db.execute("SELECT password_hash FROM console_users")]
    assert stored.startswith("$argon2id$") and "mật khẩu" not in stored


@pytest.mark.parametrize(
    ("username", "password", "role"),
    [("a", "mật khẩu thật dài", "editor"), ("an có dấu", "mật khẩu thật dài", "editor"),
     ("an", "ngắn", "editor"), ("an", "mật khẩu thật dài", "admin")],
)  # fmt: skip
def test_bad_accounts_are_refused(records: CitizenRecords, username: str, password: str, role: str) -> None:
    with pytest.raises(AccountError):
        StaffAccounts(ConsoleDatabase(records.path)).add(username, password, role)


def test_the_lock_out_ends_after_fifteen_minutes(
    records: CitizenRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = StaffAccounts(ConsoleDatabase(records.path))
    accounts.add("an", "mật khẩu thật dài", "viewer")
    start = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
    monkeypatch.setattr("bot.console.accounts.utcnow", lambda: start)
    results = [accounts.authenticate("AN", "sai")[0] for _ in range(5)]
    assert results == [LoginResult.WRONG] * 4 + [LoginResult.LOCKED]
    monkeypatch.setattr("bot.console.accounts.utcnow", lambda: start + timedelta(minutes=14))
    assert accounts.authenticate("an", "mật khẩu thật dài")[0] is LoginResult.LOCKED
    monkeypatch.setattr("bot.console.accounts.utcnow", lambda: start + timedelta(minutes=16))
    assert accounts.authenticate("an", "mật khẩu thật dài")[0] is LoginResult.OK


def test_retention_takes_a_tickets_assignee_and_notes_with_it(records: CitizenRecords) -> None:
    records.create_feedback("web-1", "nội dung", None, None, False)
    [ticket] = records.feedback_tickets()
    records.set_feedback_assignee(ticket["id"], "an")
    records.add_feedback_note(ticket["id"], "an", "đã gọi lại")
    records.purge_older_than(datetime.now() + timedelta(days=1))
    assert records.feedback_tickets() == []
    with records._connect() as db:
        assert db.execute("SELECT COUNT(*) FROM feedback_notes").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM feedback_assignees").fetchone()[0] == 0


def test_ticket_methods_answer_for_missing_tickets(records: CitizenRecords) -> None:
    assert records.feedback_ticket(9) is None
    assert records.set_feedback_status(9, "closed") is False
    assert records.set_feedback_assignee(9, "an") is False
    assert records.add_feedback_note(9, "an", "x") is None
    with pytest.raises(ValueError):
        records.set_feedback_status(9, "new")
