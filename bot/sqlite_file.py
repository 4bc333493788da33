"""One way to open the project's SQLite files: a transaction per use, one writer per process at a time.

Used by the SQLite side of the services' store (records, console tables, dossiers; bot/store_database.py).
Standard library only.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def transaction(path: Path, lock: threading.Lock, rows_by_name: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection in a transaction, committed on success, rolled back on error, then closed."""
    with lock:
        connection = sqlite3.connect(path, timeout=10)
        if rows_by_name:
            connection.row_factory = sqlite3.Row
        # Deleted or rewritten rows (retention, sessions) must not survive in free pages, where a copy of
        # the file would keep them.
        connection.execute("PRAGMA secure_delete = ON")
        try:
            with connection:
                yield connection
        finally:
            connection.close()
