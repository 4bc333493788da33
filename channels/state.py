"""What the messaging channels must remember across events and restarts (SQLite, the Rasa server's side).

- events already processed, by the platform's event id: Zalo and Messenger retry a webhook they think failed,
  and a replayed request must not be answered twice;
- events acknowledged but not yet answered: the platform will not send them again, so a Rasa server that
  stops half-way (killed, restarted) leaves them here, and the next one to start answers them;
- the last numbered menu sent to a user, so that "1", "2" chooses from it;
- when the user last wrote, for Messenger's 24-hour window.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = PROJECT_ROOT / "var" / "channels.db"
# How long an event id is remembered. Events older than a channel's max_event_age_s are dropped unread, so
# ids must outlive that window (channels.platform.event_window caps it to this): a replay of an event whose
# id was forgotten would be answered again. Platforms retry for 36 hours at most.
SEEN_KEPT_S = 3 * 24 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_events (
    channel TEXT NOT NULL, event_id TEXT NOT NULL, seen_at REAL NOT NULL, PRIMARY KEY (channel, event_id));
CREATE TABLE IF NOT EXISTS menus (
    channel TEXT NOT NULL, user_id TEXT NOT NULL, payloads TEXT NOT NULL, PRIMARY KEY (channel, user_id));
CREATE TABLE IF NOT EXISTS last_inbound (
    channel TEXT NOT NULL, user_id TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (channel, user_id));
CREATE TABLE IF NOT EXISTS pending_events (
    channel TEXT NOT NULL, event_id TEXT NOT NULL, event TEXT NOT NULL, owner INTEGER NOT NULL,
    claimed_at REAL NOT NULL, PRIMARY KEY (channel, event_id));
"""
# A pending event whose process is alive is taken over only after this long (its owner may be stuck).
PENDING_TAKEN_OVER_S = 300


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


class ChannelState:
    """One SQLite file shared by the channels of a Rasa server; safe to share between threads."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path(os.environ.get("CITIZENBOT_CHANNELS_DB") or DEFAULT_PATH)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # One connection for the life of the server: the webhook's acknowledgement waits for the event to be
        # recorded, and opening the file for each event cost more than recording it. A write-ahead log
        # (kept in the file) means a commit needs no disk flush; a killed process loses nothing.
        self._db = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        self._db.execute("PRAGMA secure_delete = ON")  # answered events' texts do not stay in free pages
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        with self._connect() as db:
            db.executescript(_SCHEMA)
        self.forget_old_events()

    def forget_old_events(self, now: float | None = None) -> int:
        """Delete the ids of events seen over SEEN_KEPT_S ago (too old to be accepted again); how many."""
        cutoff = (time.time() if now is None else now) - SEEN_KEPT_S
        with self._connect() as db:
            return int(db.execute("DELETE FROM seen_events WHERE seen_at < ?", (cutoff,)).rowcount)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._db:  # committed on success, rolled back on error
            yield self._db

    def accept(self, channel: str, event_id: str, event: str, now: float | None = None) -> bool:
        """Record a new event as seen and pending, in one transaction; False for a retry or a replay.

        ``event`` is what it takes to process the event again (JSON): it is deleted once answered.
        """
        now = time.time() if now is None else now
        with self._connect() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO seen_events (channel, event_id, seen_at) VALUES (?, ?, ?)",
                (channel, event_id, now),
            ).rowcount
            if inserted:
                db.execute(
                    "INSERT OR REPLACE INTO pending_events (channel, event_id, event, owner, claimed_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (channel, event_id, event, os.getpid(), now),
                )
        return bool(inserted)

    def done(self, channel: str, event_id: str) -> None:
        """The event was answered (or could not be, for a reason a retry would not change)."""
        with self._connect() as db:
            db.execute("DELETE FROM pending_events WHERE channel = ? AND event_id = ?", (channel, event_id))

    def take_over_orphans(self, channel: str, now: float | None = None) -> list[str]:
        """The pending events of processes that stopped (or stalled), now claimed by this one."""
        now = time.time() if now is None else now
        with self._connect() as db:
            rows = db.execute(
                "SELECT event_id, event, owner, claimed_at FROM pending_events WHERE channel = ?"
                " ORDER BY claimed_at",
                (channel,),
            ).fetchall()
            orphans = [
                (event_id, event)
                for event_id, event, owner, claimed_at in rows
                if owner != os.getpid()
                and (not _process_alive(owner) or claimed_at < now - PENDING_TAKEN_OVER_S)
            ]
            db.executemany(
                "UPDATE pending_events SET owner = ?, claimed_at = ? WHERE channel = ? AND event_id = ?",
                [(os.getpid(), now, channel, event_id) for event_id, _ in orphans],
            )
        return [event for _, event in orphans]

    def remember_menu(self, channel: str, user_id: str, payloads: list[str]) -> None:
        """The payloads of the numbered choices just sent to the user (1 is the first)."""
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO menus (channel, user_id, payloads) VALUES (?, ?, ?)",
                (channel, user_id, json.dumps(payloads)),
            )

    def menu_choice(self, channel: str, user_id: str, text: str) -> str | None:
        """The payload the user chose by typing a number of the last menu, if the text is such a number."""
        number = text.strip().rstrip(".)")
        if not number.isdigit() or len(number) > 2:
            return None
        with self._connect() as db:
            row = db.execute(
                "SELECT payloads FROM menus WHERE channel = ? AND user_id = ?", (channel, user_id)
            ).fetchone()
        payloads = json.loads(row[0]) if row else []
        index = int(number) - 1
        return payloads[index] if 0 <= index < len(payloads) else None

    def touch_inbound(self, channel: str, user_id: str, at: float | None = None) -> None:
        """The user just wrote."""
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO last_inbound (channel, user_id, at) VALUES (?, ?, ?)",
                (channel, user_id, time.time() if at is None else at),
            )

    def last_inbound(self, channel: str, user_id: str) -> float | None:
        """When the user last wrote (epoch seconds), if ever."""
        with self._connect() as db:
            row = db.execute(
                "SELECT at FROM last_inbound WHERE channel = ? AND user_id = ?", (channel, user_id)
            ).fetchone()
        return float(row[0]) if row else None
