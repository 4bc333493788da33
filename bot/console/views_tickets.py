"""Feedback tickets: the list by status, one ticket with its internal notes, status/assignee/note changes.

A ticket's contact is shown only to editors, and only when the citizen consented to be contacted. Editors
reply to the citizen in their conversation only when they consented (the ticket then keeps the sender id):
on Zalo/Messenger through the Rasa server's channel, on the web widget through its staff messages.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.accounts import StaffUser
from bot.console.security import PREFIX, form_value, guard
from bot.console.sessions import Session
from bot.services.handoff import ResumeFailed, platform_of, record_staff_reply
from bot.services.records import FEEDBACK_STATUSES
from bot.services.staff_api import MAX_REPLY_CHARS

if TYPE_CHECKING:
    from bot.console.app import Console

logger = logging.getLogger(__name__)
CHANNELS = {"zalo": "Zalo", "messenger": "Messenger", None: "Trang web"}
STATUS_NAMES = {"open": "Mới / đang mở", "in_progress": "Đang xử lý", "closed": "Đã đóng"}
MAX_NOTE_CHARS = 4000
NOTICES = {
    "status": "Đã đổi trạng thái.",
    "assignee": "Đã đổi người phụ trách.",
    "note": "Đã thêm ghi chú nội bộ.",
    "reply": "Đã gửi trả lời đến công dân.",
}
NO_REPLY = "Không thể trả lời: công dân không đồng ý được liên hệ qua cuộc trò chuyện này."


def status_of(ticket: dict[str, Any]) -> str:
    """The ticket's status for staff: rows written by the assistant are 'new', which means open."""
    return "open" if ticket["status"] == "new" else str(ticket["status"])


