"""The portal page's chat widget in a real browser (Debian's chromium, driven by Playwright), real servers."""

import re
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.browser import launch_chromium

pytestmark = pytest.mark.e2e


def open_portal(page: Page, stack) -> None:
    """Load the portal and wait until the widget has its conversation id (it is made by a deferred script)."""
    page.goto(stack.services_url + "/")
    page.wait_for_function("window.sessionStorage.getItem('citizenbot-sender') !== null")


@pytest.fixture
def page(browser: Browser, stack) -> Iterator[Page]:
    context = browser.new_context(locale="vi-VN")
    opened = context.new_page()
    open_portal(opened, stack)
    opened.click(".cw-toggle")
    yield opened
    context.close()


def ask(page: Page, text: str) -> None:
    page.fill(".cw-form input", text)
    page.click(".cw-form button[type=submit]")


def test_a_question_is_answered_with_a_citation_and_buttons_work(page: Page) -> None:
    ask(page, "lệ phí đăng ký khai sinh")
    answer = page.locator(".cw-bot").filter(has_text="mã 1.001193").first
    expect(answer).to_be_visible(timeout=30_000)
    page.locator(".cw-buttons button", has_text="Hồ sơ cần nộp").last.click()
    expect(page.locator(".cw-bot").filter(has_text="Hồ sơ gồm").first).to_be_visible(timeout=30_000)
    page.locator(".cw-buttons button", has_text="👍").last.click()
    expect(page.locator(".cw-bot").filter(has_text="Cảm ơn anh/chị đã đánh giá")).to_be_visible(
        timeout=30_000
    )


def test_html_in_a_message_is_shown_as_text_never_run(page: Page) -> None:
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    ask(page, hostile)
    expect(page.locator(".cw-user").filter(has_text="<img src=x")).to_be_visible(timeout=10_000)
    expect(page.locator(".cw-bot").last).to_be_visible(timeout=30_000)
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator(".cw-log img, .cw-log script").count() == 0


def test_the_dossier_form_in_the_widget(page: Page) -> None:
    ask(page, "tra cứu hồ sơ")
    expect(page.locator(".cw-bot").filter(has_text="mã hồ sơ").first).to_be_visible(timeout=30_000)
    ask(page, "000.00.04.H51-261118-0002")
    expect(page.locator(".cw-bot").filter(has_text="4 số cuối").first).to_be_visible(timeout=30_000)
    ask(page, "0222")
    expect(page.locator(".cw-bot").filter(has_text="Tình trạng: Đang xử lý")).to_be_visible(timeout=30_000)


def test_a_civil_servant_replies_in_the_widget_during_a_handoff(page: Page, stack) -> None:
    ask(page, "cho tôi gặp cán bộ")
    expect(page.locator(".cw-bot").filter(has_text="HT-").first).to_be_visible(timeout=30_000)
    sender = page.evaluate("window.sessionStorage.getItem('citizenbot-sender')")
    [request] = [r for r in stack.staff("GET", "/handoffs?status=open").json() if r["sender_id"] == sender]
    posted = stack.staff(
        "POST", f"/handoffs/{request['id']}/messages", json={"text": "Chào anh/chị, tôi nghe đây."}
    )
    assert posted.status_code == 201
    staff_reply = page.locator(".cw-staff").filter(has_text="Cán bộ: Chào anh/chị, tôi nghe đây.")
    expect(staff_reply).to_be_visible(timeout=15_000)


