"""Each citizen's rating with its conversation: the rated answer and the turns before it (redacted).

A rating keeps only the conversation's pseudonym (records.conversation_key). The conversation it names is
found among the conversations the tracker store holds around that time (and the handoff requests, which
keep their sender id), by computing their pseudonyms; its events are then read from the Rasa server as
the handoff page reads them (the tracker store keeps them redacted). The rated exchange is the citizen's
last typed question before the rating and what the assistant answered to it, as actions/feedback.py
records the rated question.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.console.insights_tracker import TRACKER_URL_ENV, senders_since
from bot.console.views_handoffs import transcript_lines
from bot.services.handoff import ResumeFailed, conversation_events, transcript
from bot.services.records import CitizenRecords

if TYPE_CHECKING:
    from bot.console.app import Console

PAGE_SIZE = 20  # each rating shown costs one read of its conversation from the Rasa server
CONTEXT_LINES = 6
# Conversations looked for: those with a message from a little before the oldest rating shown.
LOOKBACK = timedelta(days=2)
# The rating is stamped to the second after its message was tracked.
SLACK_SECONDS = 2.0
NOT_FOUND = "Không còn tìm thấy cuộc trò chuyện này (có thể đã được xoá theo thời hạn lưu trữ)."
UNREACHABLE = "Chưa đọc được cuộc trò chuyện: máy chủ trợ lý ảo không trả lời. Vui lòng tải lại trang sau."


@dataclass
class RatedConversation:
    """What the ratings page shows under a rating."""

    answer: list[str] = field(default_factory=list)  # the assistant's messages that were rated
    lines: list[dict[str, str]] = field(default_factory=list)  # the turns up to the rated question
    note: str = ""  # why the conversation is not shown


def sender_ids_by_key(
    records: CitizenRecords, tracker_db: Path, keys: set[str], since: float
) -> tuple[dict[str, str], bool]:
    """The sender id behind each pseudonym found; whether the tracker store could be read."""
    senders = senders_since(tracker_db, since)
    candidates = set(senders or [])
    candidates.update(request.sender_id for request in records.handoffs())
    found = {}
    for sender in candidates:
        key = records.conversation_key(sender)
        if key in keys:
            found[key] = sender
    # No SQLite file and no PostgreSQL store configured: nothing to read, rather than a store unreadable.
    absent = not os.environ.get(TRACKER_URL_ENV) and not tracker_db.is_file()
    return found, senders is not None or absent


def _text(event: dict[str, Any]) -> str:
    return str(event.get("text") or "").strip()


def _assistant_said(event: dict[str, Any]) -> bool:
    """A message of the assistant (not a civil servant's reply relayed through the tracker)."""
    return (
        event.get("event") == "bot"
        and bool(_text(event))
        and not (event.get("metadata") or {}).get("from_staff")
    )


def rated_exchange(events: list[dict[str, Any]], rated_at: float) -> RatedConversation:
    """The rated answer and the turns before it, from a conversation's events."""
    upto = [e for e in events if float(e.get("timestamp") or 0) <= rated_at + SLACK_SECONDS]
    users = [i for i, event in enumerate(upto) if event.get("event") == "user"]
    if not users:
        return RatedConversation(lines=transcript_lines(transcript(upto, last=CONTEXT_LINES)))
    rating = users[-1]
    typed = [i for i in users[:-1] if _text(upto[i]) and not _text(upto[i]).startswith("/")]
    question = typed[-1] if typed else -1
    answer = [_text(event) for event in upto[question + 1 : rating] if _assistant_said(event)]
    before = transcript(upto[: question + 1], last=CONTEXT_LINES) if question >= 0 else ""
    return RatedConversation(answer=answer, lines=transcript_lines(before))


async def conversations_for(
    console: Console, rows: list[dict[str, Any]], tracker_db: Path
) -> dict[int, RatedConversation]:
    """The conversation of each rating (by rating id); the reads run off the event loop, together."""
    if not rows:
        return {}
    oldest = min(datetime.fromisoformat(str(row["created_at"])) for row in rows)
    keys = {str(row["conversation"]) for row in rows}
    senders, store_read = await asyncio.to_thread(
        sender_ids_by_key, console.records, tracker_db, keys, (oldest - LOOKBACK).timestamp()
    )

    async def read(sender: str) -> list[dict[str, Any]] | None:
        try:
            return await asyncio.to_thread(conversation_events, console.rasa_url, sender, console.rasa_token)
        except ResumeFailed:
            return None

    unique = sorted(set(senders.values()))
    events = dict(zip(unique, await asyncio.gather(*(read(sender) for sender in unique)), strict=True))
    found: dict[int, RatedConversation] = {}
    for row in rows:
        sender = senders.get(str(row["conversation"]))
        if sender is None:
            found[row["id"]] = RatedConversation(note=NOT_FOUND if store_read else UNREACHABLE)
        elif events[sender] is None:
            found[row["id"]] = RatedConversation(note=UNREACHABLE)
        else:
            rated_at = datetime.fromisoformat(str(row["created_at"])).timestamp()
            found[row["id"]] = rated_exchange(events[sender] or [], rated_at)
    return found
