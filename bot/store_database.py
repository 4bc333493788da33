"""The services process's own database: the embedded SQLite file (default) or PostgreSQL, by configuration.

``CITIZENBOT_DATABASE_URL=postgresql://…`` puts the records, the console's tables and the dossiers in
PostgreSQL (psycopg 3); otherwise they live in the SQLite file ``$CITIZENBOT_DB`` (var/citizenbot.db).

The callers write SQLite's dialect; on PostgreSQL each statement is translated (bot/pg_store.py), and
rows read by name and by index on both. Driver errors leave a transaction as the package's own:
StoreUnavailable (disk full, read-only, server down) and StoreConflict (a key taken, a serialization
failure); either way the transaction was rolled back, so a multi-row write is never half-done.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol, cast

from bot.errors import StoreConflict, StoreUnavailable
from bot.sqlite_file import transaction

logger = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = PROJECT_ROOT / "var" / "citizenbot.db"
DATABASE_URL_ENV = "CITIZENBOT_DATABASE_URL"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class StoreCursor(Protocol):
    """What callers use of a cursor (sqlite3's, or the PostgreSQL wrapper's)."""

    @property
    def rowcount(self) -> int:
        """Rows changed by the statement."""
        ...

    @property
    def lastrowid(self) -> int | None:
        """The ``id`` of the row an INSERT made."""
        ...

    @property
    def description(self) -> Any:
        """Column descriptions; the name first in each."""
        ...

    def fetchone(self) -> Any:
        """The next row or None."""
        ...

    def fetchall(self) -> list[Any]:
        """The remaining rows."""
        ...

    def __iter__(self) -> Iterator[Any]:
        """The remaining rows, one by one."""
        ...


class StoreConnection(Protocol):
    """A connection inside a transaction, with sqlite3's calling conventions (``?`` placeholders)."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> StoreCursor:
        """Run one statement."""
        ...

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> StoreCursor:
        """Run one statement per parameter tuple."""
        ...

    def executescript(self, sql_script: str, /) -> Any:
        """Run several statements (the schemas)."""
        ...


class StoreDatabase(Protocol):
    """One database the stores share: transactions, and what to call it in messages."""

    @property
    def description(self) -> str:
        """The file's path, or the server's URL without the password."""
        ...

    @property
    def is_postgres(self) -> bool:
        """True for PostgreSQL (for the few statements that differ, e.g. the tracker's purge)."""
        ...

    def transaction(self, exclusive: bool = False) -> AbstractContextManager[StoreConnection]:
        """A connection in a transaction; ``exclusive``: no other exclusive one runs meanwhile."""
        ...


def database_url(environ: Mapping[str, str] = os.environ) -> str | None:
    """The PostgreSQL URL configured ($CITIZENBOT_DATABASE_URL), None for the embedded SQLite file."""
    url = (environ.get(DATABASE_URL_ENV) or "").strip()
    return url if url.startswith(POSTGRES_SCHEMES) else None


def open_database(path: Path | None = None, url: str | None = None) -> StoreDatabase:
    """PostgreSQL when ``url`` (or $CITIZENBOT_DATABASE_URL) is one, else the SQLite file.

    The environment's URL wins over ``path``: one setting moves every store of the process together.
    """
    url = url or database_url()
    if url:
        from bot.pg_store import PostgresDatabase  # psycopg only where PostgreSQL is configured

        return PostgresDatabase(url)
    return SQLiteDatabase(path or Path(os.environ.get("CITIZENBOT_DB") or DEFAULT_DB))


class SQLiteDatabase:
    """The embedded default: one writer per process at a time, a short connection per transaction."""

    is_postgres = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        """The file's path."""
        return str(self.path)

    @contextmanager
    def transaction(self, exclusive: bool = False) -> Iterator[StoreConnection]:
        """A connection in a transaction, rows readable by name; driver errors become the package's."""
        try:
            with transaction(self.path, self._lock, rows_by_name=True) as connection:
                if exclusive:
                    # Take the write lock before the first read, so another process's check-then-insert
                    # (seeding) cannot interleave with this one.
                    connection.execute("BEGIN IMMEDIATE")
                yield cast(StoreConnection, connection)
        except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise
        except sqlite3.IntegrityError as error:
            raise StoreConflict(str(error)) from error
        except sqlite3.DatabaseError as error:
            logger.error("records store %s cannot be written or read: %s", self.path, error)
            raise StoreUnavailable() from error
