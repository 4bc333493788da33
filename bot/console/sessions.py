"""Server-side console sessions: a random id in the cookie, its hash in SQLite, idle and absolute expiry.

Only the SHA-256 of the session id is stored, so a copy of the database file opens no session. Each
session carries its own CSRF token, put in every form and checked on every POST.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.console.db import ConsoleDatabase, utcnow
from bot.store_database import StoreConnection

IDLE_TIMEOUT = timedelta(hours=8)  # a working day without activity
ABSOLUTE_TIMEOUT = timedelta(hours=12)  # and never longer than a long shift
# Writing last_seen on every request would serialise all requests on the SQLite file for nothing.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    """A live session: whose it is and its CSRF token."""

    username: str
    csrf_token: str


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class SessionStore:
    """Create, look up and end sessions."""

    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database

    def sweep_expired(self) -> int:
        """Delete the expired sessions (also done at each login); how many."""
        with self.database.connect() as db:
            return _sweep(db, utcnow())

    def create(self, username: str) -> str:
        """Start a session and return its id (for the cookie); expired sessions are swept here."""
        session_id = secrets.token_urlsafe(32)
        now = utcnow()
        with self.database.connect() as db:
            _sweep(db, now)
            db.execute(
                "INSERT INTO console_sessions (id_hash, username, csrf_token, created_at, last_seen)"
                " VALUES (?, ?, ?, ?, ?)",
                (_hash(session_id), username, secrets.token_urlsafe(32), now.isoformat(), now.isoformat()),
            )
        return session_id

    def get(self, session_id: str) -> Session | None:
        """The live session with this id (its idle clock restarted), or None when unknown or expired."""
        if not session_id or len(session_id) > 100:
            return None
        now = utcnow()
        key = _hash(session_id)
        with self.database.connect() as db:
            row = db.execute(
                "SELECT username, csrf_token, created_at, last_seen FROM console_sessions WHERE id_hash = ?",
                (key,),
            ).fetchone()
            if row is None:
                return None
            created, last_seen = datetime.fromisoformat(row[2]), datetime.fromisoformat(row[3])
            if now - last_seen > IDLE_TIMEOUT or now - created > ABSOLUTE_TIMEOUT:
                db.execute("DELETE FROM console_sessions WHERE id_hash = ?", (key,))
                return None
            if now - last_seen >= TOUCH_EVERY:
                db.execute(
                    "UPDATE console_sessions SET last_seen = ? WHERE id_hash = ?", (now.isoformat(), key)
                )
        return Session(row[0], row[1])

    def end(self, session_id: str) -> None:
        """Logout: the session is deleted, so its cookie opens nothing any more."""
        with self.database.connect() as db:
            db.execute("DELETE FROM console_sessions WHERE id_hash = ?", (_hash(session_id),))

    def end_all_for(self, username: str) -> int:
        """End every session of one user (for when an account is disabled); how many were ended."""
        with self.database.connect() as db:
            return int(db.execute("DELETE FROM console_sessions WHERE username = ?", (username,)).rowcount)


def _sweep(db: StoreConnection, now: datetime) -> int:
    cursor = db.execute(
        "DELETE FROM console_sessions WHERE last_seen < ? OR created_at < ?",
        ((now - IDLE_TIMEOUT).isoformat(), (now - ABSOLUTE_TIMEOUT).isoformat()),
    )
    return max(int(cursor.rowcount), 0)
