"""Feedback tickets: written by the assistant, worked on by staff in the console (assignee, notes)."""

from __future__ import annotations

from typing import Any

from bot.services.records_base import RecordsBase, _now
from bot.text.redaction import redact

# Feedback ticket statuses set by staff; rows written by the assistant start as 'new' (= open).
FEEDBACK_STATUSES = ("open", "in_progress", "closed")


class FeedbackRecords(RecordsBase):
    """The feedback part of CitizenRecords."""

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
            rows = db.execute(
                "SELECT id, created_at, author, staff, text FROM feedback_replies WHERE ticket_id = ?"
                " ORDER BY id",
                (ticket_id,),
            ).fetchall()
        return [dict(row) for row in rows]
