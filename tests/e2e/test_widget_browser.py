"""The portal page's chat widget in a real browser (Debian's chromium, driven by Playwright), real servers."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
# Offline machine: no background connections, no first-run or update traffic.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make setup` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, stack) -> Iterator[Page]:
    context = browser.new_context(locale="vi-VN")
    opened = context.new_page()
    opened.goto(stack.services_url + "/")
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
    sender = page.evaluate("window.localStorage.getItem('citizenbot-sender')")
    [request] = [r for r in stack.staff("GET", "/handoffs?status=open").json() if r["sender_id"] == sender]
    posted = stack.staff(
        "POST", f"/handoffs/{request['id']}/messages", json={"text": "Chào anh/chị, tôi nghe đây."}
    )
    assert posted.status_code == 201
    staff_reply = page.locator(".cw-staff").filter(has_text="Cán bộ: Chào anh/chị, tôi nghe đây.")
    expect(staff_reply).to_be_visible(timeout=15_000)
