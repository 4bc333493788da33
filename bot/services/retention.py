"""Retention: conversations and records untouched for longer than province.yml's ``retention.days`` go.

What is deleted:
- conversations in the tracker store whose last event is older than the limit — whole conversations, never
  the first half of one still going on. The embedded SQLite file ($CITIZENBOT_TRACKER_DB), or Rasa's
  ``events`` table in PostgreSQL when $CITIZENBOT_TRACKER_DATABASE_URL is a postgresql:// URL;
- records older than the limit: unanswered questions, feedback tickets, ratings, failed dossier look-ups,
  closed handoff requests and their staff messages. An open handoff is a citizen still waiting: it stays;
- expired console sessions;
- what the Zalo and Messenger channels remember of users not heard from since (channels/state.py).

The records and console sessions are wherever the store is (SQLite, or $CITIZENBOT_DATABASE_URL).

``citizenbot purge`` runs it once; the services process runs it at start and every day.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.console.db import ConsoleDatabase
from bot.console.sessions import SessionStore
from bot.errors import CitizenBotError, StoreUnavailable
from bot.services.records import PROJECT_ROOT, CitizenRecords
from bot.store_database import POSTGRES_SCHEMES
from channels.state import SEEN_KEPT_S

logger = logging.getLogger(__name__)
DEFAULT_TRACKER_DB = PROJECT_ROOT / "var" / "rasa_tracker.db"
DAY_S = 24 * 3600
TRACKER_URL_ENV = "CITIZENBOT_TRACKER_DATABASE_URL"


@dataclass
class PurgeReport:
    """What one purge deleted."""

    cutoff: datetime
    conversations: int = 0
    events: int = 0
    records: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the log and the command line."""
        kept = ", ".join(f"{table} {count}" for table, count in self.records.items())
        return (
            f"older than {self.cutoff:%Y-%m-%d %H:%M}: {self.conversations} conversations "
            f"({self.events} events); records: {kept}"
        )


def tracker_db_path() -> Path:
    """The embedded tracker store's file, as endpoints.yml reads it ($CITIZENBOT_TRACKER_DB)."""
    return Path(os.environ.get("CITIZENBOT_TRACKER_DB") or DEFAULT_TRACKER_DB)


def purge_conversations(tracker_db: Path, cutoff: datetime) -> tuple[int, int]:
    """Delete conversations whose last event is older than ``cutoff``: (conversations, events)."""
    if not tracker_db.exists():
        return 0, 0
    connection = sqlite3.connect(tracker_db, timeout=30)
    connection.execute("PRAGMA secure_delete = ON")  # deleted rows must not survive in free pages
    try:
        with connection:
            tables = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if "events" not in tables:
                return 0, 0
            stale = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < ?"
            limit = cutoff.timestamp()
            conversations = len(connection.execute(stale, (limit,)).fetchall())
            if "pending_redaction" in tables:
                # The tracker store's list of conversations holding a form's values as typed: its rows
                # go with their conversation (the sender ids are the platforms' user ids).
                connection.execute(f"DELETE FROM pending_redaction WHERE sender_id IN ({stale})", (limit,))
            deleted = connection.execute(f"DELETE FROM events WHERE sender_id IN ({stale})", (limit,))
        if conversations:
            # The Rasa server keeps the file in WAL mode: the deleted rows' pages stay in tracker.db-wal
            # until a checkpoint, so the log is moved into the database and emptied now.
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return conversations, int(deleted.rowcount)
    finally:
        connection.close()


def tracker_database_url() -> str | None:
    """Rasa's tracker store in PostgreSQL ($CITIZENBOT_TRACKER_DATABASE_URL), None for the SQLite file."""
    url = (os.environ.get(TRACKER_URL_ENV) or "").strip()
    return url if url.startswith(POSTGRES_SCHEMES) else None


