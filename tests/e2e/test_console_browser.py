"""The staff console in a real browser (Debian's chromium, driven by Playwright), real servers.

One editor, created with the real CLI in the stack's records store, logs in, creates an FAQ and sees the
assistant answer with it over REST (timed), turns an unanswered question into an FAQ, replies to and closes
a handoff. Screenshots of the main pages go to results/console_screenshots/ (laptop and tablet widths); no
page may log an error or break the Content-Security-Policy.
"""

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bot.devstack import Stack, running_stack

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "results" / "console_screenshots"
LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}
EDITOR = "canbo.thu"
PASSWORD = "mật khẩu thử nghiệm 2026"
# Every page records CSP violations (an init script runs whatever the page's policy says).
WATCH_CSP = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)
# Read as ask_conditions, an aspect an FAQ may answer (FAQ_ASPECTS, bot/services/turn.py).
FAQ_QUESTION = "Làm lại giấy khai sinh bị mất có cần điều kiện gì về hộ khẩu không?"
# Read as ask_documents: the assistant answers with the procedure's document list, never with an FAQ, although
# the console says the FAQ is used "from the next question" (reported, printed, not asserted).
DOCUMENTS_WORDING = "Làm lại giấy khai sinh bị mất có cần mang theo hộ khẩu không?"
FAQ_ANSWER = "Không cần sổ hộ khẩu: mang CCCD và tờ khai trích lục khai sinh (kiểm thử console 7341)."
UNANSWERED = "thủ tục xin phép nuôi cá sấu làm cảnh ở nhà"
DRAFT_ANSWER = "Không có thủ tục hành chính nào cho việc nuôi cá sấu làm cảnh (câu trả lời kiểm thử)."


def replies_text(replies: list[dict]) -> str:
    return "\n".join(str(reply.get("text") or "") for reply in replies)


def fresh_sender(kind: str) -> str:
    """A new conversation; a handoff's is a widget id ("web-" + 32 hex), the only kind whose staff
    messages the services endpoint hands out."""
    if kind == "handoff":
        return "web-" + uuid.uuid4().hex
    return f"console-{kind}-{uuid.uuid4().hex[:12]}"


class Watched:
    """A page whose console errors, uncaught exceptions and CSP violations are collected per URL."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.failed: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"{page.url} pageerror: {error}"))
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"{page.url} console.error: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        # Which resource a "Failed to load resource" console error was about.
        page.on(
            "response",
            lambda reply: self.failed.append(f"{reply.status} {reply.url}") if reply.status >= 400 else None,
        )
        page.on("dialog", lambda dialog: dialog.accept())  # data-confirm forms ask with window.confirm

    def check(self, name: str) -> None:
        """No error so far and no CSP violation on the page shown now."""
        violations = self.page.evaluate("window.__csp || []")
        assert violations == [], f"CSP violations on {name}: {violations}"
        assert self.errors == [], f"errors up to {name}: {self.errors} ({self.failed})"

    def shoot(self, name: str) -> Path:
        self.check(name)
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own: the FAQ entries made here change answers, which other modules must not see."""
    with running_stack(tmp_path_factory.mktemp("console-stack")) as running:
        yield running


@pytest.fixture(scope="module")
def editor(stack) -> str:
    """An editor account made by the real CLI in the stack's records store."""
    env = {
        **os.environ,
        "CITIZENBOT_DB": str(stack.workdir / "citizenbot.db"),
        "PYTHONPATH": str(ROOT),
    }
    made = subprocess.run(
        [str(ROOT / ".venv/services/bin/citizenbot"), "staff", "add", EDITOR, "--role", "editor",
         "--name", "Trần Thị Thu", "--password-stdin"],
        input=PASSWORD + "\n", env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return EDITOR


@pytest.fixture(scope="module")
def context(browser: Browser, stack, editor: str) -> Iterator[BrowserContext]:
    """A laptop-sized browser logged in through the console's login page."""
    made = browser.new_context(locale="vi-VN", viewport=LAPTOP)
    made.add_init_script(WATCH_CSP)
    # Neither the console nor the portal serves a favicon: Chromium's own request for /favicon.ico gets a 404,
    # logged as a console error on every page (known, reported). Answered here so real errors stand out.
    made.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=b""))
    login = Watched(made.new_page())
    login.page.goto(stack.services_url + "/console/login")
    login.page.get_by_label("Tên đăng nhập").fill(editor)
    login.page.get_by_label("Mật khẩu").fill(PASSWORD)
    login.page.get_by_role("button", name="Đăng nhập").click()
    expect(login.page.get_by_role("heading", name="Xin chào, Trần Thị Thu")).to_be_visible()
    login.check("login")
    login.page.close()
    yield made
    made.close()