HISTORY_KEY = "citizenbot-history"
STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' {rasa}; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def watch_errors(page: Page) -> list[str]:
    """Uncaught exceptions and console errors of the page, from now on."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def stored_history(page: Page) -> dict:
    return page.evaluate(f"JSON.parse(window.sessionStorage.getItem('{HISTORY_KEY}'))")


def test_a_reload_shows_the_conversation_again_and_its_buttons_still_work(page: Page) -> None:
    ask(page, "lệ phí đăng ký khai sinh")
    expect(page.locator(".cw-bot").filter(has_text="mã 1.001193").first).to_be_visible(timeout=30_000)
    shown_before = page.locator(".cw-log .cw-msg").count()
    page.reload()
    # The panel was open: it is open again, the same messages neither lost nor doubled (no new greeting).
    expect(page.locator(".cw-panel")).to_be_visible()
    expect(page.locator(".cw-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".cw-user").filter(has_text="lệ phí đăng ký khai sinh")).to_have_count(1)
    expect(page.locator(".cw-bot").filter(has_text="mã 1.001193").first).to_be_visible()
    assert page.locator(".cw-log .cw-msg").count() == shown_before
    assert page.locator(".cw-user").filter(has_text="Xin chào").count() == 1
    # The last answer's buttons were drawn again and still ask the bot.
    page.locator(".cw-buttons button", has_text="Hồ sơ cần nộp").last.click()
    expect(page.locator(".cw-bot").filter(has_text="Hồ sơ gồm").first).to_be_visible(timeout=30_000)
    kinds = [entry["k"] for entry in stored_history(page)["messages"]]
    assert kinds[0] == "user" and "bot" in kinds and len(kinds) <= 100


def test_a_reload_during_a_handoff_shows_each_staff_message_once(page: Page, stack) -> None:
    ask(page, "cho tôi gặp cán bộ")
    expect(page.locator(".cw-bot").filter(has_text="HT-").first).to_be_visible(timeout=30_000)
    sender = page.evaluate("window.sessionStorage.getItem('citizenbot-sender')")
    [request] = [r for r in stack.staff("GET", "/handoffs?status=open").json() if r["sender_id"] == sender]
    first, second = "Chào anh/chị, tôi nghe đây.", "Anh/chị cho tôi xin mã hồ sơ nhé."
    assert stack.staff("POST", f"/handoffs/{request['id']}/messages", json={"text": first}).status_code == 201
    first_shown = page.locator(".cw-staff").filter(has_text=f"Cán bộ: {first}")
    expect(first_shown).to_be_visible(timeout=15_000)
    page.reload()
    expect(first_shown).to_have_count(1)
    page.wait_for_timeout(4_000)  # more than one poll: the kept `after` cursor stops it coming again
    expect(first_shown).to_have_count(1)
    assert (
        stack.staff("POST", f"/handoffs/{request['id']}/messages", json={"text": second}).status_code == 201
    )
    expect(page.locator(".cw-staff").filter(has_text=f"Cán bộ: {second}")).to_have_count(1, timeout=15_000)
    expect(first_shown).to_have_count(1)
    assert stored_history(page)["after"] > 0


def test_the_chat_button_is_an_svg_speech_bubble_with_a_label_and_fits_a_phone(
    browser: Browser, stack
) -> None:
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 640})
    try:
        phone = context.new_page()
        errors = watch_errors(phone)
        phone.goto(stack.services_url + "/")
        toggle = phone.locator(".cw-toggle")
        expect(toggle.locator("svg path")).to_have_count(1)
        expect(toggle).to_have_attribute("aria-label", "Mở trợ lý ảo — hỏi đáp thủ tục hành chính")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        assert toggle.inner_text().strip() == ""  # the icon is drawn, not an emoji
        box = toggle.bounding_box()
        assert (
            box and box["width"] >= 44 and box["x"] + box["width"] <= 360 and box["y"] + box["height"] <= 640
        )
        # Keyboard users see where they are: the button is the page's first stop and gets an outline.
        phone.keyboard.press("Tab")
        assert phone.evaluate("document.activeElement.classList.contains('cw-toggle')")
        assert toggle.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
        phone.keyboard.press("Enter")
        expect(toggle).to_have_attribute("aria-label", "Đóng trợ lý ảo")
        panel = phone.locator(".cw-panel").bounding_box()
        assert panel and panel["x"] >= 0 and panel["x"] + panel["width"] <= 360 and panel["y"] >= 0
        expect(phone.locator(".cw-bot").first).to_be_visible(timeout=30_000)
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize(
    "corrupt",
    [
        "{not json",
        "null",
        '{"v": 1, "sender": "web-00", "open": true, "handoff": false, "after": 0, "messages": []}',
        '{"v": 1, "sender": "SENDER", "open": true, "handoff": false, "after": -1, "messages": [{"k": "x"}]}',
    ],
    ids=["not-json", "null", "other-sender", "bad-entries"],
)
def test_a_corrupt_stored_history_starts_a_fresh_conversation(browser: Browser, stack, corrupt: str) -> None:
    context = browser.new_context(locale="vi-VN")
    try:
        fresh = context.new_page()
        open_portal(fresh, stack)
        sender = fresh.evaluate("window.sessionStorage.getItem('citizenbot-sender')")
        fresh.evaluate(
            "([key, value]) => window.sessionStorage.setItem(key, value)",
            [HISTORY_KEY, corrupt.replace("SENDER", sender)],
        )
        errors = watch_errors(fresh)
        fresh.reload()
        expect(fresh.locator(".cw-panel")).to_be_hidden()
        fresh.click(".cw-toggle")
        expect(fresh.locator(".cw-bot").first).to_be_visible(timeout=30_000)
        assert fresh.locator(".cw-user").count() == 1  # only the greeting of a new conversation
        assert fresh.evaluate("window.sessionStorage.getItem('citizenbot-sender')") == sender
        kept = stored_history(fresh)
        assert kept["sender"] == sender and kept["messages"][0] == {"k": "user", "t": "Xin chào"}
        assert errors == []
    finally:
        context.close()


def test_stored_html_like_text_is_shown_as_text_and_the_history_is_capped(page: Page) -> None:
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    sender = page.evaluate("window.sessionStorage.getItem('citizenbot-sender')")
    messages = [{"k": "user", "t": f"câu hỏi số {n}"} for n in range(120)]
    messages += [
        {"k": "staff", "t": hostile},
        {"k": "bot", "t": hostile, "b": [{"t": "<b>nút</b>", "p": "/greet"}]},
    ]
    history = {"v": 1, "sender": sender, "open": True, "handoff": False, "after": 0, "messages": messages}
    # The greeting's reply must be in before the history is replaced: arriving later, it would save over it.
    expect(page.locator(".cw-bot").first).to_be_visible(timeout=30_000)
    page.evaluate(
        "([key, value]) => window.sessionStorage.setItem(key, JSON.stringify(value))", [HISTORY_KEY, history]
    )
    page.reload()
    expect(page.locator(".cw-staff").filter(has_text="Cán bộ: <img src=x")).to_be_visible()
    expect(page.locator(".cw-bot").filter(has_text="<script>window.__pwned=2</script>")).to_have_count(2)
    expect(page.locator(".cw-buttons button", has_text="<b>nút</b>")).to_be_visible()
    assert page.locator(".cw-log img, .cw-log script, .cw-log b").count() == 0
    assert page.evaluate("window.__pwned === undefined")
    # Only the last 100 messages are kept and shown.
    assert page.locator(".cw-log .cw-msg").count() == 100
    expect(page.locator(".cw-user").filter(has_text="câu hỏi số 21")).to_have_count(0)
    expect(page.locator(".cw-user").filter(has_text="câu hỏi số 22")).to_have_count(1)
    assert len(stored_history(page)["messages"]) == 100


def test_the_page_works_under_a_strict_content_security_policy(browser: Browser, stack) -> None:
    # The policy is added to the page's response by the test; Chromium then counts the page as public and
    # would refuse its calls to the loopback Rasa server (local network access), so that check is off here.
    strict_browser = launch_chromium(browser.browser_type, "--disable-features=LocalNetworkAccessChecks")
    policy = STRICT_CSP.format(rasa=stack.rasa_url)

    def with_policy(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    try:
        context = strict_browser.new_context(locale="vi-VN")
        context.route(stack.services_url + "/", with_policy)
        strict = context.new_page()
        errors = watch_errors(strict)
        strict.goto(stack.services_url + "/")
        strict.evaluate(
            "document.addEventListener('securitypolicyviolation', e => window.__csp = e.violatedDirective)"
        )
        strict.click(".cw-toggle")
        ask(strict, "lệ phí đăng ký khai sinh")
        expect(strict.locator(".cw-bot").filter(has_text="mã 1.001193").first).to_be_visible(timeout=30_000)
        assert strict.evaluate("window.__csp === undefined")
        assert errors == []
    finally:
        strict_browser.close()


def test_a_new_tab_on_a_shared_computer_starts_a_new_conversation(browser: Browser, stack) -> None:
    context = browser.new_context(locale="vi-VN")
    try:
        first, second = context.new_page(), context.new_page()
        open_portal(first, stack)
        open_portal(second, stack)
        read = "window.sessionStorage.getItem('citizenbot-sender')"
        ids = [page.evaluate(read) for page in (first, second)]
        assert all(re.fullmatch(r"web-[0-9a-f]{32}", sender or "") for sender in ids)
        assert ids[0] != ids[1]
    finally:
        context.close()


PORTAL_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Cổng dịch vụ công của tỉnh</title></head>
<body><h1>Cổng dịch vụ công</h1>
<script src="{services}/static/widget.js" defer
        data-rasa-url="{rasa}" data-services-url="{services}"></script>
</body></html>
"""


