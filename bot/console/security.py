"""The console's web safety: security headers, the session cookie, CSRF checks and the login guard.

Order of checks on a request: a live session (else 302 to the login page for a page, 401 for a POST or
the JSON API), then on a POST the CSRF token (403), then the role (403 for a viewer on a change).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from functools import wraps
from html import escape
from typing import Any
from urllib.parse import quote

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.accounts import StaffAccounts, StaffUser
from bot.console.sessions import IDLE_TIMEOUT, Session, SessionStore

PREFIX = "/console"
SESSION_COOKIE = "citizenbot_console"
LOGIN_COOKIE = "citizenbot_console_login"  # the pre-session CSRF token of the login form
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",  # for browsers that ignore frame-ancestors
}
Handler = Callable[..., Awaitable[HTTPResponse]]


def add_security_headers(request: Request, reply: HTTPResponse) -> None:
    """Set the headers on every response under /console (pages, JSON, static files, errors)."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        for name, value in SECURITY_HEADERS.items():
            reply.headers[name] = value


def is_https(request: Request) -> bool:
    """Whether the citizen's browser reached us over HTTPS (directly, or through the reverse proxy)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" or request.scheme == "https"


def set_cookie(request: Request, reply: HTTPResponse, name: str, value: str, max_age: int) -> None:
    """An HttpOnly, SameSite=Strict cookie for /console, Secure when the request came over HTTPS."""
    reply.add_cookie(
        name,
        value,
        path=PREFIX,
        max_age=max_age,
        httponly=True,
        samesite="Strict",
        secure=is_https(request),
    )


def clear_cookie(request: Request, reply: HTTPResponse, name: str) -> None:
    """Expire a console cookie in the browser."""
    set_cookie(request, reply, name, "", 0)


SESSION_MAX_AGE = int(IDLE_TIMEOUT.total_seconds())


def form_value(request: Request, name: str) -> str:
    """A submitted form field as text ("" when absent or when the body is not a form)."""
    form = request.form
    return str(form.get(name) or "") if form else ""


def tokens_match(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a submitted CSRF token with the session's."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def wants_json(request: Request) -> bool:
    """The console's JSON API lives under /console/api/."""
    return request.path.startswith(PREFIX + "/api/")


def login_redirect(request: Request) -> HTTPResponse:
    """Send a browser to the login page, remembering the page it wanted."""
    wanted = request.path if request.method == "GET" else PREFIX + "/"
    return response.redirect(f"{PREFIX}/login?next={quote(wanted, safe='/')}")


def safe_next(value: str | None) -> str:
    """Where to go after login: only a console path (no open redirect to another site)."""
    if value and value.startswith(PREFIX + "/") and "//" not in value and "\\" not in value:
        return value
    return PREFIX + "/"


def guard(
    sessions: SessionStore, accounts: StaffAccounts, *, edit: bool = False
) -> Callable[[Handler], Handler]:
    """Decorator: require a live session; on POST a valid CSRF token; with ``edit`` the editor role.

    The handler receives ``user`` and ``session`` keyword arguments.
    """

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            session: Session | None = sessions.get(request.cookies.get(SESSION_COOKIE) or "")
            user: StaffUser | None = accounts.get(session.username) if session else None
            if session is None or user is None:
                if request.method == "GET" and not wants_json(request):
                    return login_redirect(request)
                return _refuse(request, 401, "Cần đăng nhập.")
            if request.method == "POST":
                form_token = form_value(request, "csrf_token")
                given = form_token or request.headers.get("x-csrf-token")
                if not tokens_match(given, session.csrf_token):
                    return _refuse(request, 403, "Phiên làm việc không hợp lệ. Tải lại trang rồi thử lại.")
            if edit and not user.can_edit:
                return _refuse(request, 403, "Tài khoản xem không được thay đổi dữ liệu.")
            return await handler(request, *args, user=user, session=session, **kwargs)

        return wrapped

    return decorate


def _refuse(request: Request, status: int, message: str) -> HTTPResponse:
    """A refusal as JSON for the API, else as a short page with the way back (no script, no style)."""
    if wants_json(request):
        return response.json({"error": message}, status=status)
    page = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Không thực hiện được</title>'
        f'<link rel="stylesheet" href="{PREFIX}/static/console.css"></head><body><main class="page">'
        f'<p class="notice error">{escape(message)}</p><p><a href="{PREFIX}/">Về trang chính</a></p>'
        "</main></body></html>"
    )
    return response.html(page, status=status)