@pytest.fixture
def console(context: BrowserContext) -> Iterator[Watched]:
    watched = Watched(context.new_page())
    yield watched
    watched.page.close()


def test_home_page(console: Watched, stack) -> None:
    console.page.goto(stack.services_url + "/console/")
    expect(console.page.get_by_text("yêu cầu gặp cán bộ đang chờ")).to_be_visible()
    console.shoot("01-home-laptop")


def test_an_faq_made_in_the_console_answers_the_next_question(console: Watched, stack) -> None:
    # Asked before the FAQ exists: the catalogue's answer (and the servers are warm for the timing below).
    before = replies_text(stack.say(fresh_sender("faq"), FAQ_QUESTION))
    assert before and FAQ_ANSWER not in before
    page = console.page
    page.goto(stack.services_url + "/console/faq")
    page.get_by_role("link", name="Thêm câu hỏi", exact=True).click()
    page.get_by_label("Các cách hỏi của công dân").fill(f"{FAQ_QUESTION}\n{DOCUMENTS_WORDING}")
    page.get_by_label("Câu trả lời").fill(FAQ_ANSWER)
    page.get_by_label("Mã thủ tục liên quan").fill("1.004884")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/console/faq/new")
    ) as posted:
        page.get_by_role("button", name="Thêm câu hỏi").click()
    saved_at = time.perf_counter()
    assert posted.value.status == 302, posted.value.status
    expect(page.get_by_role("status")).to_contain_text("Đã thêm câu hỏi.")

    took, reply, asked = None, "", []
    while time.perf_counter() - saved_at < 10:
        sent = time.perf_counter()
        reply = replies_text(stack.say(fresh_sender("faq"), FAQ_QUESTION))
        asked.append(time.perf_counter() - sent)
        if FAQ_ANSWER in reply:
            took = time.perf_counter() - saved_at
            break
        time.sleep(0.2)
    assert took is not None, f"the assistant still answers without the FAQ after 10 s: {reply!r}"
    print(f"FAQ effective after {took:.2f} s")
    print(f"REST questions asked: {len(asked)}, each took (s): {', '.join(f'{t:.2f}' for t in asked)}")
    other = FAQ_ANSWER in replies_text(stack.say(fresh_sender("faq"), DOCUMENTS_WORDING))
    print(f"the FAQ's other wording (read as a question about documents) answered with the FAQ: {other}")
    console.shoot("03-faq-edit-laptop")

    page.goto(stack.services_url + "/console/faq")
    expect(page.get_by_role("cell", name=FAQ_QUESTION)).to_be_visible()
    console.shoot("03-faq-list-laptop")


def test_an_unanswered_question_becomes_an_faq(console: Watched, stack) -> None:
    reply = replies_text(stack.say(fresh_sender("unanswered"), UNANSWERED))
    assert FAQ_ANSWER not in reply
    page = console.page
    page.goto(stack.services_url + "/console/")
    page.get_by_role("link", name="Câu hỏi chưa trả lời được").click()
    group = page.locator("section.group").filter(has=page.get_by_role("heading", name=UNANSWERED, exact=True))
    expect(group).to_have_count(1)
    console.shoot("04-unanswered-laptop")

    group.get_by_role("link", name="Tạo FAQ nháp").click()
    expect(page.get_by_role("heading", name="Thêm câu hỏi thường gặp")).to_be_visible()
    expect(page.get_by_label("Các cách hỏi của công dân")).to_have_value(UNANSWERED)
    page.get_by_label("Câu trả lời").fill(DRAFT_ANSWER)
    page.get_by_label("Mã thủ tục liên quan").fill("1.001193")
    page.get_by_role("button", name="Thêm câu hỏi").click()
    expect(page.get_by_role("status")).to_contain_text("Đã lưu bản nháp.")
    # A draft is not used: the citizen still gets the assistant's own (unsure) reply.
    assert DRAFT_ANSWER not in replies_text(stack.say(fresh_sender("unanswered"), UNANSWERED))
    page.get_by_role("button", name="Bắt đầu dùng").click()  # the confirm dialog is accepted
    expect(page.get_by_role("status")).to_contain_text("Đã bật câu hỏi")
    # Turned on, it answers its question as the citizen wrote it, although no procedure's name fits it.
    answered = replies_text(stack.say(fresh_sender("unanswered"), UNANSWERED))
    assert DRAFT_ANSWER in answered, answered

    page.get_by_role("link", name="Danh sách câu hỏi thường gặp").click()
    row = page.locator("table.list tbody tr").filter(has_text=UNANSWERED)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("1.001193")
    console.check("faq list after the draft")
    # Made into an FAQ, the group is reviewed: it leaves "Chưa xử lý" (the question asked again just now
    # was recorded after the save, so only questions older than the save may be gone).
    page.goto(stack.services_url + "/console/unanswered")
    console.check("unanswered after the FAQ was saved")
    waiting = page.locator("section.group").filter(
        has=page.get_by_role("heading", name=UNANSWERED, exact=True)
    )
    counts = waiting.locator("dt:text-is('Số lần hỏi') + dd").all_inner_texts()
    assert counts in ([], ["1"]), f"the group is still waiting for review: {counts}"


