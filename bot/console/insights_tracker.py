"""Read-only queries on Rasa's tracker store (its SQL ``events`` table), for the analytics and the ratings.

Rasa's tracker store is PostgreSQL when $CITIZENBOT_TRACKER_DATABASE_URL names one (the cluster), else
the SQLite file the services process is given (opened with ``mode=ro``, so a missing file is never
created). The console never writes Rasa's conversations.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

TRACKER_URL_ENV = "CITIZENBOT_TRACKER_DATABASE_URL"


def query_events_table(path: Path, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]] | None:
    """Rows of one query on the ``events`` table (``?`` placeholders); None when there is no store.

    An existing store without an ``events`` table (Rasa has not written yet) gives no rows.
    """
    url = os.environ.get(TRACKER_URL_ENV, "")
    if url.startswith("postgresql://"):
        return _postgres(url, sql.replace("?", "%s"), params)
    if not path.is_file():
        return None
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        exists = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'"
        ).fetchone()
        return [tuple(row) for row in connection.execute(sql, tuple(params)).fetchall()] if exists else []
    except sqlite3.Error as error:
        logger.warning("tracker store unreadable: %s", type(error).__name__)
        return None
    finally:
        connection.close()


def _postgres(url: str, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]] | None:
    import psycopg  # only where the tracker store is PostgreSQL

    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            connection.read_only = True
            if connection.execute("SELECT to_regclass('events')").fetchone() == (None,):
                return []
            return [tuple(row) for row in connection.execute(sql, tuple(params)).fetchall()]
    except psycopg.Error as error:
        logger.warning("tracker store unavailable: %s", type(error).__name__)
        return None


def senders_since(path: Path, since: float) -> list[str] | None:
    """The conversations (sender ids) with a citizen's message at or after ``since`` (epoch seconds)."""
    rows = query_events_table(
        path, "SELECT DISTINCT sender_id FROM events WHERE type_name = 'user' AND timestamp >= ?", (since,)
    )
    return None if rows is None else [str(row[0]) for row in rows]
