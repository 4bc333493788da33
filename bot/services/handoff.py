"""Handing a conversation to a civil servant: the transcript, and resuming the bot when staff close it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from bot.errors import CitizenBotError
from bot.services.records import CitizenRecords, HandoffRequest

# What Rasa's tracker API needs to un-pause a conversation and wait for the citizen's next message.
RESUME_EVENTS = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]


class ResumeFailed(CitizenBotError):
    """The Rasa server did not accept the events (resume, or a staff reply)."""


def transcript(events: list[dict[str, Any]], last: int = 8) -> str:
    """The last user and bot messages of a tracker's events, one per line ("Công dân: …" / "Trợ lý: …")."""
    lines = []
    for event in events:
        text = (event.get("text") or "").strip()
        if not text or text.startswith("/"):
            continue
        if event.get("event") == "user":
            lines.append(f"Công dân: {text}")
        elif event.get("event") == "bot":
            lines.append(f"Trợ lý: {text[:300]}")
    return "\n".join(lines[-last:])


def _append_events(
    rasa_url: str, sender_id: str, events: list[dict[str, Any]], token: str | None, timeout_s: float
) -> None:
    url = f"{rasa_url.rstrip('/')}/conversations/{quote(sender_id, safe='')}/tracker/events"
    params = {"token": token} if token else None
    try:
        answer = httpx.post(url, json=events, params=params, timeout=timeout_s)
    except httpx.HTTPError as error:
        raise ResumeFailed(f"Rasa server unreachable: {type(error).__name__}") from error
    if answer.status_code != 200:
        raise ResumeFailed(f"Rasa server answered HTTP {answer.status_code}")


def record_staff_reply(
    rasa_url: str, sender_id: str, text: str, staff: str, token: str | None = None, timeout_s: float = 10
) -> None:
    """Put a civil servant's reply into the conversation's history in Rasa (the tracker store)."""
    event = {"event": "bot", "text": text, "metadata": {"from_staff": True, "staff": staff}}
    _append_events(rasa_url, sender_id, [event], token, timeout_s)


def resume_conversation(
    rasa_url: str, sender_id: str, token: str | None = None, timeout_s: float = 10
) -> None:
    """Append the resume events to the conversation's tracker in the Rasa server."""
    _append_events(rasa_url, sender_id, RESUME_EVENTS, token, timeout_s)


def close_and_resume(
    records: CitizenRecords, request_id: int, closed_by: str, rasa_url: str, token: str | None = None
) -> HandoffRequest | None:
    """Resume the bot in the request's conversation, then close the request (kept open if resuming fails)."""
    request = records.handoff(request_id)
    if request is None or request.status != "open":
        return None
    resume_conversation(rasa_url, request.sender_id, token)
    return records.close_handoff(request_id, closed_by)
