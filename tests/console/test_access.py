"""Login, sessions, CSRF, roles, lock-out and security headers on every console route."""

from __future__ import annotations

import re

import httpx
import pytest
from sanic import Sanic

from bot.console import Console
from bot.console.security import CSP
from tests.console.conftest import EDITOR, VIEWER, csrf_of, login

# Every console page (GET) and the URL used for it; the route-coverage test keeps this list complete.
PAGES = {
    "/console": "/console/",
    "/console/handoffs": "/console/handoffs",
    "/console/handoffs/<request_id:int>": "/console/handoffs/1",
    "/console/tickets": "/console/tickets",
    "/console/tickets/<ticket_id:int>": "/console/tickets/1",
    "/console/audit": "/console/audit",
    "/console/faq": "/console/faq",
    "/console/faq/new": "/console/faq/new",
    "/console/faq/<faq_id:slug>": "/console/faq/khai-sinh-le-phi",
    "/console/faq/try": "/console/faq/try",
    "/console/faq/export.yml": "/console/faq/export.yml",
    "/console/faq/export.csv": "/console/faq/export.csv",
    "/console/faq/import": "/console/faq/import",
    "/console/unanswered": "/console/unanswered",
    "/console/ratings": "/console/ratings",
    "/console/analytics": "/console/analytics",
    "/console/analytics.csv": "/console/analytics.csv",
    "/console/aliases": "/console/aliases",
    "/console/aliases/new": "/console/aliases/new",
    "/console/aliases/<alias_id:int>": "/console/aliases/1",
    "/console/aliases/rules/new": "/console/aliases/rules/new",
    "/console/aliases/rules/<rule_id:int>": "/console/aliases/rules/1",
    "/console/aliases/export.yml": "/console/aliases/export.yml",
    "/console/aliases/import": "/console/aliases/import",
}
APIS = {"/console/api/summary": "/console/api/summary"}
# Every state-changing route (POST), with a valid-looking form.
CHANGES = {
    "/console/handoffs/<request_id:int>/reply": ("/console/handoffs/1/reply", {"text": "Chào anh/chị"}),
    "/console/handoffs/<request_id:int>/close": ("/console/handoffs/1/close", {}),
    "/console/tickets/<ticket_id:int>/status": ("/console/tickets/1/status", {"status": "closed"}),
    "/console/tickets/<ticket_id:int>/assignee": ("/console/tickets/1/assignee", {"assignee": "editor1"}),
    "/console/tickets/<ticket_id:int>/notes": ("/console/tickets/1/notes", {"text": "ghi chú"}),
    "/console/tickets/<ticket_id:int>/reply": ("/console/tickets/1/reply", {"text": "Chào anh/chị"}),
    "/console/faq/new": (
        "/console/faq/new",
        {"questions": "Câu hỏi?", "answer": "Trả lời.", "procedure_codes": "1.001193"},
    ),
    "/console/faq/<faq_id:slug>": (
        "/console/faq/khai-sinh-le-phi",
        {"questions": "Câu hỏi?", "answer": "Trả lời.", "procedure_codes": "1.001193", "version": "1"},
    ),
    "/console/faq/<faq_id:slug>/active": (
        "/console/faq/khai-sinh-le-phi/active",
        {"version": "1", "active": "0"},
    ),
    "/console/faq/import": ("/console/faq/import", {}),
    "/console/unanswered/dismiss": ("/console/unanswered/dismiss", {"ids": "1", "reason": "spam"}),
    "/console/aliases/new": ("/console/aliases/new", {"phrases": "làm sổ đỏ mới", "target": "đất đai"}),
    "/console/aliases/<alias_id:int>": (
        "/console/aliases/1",
        {"phrases": "làm sổ đỏ mới", "target": "đất đai", "version": "1"},
    ),
    "/console/aliases/<alias_id:int>/active": ("/console/aliases/1/active", {"version": "1", "active": "0"}),
    "/console/aliases/rules/new": (
        "/console/aliases/rules/new",
        {"search": "hộ tịch", "when_all": "sửa, đổi\nngày sinh"},
    ),
    "/console/aliases/rules/<rule_id:int>": (
        "/console/aliases/rules/1",
        {"search": "hộ tịch", "when_all": "sửa, đổi\nngày sinh", "version": "1"},
    ),
    "/console/aliases/rules/<rule_id:int>/active": (
        "/console/aliases/rules/1/active",
        {"version": "1", "active": "0"},
    ),
    "/console/aliases/import": ("/console/aliases/import", {}),
}
LOGOUT = {"/console/logout": ("/console/logout", {})}
PUBLIC = {"/console/login", "/console/static/<__file_uri__:path>"}


