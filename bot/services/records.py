"""The store of what conversations leave for staff, in the services process's database.

Unanswered questions, feedback tickets (bot/services/feedback_records.py), answer ratings, handoff
requests and failed dossier look-ups (for rate limiting).

Questions and feedback are stored redacted; conversations are known by a salted hash of the sender id,
except in a handoff request, which must name the conversation to resume it. A write the database cannot
take raises StoreUnavailable, with nothing half-written (one transaction per call).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.services.feedback_records import FEEDBACK_STATUSES, FeedbackRecords
from bot.services.records_base import DEFAULT_DB, PROJECT_ROOT, _now, _period
from bot.text.redaction import redact

__all__ = ["DEFAULT_DB", "FEEDBACK_STATUSES", "PROJECT_ROOT", "CitizenRecords", "HandoffRequest"]


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


class CitizenRecords(FeedbackRecords):
    """All writes and reads of the store; safe to share between threads (one connection per call)."""

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
