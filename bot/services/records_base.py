"""What every part of the records store shares: the schema, the database, the conversations' pseudonyms.

The store lives in the services process's database (bot/store_database.py): the SQLite file
$CITIZENBOT_DB, or PostgreSQL when $CITIZENBOT_DATABASE_URL names one.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path

from bot.store_database import DEFAULT_DB, PROJECT_ROOT, StoreConnection, StoreDatabase, open_database

__all__ = ["DEFAULT_DB", "PROJECT_ROOT", "RecordsBase"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS unanswered_questions (
    id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, conversation TEXT NOT NULL, question TEXT NOT NULL,
    intent TEXT, reason TEXT NOT NULL, confidence REAL, candidates TEXT NOT NULL DEFAULT '[]',
    reviewed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS feedback_tickets (
    id INTEGER PRIMARY KEY, ticket TEXT UNIQUE, created_at TEXT NOT NULL, conversation TEXT NOT NULL,
    content TEXT NOT NULL, procedure_code TEXT, contact TEXT, consent INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'new');
CREATE TABLE IF NOT EXISTS answer_ratings (
    id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, conversation TEXT NOT NULL, procedure_code TEXT,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)), question TEXT);
CREATE TABLE IF NOT EXISTS handoff_requests (
    id INTEGER PRIMARY KEY, ticket TEXT UNIQUE, created_at TEXT NOT NULL, sender_id TEXT NOT NULL,
    reason TEXT NOT NULL, transcript TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'open',
    closed_at TEXT, closed_by TEXT);
CREATE TABLE IF NOT EXISTS staff_messages (
    id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, request_id INTEGER NOT NULL, sender_id TEXT NOT NULL,
    staff TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS staff_messages_by_sender ON staff_messages (sender_id, id);
CREATE TABLE IF NOT EXISTS status_lookup_failures (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, conversation TEXT NOT NULL, dossier_code TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS failures_by_time ON status_lookup_failures (at);
CREATE TABLE IF NOT EXISTS feedback_assignees (
    ticket_id INTEGER PRIMARY KEY, assignee TEXT NOT NULL, assigned_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback_notes (
    id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, created_at TEXT NOT NULL, author TEXT NOT NULL,
    text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_notes_by_ticket ON feedback_notes (ticket_id, id);
-- Retention deletes old tickets; their assignee and internal notes (which may quote them) go with them.
CREATE TRIGGER IF NOT EXISTS feedback_work_follows_ticket AFTER DELETE ON feedback_tickets BEGIN
    DELETE FROM feedback_assignees WHERE ticket_id = OLD.id;
    DELETE FROM feedback_notes WHERE ticket_id = OLD.id;
END;
-- Staff dismissing an unanswered question (console): why, who, when; goes with the question at retention.
CREATE TABLE IF NOT EXISTS unanswered_reviews (
    question_id INTEGER PRIMARY KEY, reason TEXT NOT NULL, reviewed_at TEXT NOT NULL,
    reviewed_by TEXT NOT NULL);
-- With the citizen's consent only: the conversation a ticket came from, so staff can reply there.
CREATE TABLE IF NOT EXISTS feedback_conversations (ticket_id INTEGER PRIMARY KEY, sender_id TEXT NOT NULL);
-- Staff replies to a ticket's author (console); the widget's copy is a staff_messages row with request_id 0.
CREATE TABLE IF NOT EXISTS feedback_replies (
    id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, created_at TEXT NOT NULL, author TEXT NOT NULL,
    staff TEXT NOT NULL, text TEXT NOT NULL, staff_message_id INTEGER);
CREATE INDEX IF NOT EXISTS feedback_replies_by_ticket ON feedback_replies (ticket_id, id);
CREATE TRIGGER IF NOT EXISTS feedback_reply_link_follows_ticket AFTER DELETE ON feedback_tickets BEGIN
    DELETE FROM feedback_conversations WHERE ticket_id = OLD.id;
    DELETE FROM feedback_replies WHERE ticket_id = OLD.id;
END;
CREATE TRIGGER IF NOT EXISTS unanswered_review_follows_question AFTER DELETE ON unanswered_questions BEGIN
    DELETE FROM unanswered_reviews WHERE question_id = OLD.id;
END;
"""


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


class RecordsBase:
    """Opens the database, creates the tables, keeps the salt; one short transaction per call."""

    def __init__(self, path: Path | None = None, database: StoreDatabase | None = None) -> None:
        self.database = database or open_database(path)
        # The SQLite file (also what an explicit path asked for); unused when the store is on PostgreSQL.
        self.path = getattr(self.database, "path", path or DEFAULT_DB)
        with self._connect() as db:
            db.executescript(_SCHEMA)
            columns = {column[0] for column in db.execute("SELECT * FROM answer_ratings LIMIT 0").description}
            if "question" not in columns:  # a store made before ratings kept their question
                db.execute("ALTER TABLE answer_ratings ADD COLUMN question TEXT")
            # Two processes starting together on one database: the first salt stays, the second is ignored.
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('salt', ?) ON CONFLICT (key) DO NOTHING",
                (secrets.token_hex(16),),
            )
            row = db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
        self._salt = str(row[0])

    def _connect(self) -> AbstractContextManager[StoreConnection]:
        return self.database.transaction()

    def conversation_key(self, sender_id: str) -> str:
        """A stable pseudonym for a conversation: staff can group its records without learning who it is."""
        return hashlib.sha256((self._salt + sender_id).encode("utf-8")).hexdigest()[:16]


def _period(column: str, since: datetime | None, until: datetime | None) -> tuple[str, tuple[str, ...]]:
    """A WHERE clause on an ISO time column for [since, until) (either end open when None)."""
    clauses, args = ["1 = 1"], []
    if since is not None:
        clauses.append(f"{column} >= ?")
        args.append(since.isoformat())
    if until is not None:
        clauses.append(f"{column} < ?")
        args.append(until.isoformat())
    return " AND ".join(clauses), tuple(args)
