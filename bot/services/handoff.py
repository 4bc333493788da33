"""Handing a conversation to a civil servant: the transcript, and resuming the bot when staff close it."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from bot.errors import CitizenBotError
from bot.services.records import CitizenRecords, HandoffRequest

logger = logging.getLogger(__name__)

# What Rasa's tracker API needs to un-pause a conversation and wait for the citizen's next message.
RESUME_EVENTS = [{"event": "resume"}, {"event": "action", "name": "action_listen"}]
HANDOFF_CLOSED = (
    "Cán bộ đã kết thúc cuộc trò chuyện. Trợ lý ảo tiếp tục hỗ trợ anh/chị; "
    'nếu cần gặp cán bộ lần nữa, anh/chị nhắn "gặp cán bộ".'
)
# Conversations that came from a messaging platform: "<channel>:<user id>" (channels/platform.py).
PLATFORM_CHANNELS = ("zalo", "messenger")


class ResumeFailed(CitizenBotError):
    """The Rasa server did not accept the events (resume, or a staff reply)."""


# What a button click (its payload) meant to the citizen, for staff reading the conversation.
_CLICKS = {
    '/rate_answer{"rating": "down"}': "[bấm 👎 Chưa đúng ý]",
    '/rate_answer{"rating": "up"}': "[bấm 👍 Hữu ích]",
}
ANSWER_SHOWN_CHARS = 600


def _shortened(text: str, limit: int = ANSWER_SHOWN_CHARS) -> str:
    """``text`` cut at the last line or word end before ``limit``, marked with "…" (never inside a code)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = cut.rfind("\n")  # a whole line (one candidate, one document) rather than part of one
    if end <= limit // 2:
        end = cut.rfind(" ")
    piece = cut[:end] if end > limit // 2 else cut
    if piece.rfind("(") > piece.rfind(")"):  # "(mã 2.0" would read as a wrong code
        piece = piece[: piece.rfind("(")]
    return piece.rstrip(" ,;:") + " …"


def transcript(events: list[dict[str, Any]], last: int = 8) -> str:
    """The last messages of a tracker's events, one per line ("Công dân: …", "Trợ lý: …", "Cán bộ: …")."""
    lines = []
    for event in events:
        text = (event.get("text") or "").strip()
        if not text:
            continue
        if event.get("event") == "user":
            if text.startswith("/"):  # a button: what it said, not its payload
                text = _CLICKS.get(" ".join(text.split()), "[bấm một nút]")
            lines.append(f"Công dân: {text}")
        elif event.get("event") == "bot" and (event.get("metadata") or {}).get("from_staff"):
            lines.append(f"Cán bộ: {_shortened(text)}")
        elif event.get("event") == "bot":
            lines.append(f"Trợ lý: {_shortened(text)}")
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


def conversation_events(
    rasa_url: str, sender_id: str, token: str | None, timeout_s: float = 5
) -> list[dict[str, Any]]:
    """The conversation's events as the Rasa server holds them (its tracker store keeps them redacted)."""
    url = f"{rasa_url.rstrip('/')}/conversations/{quote(sender_id, safe='')}/tracker"
    params = {"token": token} if token else None
    try:
        answer = httpx.get(url, params=params, timeout=timeout_s)
    except httpx.HTTPError as error:
        raise ResumeFailed(f"Rasa server unreachable: {type(error).__name__}") from error
    if answer.status_code != 200:
        raise ResumeFailed(f"Rasa server answered HTTP {answer.status_code}")
    events = answer.json().get("events") if isinstance(answer.json(), dict) else None
    return [event for event in events or [] if isinstance(event, dict)]


def platform_of(sender_id: str) -> str | None:
    """The messaging platform a conversation came from, or None for the web widget and REST."""
    channel = sender_id.split(":", 1)[0].lower()
    return channel if ":" in sender_id and channel in PLATFORM_CHANNELS else None


def deliver_on_platform(
    rasa_url: str, sender_id: str, text: str, token: str | None, timeout_s: float = 20
) -> bool:
    """Send ``text`` to the citizen on Zalo or Messenger through the Rasa server's channel; False if web."""
    channel = platform_of(sender_id)
    if channel is None:
        return False  # the widget polls the records store for staff messages
    url = f"{rasa_url.rstrip('/')}/webhooks/{channel}/staff_message"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        answer = httpx.post(
            url, json={"recipient": sender_id, "text": text}, headers=headers, timeout=timeout_s
        )
    except httpx.HTTPError as error:
        raise ResumeFailed(f"{channel} channel unreachable: {type(error).__name__}") from error
    if answer.status_code != 200:
        raise ResumeFailed(f"{channel} channel answered HTTP {answer.status_code}")
    return True


def record_staff_reply(
    rasa_url: str, sender_id: str, text: str, staff: str, token: str | None = None, timeout_s: float = 10
) -> bool:
    """Send a civil servant's reply to the citizen's platform, then add it to the history in Rasa.

    Delivery comes first so that a reply the platform refused is not in the history as if the citizen had read
    it, and a retry by staff does not repeat it there. Once delivered, a history Rasa did not take is logged,
    not raised: the citizen has the reply, and the caller's own records keep it. False in that case.
    """
    delivered = deliver_on_platform(rasa_url, sender_id, text, token)
    event = {"event": "bot", "text": text, "metadata": {"from_staff": True, "staff": staff}}
    try:
        _append_events(rasa_url, sender_id, [event], token, timeout_s)
    except ResumeFailed as error:
        if not delivered:  # web: Rasa's history and the records store are the only way it reaches the citizen
            raise
        logger.error("staff reply delivered on %s but not added to Rasa: %s", platform_of(sender_id), error)
        return False
    return True


def resume_conversation(
    rasa_url: str, sender_id: str, token: str | None = None, timeout_s: float = 10
) -> None:
    """Append the resume events to the conversation's tracker in the Rasa server."""
    _append_events(rasa_url, sender_id, RESUME_EVENTS, token, timeout_s)


def close_and_resume(
    records: CitizenRecords, request_id: int, closed_by: str, rasa_url: str, token: str | None = None
) -> HandoffRequest | None:
    """Resume the bot in the request's conversation and close the request (kept open if resuming fails).

    The citizen is told, where they are, that the assistant is back.
    """
    request = records.handoff(request_id)
    if request is None or request.status != "open":
        return None
    resume_conversation(rasa_url, request.sender_id, token)
    records.add_staff_message(request, closed_by, HANDOFF_CLOSED)  # shown by the widget
    closed = records.close_handoff(request_id, closed_by)
    try:
        deliver_on_platform(rasa_url, request.sender_id, HANDOFF_CLOSED, token)
    except ResumeFailed as error:  # the conversation is resumed: only the announcement is missing
        logger.warning("end of handoff %s not announced: %s", request_id, error)
    return closed
