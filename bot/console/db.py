"""The console's tables in the records store's database, beside CitizenRecords' own.

That is the SQLite file $CITIZENBOT_DB, or PostgreSQL when $CITIZENBOT_DATABASE_URL names one
(bot/store_database.py). Staff accounts, failed logins, sessions, the audit log, the FAQ entries, the
aliases and the concept rules (the last three versioned).
One short connection per call, as CitizenRecords does: the services process serves requests from
one event loop and a few threads.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timezone
from pathlib import Path

from bot.store_database import StoreConnection, StoreDatabase, open_database

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
    """The database shared with CitizenRecords (give its ``database``, or a path); creates the tables."""

    def __init__(self, where: Path | StoreDatabase) -> None:
        self.database = open_database(where) if isinstance(where, Path) else where
        self.path = getattr(self.database, "path", where)
        with self.connect() as db:
            db.executescript(SCHEMA)

    @property
    def description(self) -> str:
        """Where the tables are (file path, or the PostgreSQL URL without its password)."""
        return self.database.description

    def connect(self, exclusive: bool = False) -> AbstractContextManager[StoreConnection]:
        """A connection in a transaction (committed on success), rows readable by column name.

        ``exclusive``: for a check-then-write (seeding) that another process must not interleave with.
        """
        return self.database.transaction(exclusive)