@pytest.fixture(autouse=True)
def one_of_each(records) -> None:
    records.open_handoff("web-1", "citizen_asked", "Công dân: cho tôi gặp cán bộ")
    records.create_feedback("web-2", "Thái độ phục vụ chưa tốt", None, "0912345678", True)


def test_every_console_route_is_in_the_lists(console_app: tuple[Sanic, Console]) -> None:
    app = console_app[0]
    app.router.finalize()
    found = {("/" + route.path, method) for route in app.router.routes for method in route.methods}
    console_routes = {(path, method) for path, method in found if path.startswith("/console")}
    listed = {(path, "GET") for path in [*PAGES, *APIS]} | {(path, "POST") for path in [*CHANGES, *LOGOUT]}
    listed |= {(path, method) for path, method in console_routes if path in PUBLIC and method != "HEAD"}
    assert {(path, method) for path, method in console_routes if method != "HEAD"} == listed


@pytest.mark.parametrize("url", PAGES.values())
async def test_pages_send_a_stranger_to_the_login_page(client: httpx.AsyncClient, url: str) -> None:
    answer = await client.get(url)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith("/console/login?next=")


@pytest.mark.parametrize("url", APIS.values())
async def test_the_api_answers_401_without_a_session(client: httpx.AsyncClient, url: str) -> None:
    answer = await client.get(url)
    assert answer.status_code == 401 and "error" in answer.json()


@pytest.mark.parametrize(("url", "form"), [*CHANGES.values(), *LOGOUT.values()])
async def test_posts_are_refused_without_a_session(client: httpx.AsyncClient, url: str, form: dict) -> None:
    answer = await client.post(url, data=form | {"csrf_token": "anything"})
    assert answer.status_code == 401


@pytest.mark.parametrize(("url", "form"), [*CHANGES.values(), *LOGOUT.values()])
async def test_posts_without_or_with_a_wrong_csrf_token_are_refused(
    client: httpx.AsyncClient, editor: str, console: Console, url: str, form: dict
) -> None:
    assert (await client.post(url, data=form)).status_code == 403
    assert (await client.post(url, data=form | {"csrf_token": editor[:-2] + "xx"})).status_code == 403
    assert console.audit.entries() == []  # nothing changed
    assert (await client.get("/console/")).status_code == 200  # and the session is still there


@pytest.mark.parametrize(("url", "form"), CHANGES.values())
async def test_a_viewer_cannot_change_anything(
    client: httpx.AsyncClient, viewer: str, console: Console, url: str, form: dict
) -> None:
    answer = await client.post(url, data=form | {"csrf_token": viewer})
    assert answer.status_code == 403
    assert console.audit.entries() == []


async def test_a_viewer_reads_every_page(client: httpx.AsyncClient, viewer: str) -> None:
    for url in [*PAGES.values(), *APIS.values()]:
        assert (await client.get(url)).status_code == 200, url
    # The create form, reached by its address, says why it cannot be saved.
    assert "cần tài khoản biên tập" in (await client.get("/console/faq/new")).text


async def test_login_needs_the_login_form_token(client: httpx.AsyncClient) -> None:
    answer = await client.post("/console/login", data={"username": EDITOR[0], "password": EDITOR[1]})
    assert answer.status_code == 403
    assert (await client.get("/console/")).status_code == 302


