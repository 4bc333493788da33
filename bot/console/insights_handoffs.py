"""How long citizens waited for a civil servant: from the request to the first staff message.

A request nobody has answered yet counts with its wait so far (marked as waiting); one closed without a
staff message counts until it was closed, when the assistant took the conversation back. The query is
plain SQL that runs unchanged on SQLite and, translated by bot/pg_store.py, on PostgreSQL.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.services.records import CitizenRecords

STATES = {
    "answered": "Cán bộ đã nhắn",
    "waiting": "Đang chờ (tính đến lúc xem)",
    "closed_unanswered": "Đã kết thúc, cán bộ chưa nhắn",
}
# A staff message older than the request belongs to an earlier request of the same conversation.
_QUERY = (
    "SELECT h.id, h.ticket, h.created_at, h.closed_at, h.status, MIN(s.created_at)"
    " FROM handoff_requests h LEFT JOIN staff_messages s"
    " ON s.request_id = h.id AND s.created_at >= h.created_at"
    " WHERE h.created_at >= ? AND h.created_at < ?"
    " GROUP BY h.id, h.ticket, h.created_at, h.closed_at, h.status ORDER BY h.id"
)


@dataclass(frozen=True)
class HandoffWait:
    """One request's wait."""

    ticket: str
    requested_at: datetime
    first_reply_at: datetime | None
    minutes: float
    state: str  # a key of STATES

    @property
    def state_label(self) -> str:
        """The state in the staff's words."""
        return STATES[self.state]


def handoff_waits(
    records: CitizenRecords, since: datetime, until: datetime, now: datetime | None = None
) -> list[HandoffWait]:
    """The waits of the requests made in [since, until), oldest first."""
    moment = now or datetime.now()
    with records.database.transaction() as db:
        rows = db.execute(_QUERY, (since.isoformat(), until.isoformat())).fetchall()
    waits = []
    for _, ticket, created, closed_at, status, first in rows:
        requested = datetime.fromisoformat(str(created))
        if first:
            end, state = datetime.fromisoformat(str(first)), "answered"
        elif status == "open" or not closed_at:
            end, state = moment, "waiting"
        else:
            end, state = datetime.fromisoformat(str(closed_at)), "closed_unanswered"
        minutes = max(0.0, (end - requested).total_seconds() / 60)
        first_reply = datetime.fromisoformat(str(first)) if first else None
        waits.append(HandoffWait(str(ticket or ""), requested, first_reply, round(minutes, 1), state))
    return waits


def summary(waits: list[HandoffWait]) -> dict[str, Any]:
    """Counts by state and the waiting time in minutes (median, mean, longest) over every request."""
    minutes = [wait.minutes for wait in waits]
    return {
        "count": len(waits),
        **{state: sum(1 for wait in waits if wait.state == state) for state in STATES},
        "median_minutes": round(statistics.median(minutes), 1) if minutes else None,
        "mean_minutes": round(statistics.fmean(minutes), 1) if minutes else None,
        "max_minutes": max(minutes) if minutes else None,
    }
