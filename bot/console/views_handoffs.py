"""The handoff queue: read a conversation, reply to the citizen on their channel, close to resume the bot.

Replies and closing go through bot.services.handoff exactly as the staff API does, so a reply reaches
the widget, Zalo or Messenger wherever the citizen wrote.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.accounts import StaffUser
from bot.console.security import PREFIX, form_value, guard
from bot.console.sessions import Session
from bot.services.handoff import (
    ResumeFailed,
    close_and_resume,
    conversation_events,
    platform_of,
    record_staff_reply,
)
from bot.services.handoff import transcript as transcript_of
from bot.services.records import HandoffRequest
from bot.services.staff_api import MAX_REPLY_CHARS

TRANSCRIPT_LINES = 60  # the officer reads the conversation so far, not just its last exchanges

if TYPE_CHECKING:
    from bot.console.app import Console

logger = logging.getLogger(__name__)
REASONS = {
    "citizen_asked": "Công dân yêu cầu gặp cán bộ",
    "repeated_failures": "Trợ lý ảo nhiều lần chưa trả lời được",
    "nlu_fallback": "Trợ lý ảo chưa hiểu câu hỏi",
}
CHANNELS = {"zalo": "Zalo", "messenger": "Messenger", None: "Trang web"}
NOTICES = {
    "replied": "Đã gửi tin nhắn đến công dân.",
    "closed": "Đã kết thúc hỗ trợ; trợ lý ảo tiếp tục trò chuyện với công dân.",
}


def describe(request: HandoffRequest) -> dict[str, str]:
    """The words staff read for a request's reason and channel (never its raw sender id)."""
    return {
        "reason": REASONS.get(request.reason, request.reason),
        "channel": CHANNELS.get(platform_of(request.sender_id), "Trang web"),
    }


def transcript_lines(transcript: str) -> list[dict[str, str]]:
    """The stored transcript ("Công dân: …" / "Trợ lý: …" per line) split for display."""
    lines = []
    for line in transcript.splitlines():
        speaker, _, text = line.partition(": ")
        if speaker in ("Công dân", "Trợ lý", "Cán bộ") and text:
            lines.append(
                {"speaker": speaker, "text": text, "side": "citizen" if speaker == "Công dân" else "bot"}
            )
        elif line.strip():
            lines.append({"speaker": "", "text": line, "side": "bot"})
    return lines


def register(blueprint: Blueprint, console: Console) -> None:
    """Add the handoff routes to the console blueprint."""
    login_required = guard(console.sessions, console.accounts)
    editor_required = guard(console.sessions, console.accounts, edit=True)

    async def live_transcript(sender_id: str, kept: str) -> str:
        # The conversation as Rasa has it now (stored redacted), with what the citizen wrote after asking
        # for a civil servant; the transcript kept when the request was made if Rasa cannot be reached.
        try:
            rasa = (console.rasa_url, sender_id, console.rasa_token)
            events = await asyncio.to_thread(conversation_events, *rasa)
        except ResumeFailed:
            return kept
        return transcript_of(events, last=TRANSCRIPT_LINES) or kept

    async def detail_page(
        request_id: int,
        user: StaffUser,
        session: Session,
        error: str = "",
        status: int = 200,
        draft: str = "",
        notice: str = "",
    ) -> HTTPResponse:
        handoff = console.records.handoff(request_id)
        if handoff is None:
            return console.render("message.html", user, session, status=404, message="Không có yêu cầu này.")
        return console.render(
            "handoff.html",
            user,
            session,
            status=status,
            handoff=handoff,
            about=describe(handoff),
            lines=transcript_lines(await live_transcript(handoff.sender_id, handoff.transcript)),
            staff_messages=console.records.staff_messages(handoff.sender_id, 0, 500),
            error=error,
            notice=notice,
            draft=draft,
            max_chars=MAX_REPLY_CHARS,
        )

    @blueprint.get("/handoffs")
    @login_required
    async def queue(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        closed = request.args.get("status") == "closed"
        handoffs = console.records.handoffs("closed" if closed else "open")
        if closed:
            handoffs = list(reversed(handoffs))[:200]  # the latest closed first
        rows = [{"handoff": item, **describe(item)} for item in handoffs]
        return console.render("handoffs.html", user, session, rows=rows, closed=closed)

    @blueprint.get("/handoffs/<request_id:int>")
    @login_required
    async def detail(request: Request, request_id: int, user: StaffUser, session: Session) -> HTTPResponse:
        # The notice comes from a fixed list, never from the URL's text.
        notice = NOTICES.get(request.args.get("ok", ""), "")
        return await detail_page(request_id, user, session, notice=notice)

    @blueprint.post("/handoffs/<request_id:int>/reply")
    @editor_required
    async def reply(request: Request, request_id: int, user: StaffUser, session: Session) -> HTTPResponse:
        raw = form_value(request, "text")
        text = " ".join(raw.split())
        if not text or len(text) > MAX_REPLY_CHARS:
            error = f"Tin nhắn cần từ 1 đến {MAX_REPLY_CHARS} ký tự."
            draft = raw[: MAX_REPLY_CHARS * 2]
            return await detail_page(request_id, user, session, error, status=400, draft=draft)
        handoff = console.records.handoff(request_id)
        if handoff is None or handoff.status != "open":
            return await detail_page(request_id, user, session, "Yêu cầu này đã kết thúc.", status=409)
        try:
            # The call to Rasa blocks: off the event loop, as in the staff API.
            await asyncio.to_thread(
                record_staff_reply,
                console.rasa_url,
                handoff.sender_id,
                text,
                user.display_name,
                console.rasa_token,
            )
        except ResumeFailed as error:
            logger.error("console reply in handoff %s not recorded: %s", request_id, error)
            message = "Chưa gửi được tin nhắn (máy chủ trợ lý ảo không trả lời). Vui lòng thử lại."
            return await detail_page(request_id, user, session, message, status=503, draft=raw)
        stored = console.records.add_staff_message(handoff, user.display_name, text)
        console.audit.record(
            user.username,
            "handoff.reply",
            handoff.ticket,
            before={"status": handoff.status},
            after={"status": handoff.status, "message_id": stored["id"], "text": text},
        )
        return response.redirect(f"{PREFIX}/handoffs/{request_id}?ok=replied")

    @blueprint.post("/handoffs/<request_id:int>/close")
    @editor_required
    async def close(request: Request, request_id: int, user: StaffUser, session: Session) -> HTTPResponse:
        before = console.records.handoff(request_id)
        try:
            closed = await asyncio.to_thread(
                close_and_resume,
                console.records,
                request_id,
                user.display_name,
                console.rasa_url,
                console.rasa_token,
            )
        except ResumeFailed as error:
            logger.error("console: handoff %s not closed: %s", request_id, error)
            message = "Chưa mở lại được cuộc trò chuyện cho trợ lý ảo; yêu cầu vẫn mở. Vui lòng thử lại."
            return await detail_page(request_id, user, session, message, status=503)
        if closed is None or before is None:
            return await detail_page(request_id, user, session, "Yêu cầu này đã kết thúc.", status=409)
        console.audit.record(
            user.username,
            "handoff.close",
            closed.ticket,
            before={"status": before.status},
            after={"status": closed.status},
        )
        return response.redirect(f"{PREFIX}/handoffs/{request_id}?ok=closed")