async def test_lock_out_after_five_failures_even_with_the_right_password(client: httpx.AsyncClient) -> None:
    for _ in range(4):
        assert (await login(client, EDITOR[0], "sai mật khẩu")).status_code == 401
    fifth = await login(client, EDITOR[0], "sai mật khẩu")
    assert fifth.status_code == 429 and "15 phút" in fifth.text
    assert (await login(client, EDITOR[0], EDITOR[1])).status_code == 429
    assert (await client.get("/console/")).status_code == 302
    # Another account is not affected.
    assert (await login(client, *VIEWER)).status_code == 302


async def test_an_unknown_username_gets_the_same_answers(client: httpx.AsyncClient) -> None:
    known = await login(client, EDITOR[0], "sai mật khẩu")
    unknown = await login(client, "khong-co-ai", "sai mật khẩu")
    assert known.status_code == unknown.status_code == 401
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", known.text) == strip.sub("", unknown.text)
    for _ in range(4):
        await login(client, "khong-co-ai", "sai mật khẩu")
    assert (await login(client, "khong-co-ai", "x")).status_code == 429  # locked like a real account


async def test_logout_ends_the_session_on_the_server(client: httpx.AsyncClient, editor: str) -> None:
    cookie = client.cookies.get("citizenbot_console")
    answer = await client.post("/console/logout", data={"csrf_token": editor})
    assert answer.status_code == 302 and answer.headers["location"] == "/console/login"
    # Replaying the old cookie opens nothing.
    client.cookies.set("citizenbot_console", cookie, path="/console")
    assert (await client.get("/console/")).status_code == 302
    assert (await client.get("/console/api/summary")).status_code == 401


async def test_session_cookie_flags(client: httpx.AsyncClient) -> None:
    plain = await login(client, *EDITOR)
    cookie = plain.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
    assert "secure" not in cookie.split("citizenbot_console=")[1].split(",")[0]
    form = await client.get("/console/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" in form.headers["set-cookie"].lower()  # the login form's own cookie too
    token = csrf_of(form.text)
    behind_proxy = await client.post(
        "/console/login",
        data={"username": EDITOR[0], "password": EDITOR[1], "csrf_token": token},
        # httpx keeps a Secure cookie for https URLs; the proxy's browser would send it.
        headers={"X-Forwarded-Proto": "https", "Cookie": f"citizenbot_console_login={token}"},
    )
    session_cookie = [
        c for c in behind_proxy.headers.get_list("set-cookie") if c.startswith("citizenbot_console=")
    ]
    assert session_cookie and "secure" in session_cookie[0].lower()


async def test_login_does_not_redirect_off_site(client: httpx.AsyncClient) -> None:
    form = await client.get("/console/login?next=//evil.example/")
    answer = await client.post(
        "/console/login",
        data={
            "username": EDITOR[0],
            "password": EDITOR[1],
            "csrf_token": csrf_of(form.text),
            "next": "//evil.example/",
        },
    )
    assert answer.headers["location"] == "/console/"


@pytest.mark.parametrize(
    "url",
    ["/console/login", "/console/static/console.css", "/console/static/console.js", "/console/nowhere",
     *PAGES.values(), *APIS.values()],
)  # fmt: skip
async def test_security_headers_on_every_console_response(
    client: httpx.AsyncClient, editor: str, url: str
) -> None:
    answer = await client.get(url)
    assert answer.headers["content-security-policy"] == CSP
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "no-store"


async def test_pages_carry_no_inline_script_or_style(client: httpx.AsyncClient, editor: str) -> None:
    for url in PAGES.values():
        answer = await client.get(url)
        if not answer.headers["content-type"].startswith("text/html"):
            continue  # downloads (YAML, CSV)
        html = answer.text
        assert "<script>" not in html and "style=" not in html and " on" + "click" not in html
        assert re.findall(r"<script[^>]*>", html) == ['<script src="/console/static/console.js" defer>']