@pytest.fixture
def other_origin_portal(stack) -> Iterator[str]:
    """A province portal on an origin of its own, embedding the widget with the README's one tag."""
    page = PORTAL_PAGE.format(services=stack.services_url, rasa=stack.rasa_url).encode()

    class Portal(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    port = int(stack.portal_origin.rsplit(":", 1)[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Portal)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield stack.portal_origin
    finally:
        server.shutdown()
        server.server_close()


def test_a_portal_on_another_origin_gets_answers_and_staff_replies(
    browser: Browser, stack, other_origin_portal: str
) -> None:
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(other_origin_portal + "/")
    page.wait_for_function("window.sessionStorage.getItem('citizenbot-sender') !== null")
    page.click(".cw-toggle")
    ask(page, "cho tôi gặp cán bộ")
    expect(page.locator(".cw-bot").filter(has_text="HT-").first).to_be_visible(timeout=30_000)
    sender = page.evaluate("window.sessionStorage.getItem('citizenbot-sender')")
    [request] = [r for r in stack.staff("GET", "/handoffs?status=open").json() if r["sender_id"] == sender]
    text = "Chào anh/chị, cán bộ Trung tâm đây."
    assert stack.staff("POST", f"/handoffs/{request['id']}/messages", json={"text": text}).status_code == 201
    expect(page.locator(".cw-staff").filter(has_text=f"Cán bộ: {text}")).to_be_visible(timeout=15_000)
    assert not [error for error in errors if "CORS" in error or "Access-Control" in error]

    # The same page from an origin that province.yml does not list: the browser may not read either server.
    unlisted = other_origin_portal.replace("127.0.0.1", "localhost")
    page.goto(unlisted + "/")
    reads = page.evaluate(
        """async ([services, rasa, sender]) => {
            const attempt = async (url, init) => {
                try { await fetch(url, init); return "read"; } catch (error) { return "refused"; }
            };
            return [
                await attempt(services + "/api/conversations/" + sender + "/staff-messages"),
                await attempt(rasa + "/webhooks/rest/webhook", {
                    method: "POST", headers: {"Content-Type": "application/json"},
                    body: JSON.stringify({sender: sender, message: "xin chào"}),
                }),
            ];
        }""",
        [stack.services_url, stack.rasa_url, sender],
    )
    assert reads == ["refused", "refused"]
    context.close()


def test_staff_messages_are_only_polled_with_a_widget_conversation_id(stack) -> None:
    polled = f"{stack.services_url}/api/conversations/{{}}/staff-messages"
    fresh = "web-" + secrets.token_hex(16)
    assert httpx.get(polled.format(fresh), timeout=10).json() == []
    # Ids a REST client could choose, or guess, and platform ids: never answered.
    for sender in ("me", "web-walk", "e2e-handoff", "zalo:123", "web-" + "0" * 31, fresh.upper()):
        assert httpx.get(polled.format(sender), timeout=10).status_code == 400, sender
