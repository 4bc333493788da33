"""The embedded SQLite store of what conversations leave for staff.

Unanswered questions, feedback tickets, answer ratings, handoff requests and failed dossier look-ups (for
rate limiting).

Questions and feedback are stored redacted; conversations are known by a salted hash of the sender id,
except in a handoff request, which must name the conversation to resume it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.sqlite_file import transaction
from bot.text.redaction import redact

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = PROJECT_ROOT / "var" / "citizenbot.db"

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
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)));
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


@dataclass(frozen=True)
class HandoffRequest:
    """A citizen's request to talk to a civil servant."""

    id: int
    ticket: str
    created_at: str
    sender_id: str
    reason: str
    transcript: str
    status: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for the staff API."""
        return dict(self.__dict__)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


class CitizenRecords:
    """All writes and reads of the store; safe to share between threads (one connection per call)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path(os.environ.get("CITIZENBOT_DB", DEFAULT_DB))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(answer_ratings)")}
            if "question" not in columns:  # a store made before ratings kept their question
                db.execute("ALTER TABLE answer_ratings ADD COLUMN question TEXT")
            row = db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))
                row = db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
        self._salt = str(row[0])

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.path, self._lock)

    def conversation_key(self, sender_id: str) -> str:
        """A stable pseudonym for a conversation: staff can group its records without learning who it is."""
        return hashlib.sha256((self._salt + sender_id).encode("utf-8")).hexdigest()[:16]

    # ---- questions the assistant could not answer with confidence ----
    def record_unanswered(
        self,
        sender_id: str,
        question: str,
        reason: str,
        intent: str | None = None,
        confidence: float | None = None,
        candidates: list[str] | None = None,
    ) -> int:
        """Keep a question for staff review (personal data masked)."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO unanswered_questions (created_at, conversation, question, intent, reason,"
                " confidence, candidates) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_now().isoformat(), self.conversation_key(sender_id), redact(question)[:2000], intent,
                 reason, confidence, json.dumps(candidates or [])),
            )  # fmt: skip
            return int(cursor.lastrowid or 0)

    def unanswered(self, limit: int = 100) -> list[dict[str, Any]]:
        """The most recent unanswered questions, newest first."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            query = "SELECT * FROM unanswered_questions ORDER BY id DESC LIMIT ?"
            rows = db.execute(query, (limit,)).fetchall()
        return [dict(row) | {"candidates": json.loads(row["candidates"])} for row in rows]

    def unanswered_between(
        self, since: datetime | None = None, until: datetime | None = None, limit: int = 5000
    ) -> list[dict[str, Any]]:
        """Unanswered questions (newest first) created in [since, until), with any staff review.

        Each row has the table's columns, ``candidates`` as a list, and ``review_reason``,
        ``reviewed_at``, ``reviewed_by`` (None while the question is not dismissed).
        """
        where, args = _period("q.created_at", since, until)
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT q.*, r.reason AS review_reason, r.reviewed_at, r.reviewed_by"
                " FROM unanswered_questions q LEFT JOIN unanswered_reviews r ON r.question_id = q.id"
                f" WHERE {where} ORDER BY q.id DESC LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [dict(row) | {"candidates": json.loads(row["candidates"])} for row in rows]

    def dismiss_unanswered(self, question_ids: list[int], reason: str, staff: str) -> list[int]:
        """Mark questions reviewed with a reason (e.g. out_of_scope, spam); the ids that exist and changed."""
        changed: list[int] = []
        now = _now().isoformat()
        with self._connect() as db:
            for question_id in sorted(set(question_ids)):
                cursor = db.execute(
                    "UPDATE unanswered_questions SET reviewed = 1 WHERE id = ?", (question_id,)
                )
                if cursor.rowcount:
                    db.execute(
                        "INSERT INTO unanswered_reviews (question_id, reason, reviewed_at, reviewed_by)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (question_id) DO UPDATE SET"
                        " reason = excluded.reason, reviewed_at = excluded.reviewed_at,"
                        " reviewed_by = excluded.reviewed_by",
                        (question_id, reason, now, staff),
                    )
                    changed.append(question_id)
        return changed

    # ---- feedback and complaints ----
    def create_feedback(
        self,
        sender_id: str,
        content: str,
        procedure_code: str | None,
        contact: str | None,
        consent: bool,
        reply_to: str | None = None,
    ) -> str:
        """Store a feedback ticket and return its number (PA-yymmdd-NNNN). Contact kept only with consent.

        ``reply_to`` (the conversation's sender id, so staff can answer there) is likewise kept only with
        consent; otherwise the salted hash stays the ticket's only link to the conversation.
        """
        now = _now()
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback_tickets (created_at, conversation, content, procedure_code, contact,"
                " consent) VALUES (?, ?, ?, ?, ?, ?)",
                (now.isoformat(), self.conversation_key(sender_id), redact(content)[:4000], procedure_code,
                 contact if consent else None, int(consent)),
            )  # fmt: skip
            ticket = f"PA-{now:%y%m%d}-{cursor.lastrowid:04d}"
            db.execute("UPDATE feedback_tickets SET ticket = ? WHERE id = ?", (ticket, cursor.lastrowid))
            if consent and reply_to:
                db.execute(
                    "INSERT INTO feedback_conversations (ticket_id, sender_id) VALUES (?, ?)",
                    (cursor.lastrowid, reply_to),
                )
        return ticket

    def feedback(self, ticket: str) -> dict[str, Any] | None:
        """One feedback ticket by its number."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM feedback_tickets WHERE ticket = ?", (ticket,)).fetchone()
        return dict(row) if row else None

    # ---- feedback tickets as staff work on them (the console) ----
    def feedback_tickets(self, status: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """Tickets newest first with their assignee and note count; ``status`` 'open' includes 'new'."""
        where: str = "1 = 1"
        args: tuple[Any, ...] = ()
        if status == "open":
            where = "t.status IN ('new', 'open')"
        elif status:
            where, args = ("t.status = ?", (status,))
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT t.*, a.assignee, (SELECT COUNT(*) FROM feedback_notes n WHERE n.ticket_id = t.id)"
                " AS notes FROM feedback_tickets t LEFT JOIN feedback_assignees a ON a.ticket_id = t.id"
                f" WHERE {where} ORDER BY t.id DESC LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [dict(row) for row in rows]

    def feedback_ticket(self, ticket_id: int) -> dict[str, Any] | None:
        """One ticket by id, with its assignee (None when unassigned)."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            row = db.execute(
                "SELECT t.*, a.assignee FROM feedback_tickets t"
                " LEFT JOIN feedback_assignees a ON a.ticket_id = t.id WHERE t.id = ?",
                (ticket_id,),
            ).fetchone()
        return dict(row) if row else None

    def set_feedback_status(self, ticket_id: int, status: str) -> bool:
        """Set a ticket's status (open, in_progress, closed); False when there is no such ticket."""
        if status not in FEEDBACK_STATUSES:
            raise ValueError(f"unknown feedback status {status!r}")
        with self._connect() as db:
            cursor = db.execute("UPDATE feedback_tickets SET status = ? WHERE id = ?", (status, ticket_id))
            return cursor.rowcount > 0

    def set_feedback_assignee(self, ticket_id: int, assignee: str | None) -> bool:
        """Assign a ticket to a staff member (None: unassign); False when there is no such ticket."""
        with self._connect() as db:
            if db.execute("SELECT 1 FROM feedback_tickets WHERE id = ?", (ticket_id,)).fetchone() is None:
                return False
            if assignee:
                db.execute(
                    "INSERT INTO feedback_assignees (ticket_id, assignee, assigned_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (ticket_id) DO UPDATE SET assignee = excluded.assignee,"
                    " assigned_at = excluded.assigned_at",
                    (ticket_id, assignee, _now().isoformat()),
                )
            else:
                db.execute("DELETE FROM feedback_assignees WHERE ticket_id = ?", (ticket_id,))
        return True

    def add_feedback_note(self, ticket_id: int, author: str, text: str) -> dict[str, Any] | None:
        """Add an internal note (never shown to the citizen); None when there is no such ticket."""
        with self._connect() as db:
            if db.execute("SELECT 1 FROM feedback_tickets WHERE id = ?", (ticket_id,)).fetchone() is None:
                return None
            created = _now().isoformat()
            cursor = db.execute(
                "INSERT INTO feedback_notes (ticket_id, created_at, author, text) VALUES (?, ?, ?, ?)",
                (ticket_id, created, author, text),
            )
        return {"id": int(cursor.lastrowid or 0), "ticket_id": ticket_id, "created_at": created,
                "author": author, "text": text}  # fmt: skip

    def feedback_notes(self, ticket_id: int) -> list[dict[str, Any]]:
        """A ticket's internal notes, oldest first."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT id, created_at, author, text FROM feedback_notes WHERE ticket_id = ? ORDER BY id",
                (ticket_id,),
            ).fetchall()
        return [dict(row) for row in rows]

    def feedback_sender(self, ticket_id: int) -> str | None:
        """The conversation to reply in: only for a consented ticket that kept it, else None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT c.sender_id FROM feedback_conversations c"
                " JOIN feedback_tickets t ON t.id = c.ticket_id WHERE c.ticket_id = ? AND t.consent = 1",
                (ticket_id,),
            ).fetchone()
        return str(row[0]) if row else None

    def add_feedback_reply(self, ticket_id: int, author: str, staff: str, text: str) -> dict[str, Any] | None:
        """Keep a reply to a consented ticket's author, and a copy for the widget (staff_messages, request 0).

        ``author`` is the staff username (for the console), ``staff`` the name the citizen sees. None when
        the ticket does not exist or has no conversation to reply in.
        """
        sender_id = self.feedback_sender(ticket_id)
        if sender_id is None:
            return None
        created = _now().isoformat()
        with self._connect() as db:
            message = db.execute(
                "INSERT INTO staff_messages (created_at, request_id, sender_id, staff, text)"
                " VALUES (?, 0, ?, ?, ?)",
                (created, sender_id, staff, text),
            )
            cursor = db.execute(
                "INSERT INTO feedback_replies (ticket_id, created_at, author, staff, text, staff_message_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (ticket_id, created, author, staff, text, message.lastrowid),
            )
        return {"id": int(cursor.lastrowid or 0), "ticket_id": ticket_id, "created_at": created,
                "author": author, "staff": staff, "text": text,
                "staff_message_id": int(message.lastrowid or 0)}  # fmt: skip

    def feedback_replies(self, ticket_id: int) -> list[dict[str, Any]]:
        """Replies sent to a ticket's author, oldest first."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT id, created_at, author, staff, text FROM feedback_replies WHERE ticket_id = ?"
                " ORDER BY id",
                (ticket_id,),
            ).fetchall()
        return [dict(row) for row in rows]

    # ---- satisfaction ----
    def record_rating(
        self, sender_id: str, procedure_code: str | None, helpful: bool, question: str | None = None
    ) -> None:
        """Store a 👍 / 👎 on the answer just given, with the question it answered (redacted) for staff."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO answer_ratings (created_at, conversation, procedure_code, rating, question)"
                " VALUES (?, ?, ?, ?, ?)",
                (_now().isoformat(), self.conversation_key(sender_id), procedure_code, 1 if helpful else -1,
                 redact(question)[:500] if question else None),
            )  # fmt: skip

    def rating_summary(self) -> dict[str, int]:
        """How many answers were rated helpful and unhelpful."""
        with self._connect() as db:
            rows = db.execute("SELECT rating, COUNT(*) FROM answer_ratings GROUP BY rating").fetchall()
        counts = {int(rating): int(count) for rating, count in rows}
        return {"helpful": counts.get(1, 0), "unhelpful": counts.get(-1, 0)}

    def ratings(
        self, since: datetime | None = None, until: datetime | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        """Ratings 👎 first, then 👍, newest first within each; with the conversation's pseudonymous key."""
        where, args = _period("created_at", since, until)
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT id, created_at, conversation, procedure_code, rating, question FROM answer_ratings"
                f" WHERE {where} ORDER BY rating ASC, id DESC LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [dict(row) for row in rows]

    # ---- handoff to a civil servant ----
    def open_handoff(self, sender_id: str, reason: str, transcript: str) -> HandoffRequest:
        """The conversation's open request, or a new one (HT-yymmdd-NNNN)."""
        existing = self.open_handoff_for(sender_id)
        if existing is not None:
            return existing
        now = _now()
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO handoff_requests (created_at, sender_id, reason, transcript)"
                " VALUES (?, ?, ?, ?)",
                (now.isoformat(), sender_id, reason, redact(transcript)[:4000]),
            )
            db.execute(
                "UPDATE handoff_requests SET ticket = ? WHERE id = ?",
                (f"HT-{now:%y%m%d}-{cursor.lastrowid:04d}", cursor.lastrowid),
            )
        found = self.open_handoff_for(sender_id)
        assert found is not None
        return found

    def open_handoff_for(self, sender_id: str) -> HandoffRequest | None:
        """The conversation's open handoff request, if any."""
        return self._one_handoff("sender_id = ? AND status = 'open'", (sender_id,))

    def handoff(self, request_id: int) -> HandoffRequest | None:
        """A handoff request by id."""
        return self._one_handoff("id = ?", (request_id,))

    def handoffs(self, status: str | None = None) -> list[HandoffRequest]:
        """Handoff requests, oldest first (the queue order), optionally of one status."""
        where, args = ("status = ?", (status,)) if status else ("1 = 1", ())
        with self._connect() as db:
            query = f"SELECT {_HANDOFF_COLUMNS} FROM handoff_requests WHERE {where} ORDER BY id"
            rows = db.execute(query, args)
            return [HandoffRequest(*row) for row in rows.fetchall()]

    def close_handoff(self, request_id: int, closed_by: str) -> HandoffRequest | None:
        """Mark a request closed; None when there is no such open request."""
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE handoff_requests SET status = 'closed', closed_at = ?, closed_by = ?"
                " WHERE id = ? AND status = 'open'",
                (_now().isoformat(), closed_by, request_id),
            )
            changed = cursor.rowcount
        return self.handoff(request_id) if changed else None

    def add_staff_message(self, request: HandoffRequest, staff: str, text: str) -> dict[str, Any]:
        """Keep a civil servant's reply in a handoff conversation for the citizen's channel to deliver."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO staff_messages (created_at, request_id, sender_id, staff, text)"
                " VALUES (?, ?, ?, ?, ?)",
                (_now().isoformat(), request.id, request.sender_id, staff, text),
            )
            message_id = int(cursor.lastrowid or 0)
        return {"id": message_id, "request_id": request.id, "staff": staff, "text": text}

    def staff_messages(self, sender_id: str, after_id: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        """Civil servants' replies to this conversation newer than ``after_id``, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, created_at, text FROM staff_messages WHERE sender_id = ? AND id > ?"
                " ORDER BY id LIMIT ?",
                (sender_id, after_id, limit),
            ).fetchall()
        return [{"id": row[0], "created_at": row[1], "text": row[2]} for row in rows]

    def handoff_times(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Handoff requests created in [since, until): id, created_at, closed_at, status (oldest first)."""
        where, args = _period("created_at", since, until)
        with self._connect() as db:
            rows = db.execute(
                f"SELECT id, created_at, closed_at, status FROM handoff_requests WHERE {where} ORDER BY id",
                args,
            ).fetchall()
        return [{"id": r[0], "created_at": r[1], "closed_at": r[2], "status": r[3]} for r in rows]

    def _one_handoff(self, where: str, args: tuple[Any, ...]) -> HandoffRequest | None:
        with self._connect() as db:
            query = f"SELECT {_HANDOFF_COLUMNS} FROM handoff_requests WHERE {where} ORDER BY id DESC LIMIT 1"
            row = db.execute(query, args).fetchone()
        return HandoffRequest(*row) if row else None

    # ---- failed dossier look-ups (rate limiting) ----
    def record_lookup_failure(self, sender_id: str, dossier_code: str) -> None:
        """Remember a look-up that did not match (wrong code or wrong owner digits)."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO status_lookup_failures (at, conversation, dossier_code) VALUES (?, ?, ?)",
                (_now().isoformat(), self.conversation_key(sender_id), dossier_code.upper()),
            )

    def recent_lookup_failures(self, sender_id: str, dossier_code: str, window: timedelta) -> tuple[int, int]:
        """Failures within ``window``: (by this conversation, on this dossier code from anyone)."""
        since = (_now() - window).isoformat()
        with self._connect() as db:
            by_sender = db.execute(
                "SELECT COUNT(*) FROM status_lookup_failures WHERE at >= ? AND conversation = ?",
                (since, self.conversation_key(sender_id)),
            ).fetchone()[0]
            by_code = db.execute(
                "SELECT COUNT(*) FROM status_lookup_failures WHERE at >= ? AND dossier_code = ?",
                (since, dossier_code.upper()),
            ).fetchone()[0]
        return int(by_sender), int(by_code)

    # ---- retention ----
    def purge_older_than(self, cutoff: datetime) -> dict[str, int]:
        """Delete records created before ``cutoff``, except open handoffs and their messages; counts."""
        since = cutoff.isoformat()
        statements = {
            "unanswered_questions": "DELETE FROM unanswered_questions WHERE created_at < ?",
            "feedback_tickets": "DELETE FROM feedback_tickets WHERE created_at < ?",
            "answer_ratings": "DELETE FROM answer_ratings WHERE created_at < ?",
            "status_lookup_failures": "DELETE FROM status_lookup_failures WHERE at < ?",
            "staff_messages": "DELETE FROM staff_messages WHERE created_at < ? AND request_id NOT IN"
            " (SELECT id FROM handoff_requests WHERE status = 'open')",
            "handoff_requests": "DELETE FROM handoff_requests WHERE created_at < ? AND status != 'open'",
        }
        with self._connect() as db:
            return {table: int(db.execute(sql, (since,)).rowcount) for table, sql in statements.items()}


_HANDOFF_COLUMNS = "id, ticket, created_at, sender_id, reason, transcript, status"
# Feedback ticket statuses set by staff; rows written by the assistant start as 'new' (= open).
FEEDBACK_STATUSES = ("open", "in_progress", "closed")


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
