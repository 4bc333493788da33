"""Login, logout, the home page, the audit log page and the JSON summary."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.accounts import LOCKOUT, LoginResult, StaffUser
from bot.console.audit_view import field_changes
from bot.console.security import (
    LOGIN_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    clear_cookie,
    form_value,
    guard,
    safe_next,
    set_cookie,
    tokens_match,
)
from bot.console.sessions import Session

if TYPE_CHECKING:
    from bot.console.app import Console

AUDIT_PAGE = 50
LOGIN_FAILED = "Tên đăng nhập hoặc mật khẩu không đúng."
LOCKED = (
    f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {int(LOCKOUT.total_seconds() // 60)} phút "
    "hoặc liên hệ quản trị viên."
)
LOGIN_FORM_EXPIRED = "Trang đăng nhập đã hết hạn. Vui lòng nhập lại."
ACTION_NAMES = {
    "staff.add": "Tạo tài khoản",
    "staff.unlock": "Mở khóa tài khoản",
    "staff.disable": "Khóa tài khoản",
    "staff.password": "Đặt lại mật khẩu",
    "ticket.reply": "Trả lời công dân về phản ánh",
    "unanswered.resolve": "Xử lý câu hỏi chưa trả lời được (đã tạo câu trả lời)",
    "handoff.reply": "Trả lời công dân",
    "handoff.close": "Kết thúc hỗ trợ",
    "ticket.status": "Đổi trạng thái phản ánh",
    "ticket.assignee": "Giao phản ánh",
    "ticket.note": "Thêm ghi chú nội bộ",
    "unanswered.dismiss": "Bỏ qua câu hỏi chưa trả lời được",
}


def register(blueprint: Blueprint, console: Console) -> None:
    """Add the routes to the console blueprint."""
    login_required = guard(console.sessions, console.accounts)

    def login_page(request: Request, message: str = "", status: int = 200) -> HTTPResponse:
        # No session yet, so the login form's CSRF token lives in a cookie of its own (double submit).
        token = secrets.token_urlsafe(32)
        page = console.render(
            "login.html",
            status=status,
            login_token=token,
            message=message,
            next=safe_next(request.args.get("next") or form_value(request, "next")),
        )
        set_cookie(request, page, LOGIN_COOKIE, token, 3600)
        return page

    @blueprint.get("/login")
    async def login_form(request: Request) -> HTTPResponse:
        return login_page(request)

    @blueprint.post("/login")
    async def login(request: Request) -> HTTPResponse:
        if not tokens_match(form_value(request, "csrf_token"), request.cookies.get(LOGIN_COOKIE) or "\0"):
            return login_page(request, LOGIN_FORM_EXPIRED, status=403)
        username = form_value(request, "username")
        result, user = console.accounts.authenticate(username, form_value(request, "password"))
        if result is LoginResult.LOCKED:
            return login_page(request, LOCKED, status=429)
        if user is None:
            return login_page(request, LOGIN_FAILED, status=401)
        # A new session id on every login: a cookie planted before login never becomes a live session.
        session_id = console.sessions.create(user.username)
        reply = response.redirect(safe_next(form_value(request, "next")))
        set_cookie(request, reply, SESSION_COOKIE, session_id, SESSION_MAX_AGE)
        clear_cookie(request, reply, LOGIN_COOKIE)
        return reply

    @blueprint.post("/logout")
    @login_required
    async def logout(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        console.sessions.end(request.cookies.get(SESSION_COOKIE) or "")
        reply = response.redirect(f"{PREFIX}/login")
        clear_cookie(request, reply, SESSION_COOKIE)
        return reply

    @blueprint.get("/")
    @login_required
    async def home(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        return console.render("home.html", user, session, counts=counts(console))

    @blueprint.get("/audit")
    @login_required
    async def audit(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        actor = (request.args.get("user") or "").strip()[:80]
        action = (request.args.get("action") or "").strip()[:80]
        raw_page = request.args.get("page") or "1"
        page = max(1, int(raw_page)) if raw_page.isdigit() else 1
        # One more than a page is read: whether a next page exists, without counting the whole log.
        found = console.audit.entries(AUDIT_PAGE + 1, action or None, actor or None, (page - 1) * AUDIT_PAGE)
        entries = [
            {
                "entry": entry,
                "action_name": ACTION_NAMES.get(entry.action, entry.action),
                "changes": field_changes(entry.before, entry.after),
                "before": _pretty(entry.before),
                "after": _pretty(entry.after),
            }
            for entry in found[:AUDIT_PAGE]
        ]
        query = {k: v for k, v in (("user", actor), ("action", action)) if v}
        return console.render(
            "audit.html", user, session, entries=entries, actors=console.audit.actors(),
            actions=sorted(ACTION_NAMES.items(), key=lambda item: item[1]), actor=actor, action=action,
            page=page, more=len(found) > AUDIT_PAGE, query=query,
        )  # fmt: skip

    @blueprint.get("/api/summary")
    @login_required
    async def summary(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        """The home page's counts, refreshed by console.js every minute."""
        return response.json(counts(console))


def counts(console: Console) -> dict[str, int]:
    """What waits for staff: open handoff requests and open (new or in progress) feedback tickets."""
    tickets = console.records.feedback_tickets(limit=100_000)
    return {
        "open_handoffs": len(console.records.handoffs("open")),
        "open_tickets": sum(1 for ticket in tickets if ticket["status"] in ("new", "open")),
        "in_progress_tickets": sum(1 for ticket in tickets if ticket["status"] == "in_progress"),
    }


def _pretty(stored: str | None) -> str:
    """Stored JSON, indented for reading in the audit page."""
    return "" if stored is None else json.dumps(json.loads(stored), ensure_ascii=False, indent=1)
