"""The console's tables in the records SQLite file ($CITIZENBOT_DB), beside CitizenRecords' own.

Staff accounts, failed logins, sessions, the audit log, the FAQ entries, the aliases and the concept
rules (the last three versioned).
One short connection per call, as CitizenRecords does: the services process serves requests from
one event loop and a few threads.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from pathlib import Path

from bot.sqlite_file import transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS console_users (
    username TEXT PRIMARY KEY, display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('editor', 'viewer')), password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS console_login_failures (
    id INTEGER PRIMARY KEY, username TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS console_login_failures_by_user ON console_login_failures (username, at);
CREATE TABLE IF NOT EXISTS console_sessions (
    id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL, last_seen TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS console_audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
    before TEXT, after TEXT);
CREATE TABLE IF NOT EXISTS console_faq (
    id TEXT PRIMARY KEY, questions TEXT NOT NULL, answer TEXT NOT NULL, procedure_codes TEXT NOT NULL,
    tags TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1, version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL, updated_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS console_aliases (
    id INTEGER PRIMARY KEY, target TEXT NOT NULL, phrases TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1,
    version INTEGER NOT NULL DEFAULT 1, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS console_concepts (
    id INTEGER PRIMARY KEY, search TEXT NOT NULL, when_all TEXT NOT NULL, unless TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1, version INTEGER NOT NULL DEFAULT 1, updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL);
"""


def utcnow() -> datetime:
    """Now, in UTC, to the second: sessions and lock-outs compare times across restarts and time zones."""
    return datetime.now(timezone.utc).replace(microsecond=0)


class ConsoleDatabase:
    """The SQLite file shared with CitizenRecords; creates the console's tables on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self.connect() as db:
            db.executescript(SCHEMA)

    def connect(self) -> AbstractContextManager[sqlite3.Connection]:
        """A connection in a transaction (committed on success), rows readable by column name."""
        return transaction(self.path, self._lock, rows_by_name=True)