def register(blueprint: Blueprint, console: Console) -> None:
    """Add the feedback ticket routes to the console blueprint."""
    login_required = guard(console.sessions, console.accounts)
    editor_required = guard(console.sessions, console.accounts, edit=True)

    def visible(ticket: dict[str, Any], user: StaffUser) -> dict[str, Any]:
        shown = dict(ticket) | {
            "status_key": status_of(ticket),
            "status_name": STATUS_NAMES[status_of(ticket)],
        }
        if not (user.can_edit and ticket.get("consent") == 1):
            shown["contact"] = None  # never rendered, not even hidden
        return shown

    def detail_page(
        ticket_id: int,
        user: StaffUser,
        session: Session,
        error: str = "",
        status: int = 200,
        notice: str = "",
        draft: str = "",
    ) -> HTTPResponse:
        ticket = console.records.feedback_ticket(ticket_id)
        if ticket is None:
            return console.render("message.html", user, session, status=404, message="Không có phản ánh này.")
        sender_id = console.records.feedback_sender(ticket_id)
        return console.render(
            "ticket.html",
            user,
            session,
            status=status,
            ticket=visible(ticket, user),
            notes=console.records.feedback_notes(ticket_id),
            statuses=[(key, STATUS_NAMES[key]) for key in FEEDBACK_STATUSES],
            # Only editors can act on a ticket: a viewer offered as its assignee could never handle it.
            staff=[account for account in console.accounts.usernames() if account.can_edit],
            error=error,
            notice=notice,
            max_note=MAX_NOTE_CHARS,
            # The sender id itself is never rendered: only whether a reply is possible, and where it goes.
            can_reply=user.can_edit and sender_id is not None,
            reply_channel=CHANNELS.get(platform_of(sender_id or ""), "Trang web"),
            replies=console.records.feedback_replies(ticket_id),
            max_reply=MAX_REPLY_CHARS,
            draft=draft,
        )

    @blueprint.get("/tickets")
    @login_required
    async def tickets(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        wanted = request.args.get("status")
        status = wanted if wanted in FEEDBACK_STATUSES else None
        rows = [visible(ticket, user) for ticket in console.records.feedback_tickets(status)]
        filters = [(None, "Tất cả")] + [(key, STATUS_NAMES[key]) for key in FEEDBACK_STATUSES]
        return console.render("tickets.html", user, session, rows=rows, current=status, filters=filters)

    @blueprint.get("/tickets/<ticket_id:int>")
    @login_required
    async def ticket(request: Request, ticket_id: int, user: StaffUser, session: Session) -> HTTPResponse:
        return detail_page(ticket_id, user, session, notice=NOTICES.get(request.args.get("ok", ""), ""))

    @blueprint.post("/tickets/<ticket_id:int>/status")
    @editor_required
    async def change_status(
        request: Request, ticket_id: int, user: StaffUser, session: Session
    ) -> HTTPResponse:
        new = form_value(request, "status")
        before = console.records.feedback_ticket(ticket_id)
        if before is None:
            return detail_page(ticket_id, user, session)
        if new not in FEEDBACK_STATUSES:
            return detail_page(ticket_id, user, session, "Trạng thái không hợp lệ.", status=400)
        console.records.set_feedback_status(ticket_id, new)
        console.audit.record(
            user.username,
            "ticket.status",
            str(before["ticket"]),
            {"status": before["status"]},
            {"status": new},
        )
        return response.redirect(f"{PREFIX}/tickets/{ticket_id}?ok=status")

    @blueprint.post("/tickets/<ticket_id:int>/assignee")
    @editor_required
    async def change_assignee(
        request: Request, ticket_id: int, user: StaffUser, session: Session
    ) -> HTTPResponse:
        wanted = form_value(request, "assignee").strip()
        before = console.records.feedback_ticket(ticket_id)
        if before is None:
            return detail_page(ticket_id, user, session)
        chosen = console.accounts.get(wanted) if wanted else None
        if wanted and chosen is None:
            return detail_page(ticket_id, user, session, "Không có cán bộ với tên đăng nhập này.", status=400)
        if chosen is not None and not chosen.can_edit:
            message = "Tài khoản xem không xử lý được phản ánh: hãy chọn một cán bộ biên tập."
            return detail_page(ticket_id, user, session, message, status=400)
        assignee = chosen.username if chosen else None
        console.records.set_feedback_assignee(ticket_id, assignee)
        console.audit.record(
            user.username,
            "ticket.assignee",
            str(before["ticket"]),
            {"assignee": before["assignee"]},
            {"assignee": assignee},
        )
        return response.redirect(f"{PREFIX}/tickets/{ticket_id}?ok=assignee")

    @blueprint.post("/tickets/<ticket_id:int>/notes")
    @editor_required
    async def add_note(request: Request, ticket_id: int, user: StaffUser, session: Session) -> HTTPResponse:
        text = form_value(request, "text").strip()
        if console.records.feedback_ticket(ticket_id) is None:
            return detail_page(ticket_id, user, session)
        if not text or len(text) > MAX_NOTE_CHARS:
            message = f"Ghi chú cần từ 1 đến {MAX_NOTE_CHARS} ký tự."
            return detail_page(ticket_id, user, session, message, status=400)
        note = console.records.add_feedback_note(ticket_id, user.username, text)
        ticket_number = str((console.records.feedback_ticket(ticket_id) or {}).get("ticket"))
        console.audit.record(user.username, "ticket.note", ticket_number, None, note)
        return response.redirect(f"{PREFIX}/tickets/{ticket_id}?ok=note")

    @blueprint.post("/tickets/<ticket_id:int>/reply")
    @editor_required
    async def reply_to_citizen(
        request: Request, ticket_id: int, user: StaffUser, session: Session
    ) -> HTTPResponse:
        raw = form_value(request, "text")
        text = raw.strip()
        ticket = console.records.feedback_ticket(ticket_id)
        if ticket is None:
            return detail_page(ticket_id, user, session)
        sender_id = console.records.feedback_sender(ticket_id)
        if sender_id is None:
            return detail_page(ticket_id, user, session, NO_REPLY, status=403)
        if not text or len(text) > MAX_REPLY_CHARS:
            error = f"Tin nhắn cần từ 1 đến {MAX_REPLY_CHARS} ký tự."
            return detail_page(ticket_id, user, session, error, status=400, draft=raw[: MAX_REPLY_CHARS * 2])
        try:
            # Into the conversation's history in Rasa, and on Zalo/Messenger when the citizen wrote there.
            await asyncio.to_thread(
                record_staff_reply,
                console.rasa_url,
                sender_id,
                text,
                user.display_name,
                console.rasa_token,
            )
        except ResumeFailed as error:
            logger.error("console reply to ticket %s not delivered: %s", ticket_id, error)
            message = "Chưa gửi được trả lời (máy chủ trợ lý ảo không trả lời). Vui lòng thử lại."
            return detail_page(ticket_id, user, session, message, status=503, draft=raw)
        stored = console.records.add_feedback_reply(ticket_id, user.username, user.display_name, text)
        if stored is None:  # the ticket went away meanwhile (retention)
            return detail_page(ticket_id, user, session)
        console.audit.record(
            user.username,
            "ticket.reply",
            str(ticket["ticket"]),
            None,
            {"reply_id": stored["id"], "channel": platform_of(sender_id) or "web", "text": text},
        )
        return response.redirect(f"{PREFIX}/tickets/{ticket_id}?ok=reply")
