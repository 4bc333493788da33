"""Retention: conversations and records untouched for longer than province.yml's ``retention.days`` go.

What is deleted:
- conversations in the embedded SQLite tracker store whose last event is older than the limit — whole
  conversations, never the first half of one still going on;
- records older than the limit: unanswered questions, feedback tickets, ratings, failed dossier look-ups,
  closed handoff requests and their staff messages. An open handoff is a citizen still waiting: it stays;
- what the Zalo and Messenger channels remember of users not heard from since (channels/state.py).

Only the embedded SQLite tracker store is purged here; a PostgreSQL one is not yet (issue 13).

``citizenbot purge`` runs it once; the services process runs it at start and every day.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.services.records import PROJECT_ROOT, CitizenRecords

logger = logging.getLogger(__name__)
DEFAULT_TRACKER_DB = PROJECT_ROOT / "var" / "rasa_tracker.db"
DAY_S = 24 * 3600


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
            exists = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'"
            ).fetchone()
            if not exists:
                return 0, 0
            stale = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < ?"
            limit = cutoff.timestamp()
            conversations = len(connection.execute(stale, (limit,)).fetchall())
            deleted = connection.execute(f"DELETE FROM events WHERE sender_id IN ({stale})", (limit,))
            return conversations, int(deleted.rowcount)
    finally:
        connection.close()


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
            deleted += connection.execute("DELETE FROM seen_events WHERE seen_at < ?", (limit,)).rowcount
            return int(deleted)
    finally:
        connection.close()


def channels_db_path() -> Path:
    """The Zalo/Messenger channels' state file ($CITIZENBOT_CHANNELS_DB, as channels/state.py reads it)."""
    return Path(os.environ.get("CITIZENBOT_CHANNELS_DB") or PROJECT_ROOT / "var" / "channels.db")


def purge(
    records: CitizenRecords, days: int, tracker_db: Path | None = None, channels_db: Path | None = None
) -> PurgeReport:
    """Delete what is older than ``days`` days in the tracker store, the records store and channel state."""
    cutoff = datetime.now() - timedelta(days=days)
    report = PurgeReport(cutoff=cutoff)
    report.conversations, report.events = purge_conversations(tracker_db or tracker_db_path(), cutoff)
    report.records = records.purge_older_than(cutoff)
    report.records["channel_state"] = purge_channel_state(channels_db or channels_db_path(), cutoff)
    return report


async def purge_daily(records: CitizenRecords, days: int) -> None:
    """Purge now and then once a day, for as long as the services process runs."""
    while True:
        try:
            report = await asyncio.to_thread(purge, records, days)
            logger.info("retention purge: %s", report.summary())
        except (OSError, sqlite3.Error) as error:
            logger.error("retention purge failed: %s", error)
        await asyncio.sleep(DAY_S)