def purge_postgres_conversations(url: str, cutoff: datetime) -> tuple[int, int]:
    """Delete conversations whose last event is older than ``cutoff`` from Rasa's ``events`` table."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as connection:  # committed when the block ends
            if connection.execute("SELECT to_regclass('events')").fetchone() in (None, (None,)):
                return 0, 0
            # Rasa appends events meanwhile: without the lock, an event arriving during the delete would
            # outlive the rest of its conversation. Reads go on; the purge takes well under a second.
            connection.execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
            if connection.execute("SELECT to_regclass('pending_redaction')").fetchone() not in (
                None,
                (None,),
            ):
                connection.execute(
                    "DELETE FROM pending_redaction WHERE sender_id IN"
                    " (SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < %s)",
                    (cutoff.timestamp(),),
                )
            deleted = connection.execute(
                "DELETE FROM events WHERE sender_id IN"
                " (SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < %s)"
                " RETURNING sender_id",
                (cutoff.timestamp(),),
            ).fetchall()
    except psycopg.Error as error:
        logger.error("tracker store %s not purged: %s", url.split("@")[-1], error)
        raise StoreUnavailable() from error
    return len({row[0] for row in deleted}), len(deleted)


def purge_console_sessions(records: CitizenRecords) -> int:
    """Delete expired console sessions (they open nothing, but name who worked when)."""
    return SessionStore(ConsoleDatabase(records.database)).sweep_expired()


def purge_channel_state(channels_db: Path, cutoff: datetime) -> int:
    """Forget platform users (last menu, last message time) not heard from since ``cutoff``; rows deleted."""
    if not channels_db.exists():
        return 0
    connection = sqlite3.connect(channels_db, timeout=30)
    connection.execute("PRAGMA secure_delete = ON")
    try:
        with connection:
            tables = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if not {"last_inbound", "menus", "seen_events"} <= tables:
                return 0
            limit = cutoff.timestamp()
            stale = "SELECT channel, user_id FROM last_inbound WHERE at < ?"
            deleted = connection.execute(
                f"DELETE FROM menus WHERE (channel, user_id) IN ({stale})", (limit,)
            ).rowcount
            deleted += connection.execute("DELETE FROM last_inbound WHERE at < ?", (limit,)).rowcount
            # Event ids (no person in them) outlive a short retention: forgotten sooner, a platform's retry
            # of an old event would be answered a second time.
            seen_limit = min(limit, time.time() - SEEN_KEPT_S)
            deleted += connection.execute("DELETE FROM seen_events WHERE seen_at < ?", (seen_limit,)).rowcount
            return int(deleted)
    finally:
        connection.close()


def channels_db_path() -> Path:
    """The Zalo/Messenger channels' state file ($CITIZENBOT_CHANNELS_DB, as channels/state.py reads it)."""
    return Path(os.environ.get("CITIZENBOT_CHANNELS_DB") or PROJECT_ROOT / "var" / "channels.db")


def purge(
    records: CitizenRecords,
    days: int,
    tracker_db: Path | None = None,
    channels_db: Path | None = None,
    tracker_url: str | None = None,
) -> PurgeReport:
    """Delete what is older than ``days`` days in the tracker store, the records store and channel state.

    The tracker store is PostgreSQL when ``tracker_url`` (or $CITIZENBOT_TRACKER_DATABASE_URL) names one,
    unless an explicit SQLite ``tracker_db`` is given.
    """
    cutoff = datetime.now() - timedelta(days=days)
    report = PurgeReport(cutoff=cutoff)
    url = tracker_url or (None if tracker_db else tracker_database_url())
    if url:
        report.conversations, report.events = purge_postgres_conversations(url, cutoff)
    else:
        report.conversations, report.events = purge_conversations(tracker_db or tracker_db_path(), cutoff)
    report.records = records.purge_older_than(cutoff)
    report.records["console_sessions"] = purge_console_sessions(records)
    report.records["channel_state"] = purge_channel_state(channels_db or channels_db_path(), cutoff)
    return report


async def purge_daily(records: CitizenRecords, days: int) -> None:
    """Purge now and then once a day, for as long as the services process runs."""
    while True:
        try:
            report = await asyncio.to_thread(purge, records, days)
            logger.info("retention purge: %s", report.summary())
        except (OSError, sqlite3.Error, CitizenBotError) as error:
            logger.error("retention purge failed: %s", error)
        await asyncio.sleep(DAY_S)