def test_a_handoff_is_answered_and_closed_in_the_console(console: Watched, stack) -> None:
    sender = fresh_sender("handoff")
    asked = replies_text(stack.say(sender, "cho tôi gặp cán bộ"))
    assert "HT-" in asked, asked
    [request] = [r for r in stack.staff("GET", "/handoffs?status=open").json() if r["sender_id"] == sender]

    page = console.page
    page.goto(stack.services_url + "/console/")
    page.get_by_role("link", name="Gặp cán bộ", exact=True).click()
    row = page.locator("table.list tbody tr").filter(has_text=request["ticket"])
    expect(row).to_contain_text("Công dân yêu cầu gặp cán bộ")
    console.shoot("02-handoff-queue-laptop")
    row.get_by_role("link", name="Mở").click()
    expect(page.get_by_role("heading", name=request["ticket"])).to_be_visible()
    expect(page.locator(".bubble.citizen").filter(has_text="cho tôi gặp cán bộ")).to_be_visible()

    text = "Chào anh/chị, tôi là cán bộ Thu, tôi nghe đây."
    page.get_by_label("Tin nhắn").fill(text)
    page.get_by_role("button", name="Gửi tin nhắn").click()
    expect(page.get_by_role("status")).to_contain_text("Đã gửi tin nhắn đến công dân.")
    expect(page.locator(".bubble.staff").filter(has_text=text)).to_be_visible()
    console.shoot("02-handoff-detail-laptop")
    delivered = httpx.get(f"{stack.services_url}/api/conversations/{sender}/staff-messages", timeout=10)
    assert delivered.status_code == 200
    assert text in [message["text"] for message in delivered.json()], delivered.json()

    # Reported, not asserted: does the officer see what the citizen writes after the handoff?
    later = "tôi đã nộp hồ sơ từ tuần trước mà chưa thấy kết quả"
    stack.say(sender, later)
    page.reload()
    shown = page.get_by_text(later).count() > 0
    print(f"a citizen message sent during the handoff shows in the console: {shown}")
    page.get_by_role("button", name="Kết thúc hỗ trợ").click()  # the confirm dialog is accepted
    expect(page.get_by_role("status")).to_contain_text("Đã kết thúc hỗ trợ")
    expect(page.get_by_text("Đã kết thúc", exact=True)).to_be_visible()
    console.check("handoff closed")
    again = replies_text(stack.say(sender, "lệ phí đăng ký khai sinh"))
    assert "1.001193" in again, again


def test_analytics_page(console: Watched, stack) -> None:
    console.page.goto(stack.services_url + "/console/")
    console.page.get_by_role("link", name="Thống kê").click()
    expect(console.page.get_by_role("img").first).to_be_visible()
    console.shoot("05-analytics-laptop")


MAIN_PAGES = (
    ("faq", "01-faq-list"), ("unanswered", "04-unanswered"), ("handoffs", "02-handoffs"),
    ("tickets", "03-tickets"), ("analytics", "05-analytics"), ("aliases", "07-aliases"),
    ("ratings", "08-ratings"), ("audit", "09-audit"), ("faq/try?q=l%E1%BB%87+ph%C3%AD", "10-try"),
)  # fmt: skip


def test_main_pages_at_laptop_width(console: Watched, stack) -> None:
    for path, name in MAIN_PAGES[:5]:
        console.page.goto(f"{stack.services_url}/console/{path}")
        console.shoot(f"{name}-laptop")


def test_pages_at_tablet_width(context: BrowserContext, stack) -> None:
    tablet = Watched(context.new_page())
    try:
        tablet.page.set_viewport_size(TABLET)
        tablet.page.goto(stack.services_url + "/console/faq")
        expect(tablet.page.get_by_text(FAQ_QUESTION)).to_be_visible()
        for path, name in MAIN_PAGES:
            tablet.page.goto(f"{stack.services_url}/console/{path}")
            tablet.shoot(f"{name}-tablet")
            width = tablet.page.evaluate("document.documentElement.scrollWidth")
            assert width <= TABLET["width"], f"/console/{path} scrolls sideways on a tablet ({width} px)"
        tablet.page.goto(stack.services_url + "/console/handoffs?status=closed")
        tablet.shoot("06-handoffs-closed-tablet")
    finally:
        tablet.page.close()
