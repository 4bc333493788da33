"""The audit log: who changed what in the console, when, with the state before and after (JSON)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.console.db import ConsoleDatabase, utcnow


@dataclass(frozen=True)
class AuditEntry:
    """One change: ``before``/``after`` are the JSON texts stored (None when there was nothing)."""

    id: int
    at: str
    actor: str
    action: str
    target: str
    before: str | None
    after: str | None


class AuditLog:
    """Append-only from the console's point of view: there is no route that edits or deletes entries."""

    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database

    def record(self, actor: str, action: str, target: str, before: Any = None, after: Any = None) -> int:
        """Write one entry; ``before``/``after``: anything JSON holds (stored readable, no ASCII escapes)."""
        with self.database.connect() as db:
            cursor = db.execute(
                "INSERT INTO console_audit (at, actor, action, target, before, after)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (utcnow().isoformat(), actor, action, target, _dump(before), _dump(after)),
            )
            return int(cursor.lastrowid or 0)

    def entries(
        self, limit: int = 200, action: str | None = None, actor: str | None = None, offset: int = 0
    ) -> list[AuditEntry]:
        """The newest entries first, optionally of one action and/or one actor, skipping ``offset``."""
        conditions = [(c, v) for c, v in (("action = ?", action), ("actor = ?", actor)) if v]
        where = ("WHERE " + " AND ".join(c for c, _ in conditions)) if conditions else ""
        with self.database.connect() as db:
            rows = db.execute(
                f"SELECT id, at, actor, action, target, before, after FROM console_audit {where}"
                " ORDER BY id DESC LIMIT ? OFFSET ?",
                (*(v for _, v in conditions), limit, offset),
            ).fetchall()
        return [AuditEntry(*row) for row in rows]

    def actors(self) -> list[str]:
        """Everyone who appears in the log (for the audit page's filter)."""
        with self.database.connect() as db:
            return [row[0] for row in db.execute("SELECT DISTINCT actor FROM console_audit ORDER BY actor")]


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
