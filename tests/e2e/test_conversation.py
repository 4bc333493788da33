"""Conversations over REST through both real servers."""

import re

import pytest

from bot.settings import load_settings

pytestmark = pytest.mark.e2e


def _texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def test_greeting_offers_what_the_assistant_does(stack) -> None:
    messages = stack.say("e2e-greet", "xin chào")
    assert "trợ lý ảo" in _texts(messages)
    assert any(m.get("buttons") for m in messages)


def test_office_hours_come_from_the_province_config_over_the_action_server(stack) -> None:
    text = _texts(stack.say("e2e-office", "trung tâm hành chính công làm việc mấy giờ"))
    assert "Giờ làm việc" in text
    assert load_settings().centre.name in text


def test_office_question_without_diacritics(stack) -> None:
    text = _texts(stack.say("e2e-office-plain", "so dien thoai duong day nong la gi"))
    assert load_settings().centre.hotline in text


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("hồ sơ đăng ký khai sinh gồm những gì", "1.001193"),
        ("dk ket hon can giay to gi", "1.000894"),
        ("lệ phí đăng ký thường trú bao nhiêu", "1.004222"),
        ("làm hộ chiếu ở đâu", "1.001456"),
    ],
)
def test_procedure_answers_cite_the_right_procedure(stack, question: str, code: str) -> None:
    text = _texts(stack.say(f"e2e-proc-{code}", question))
    assert f"mã {code}" in text
    assert "dichvucong.gov.vn" in text


def test_correcting_a_birth_certificate_reaches_the_correction_procedure(stack) -> None:
    # Said without naming a procedure; before the concept rule it got the birth registration's fee FAQ.
    text = _texts(stack.say("e2e-correction", "sua ngay sinh trong giay khai sinh"))
    assert "1.004859" in text
    assert "miễn phí ở cả ba hình thức" not in text


def test_follow_up_stays_on_the_procedure_under_discussion(stack) -> None:
    first = _texts(stack.say("e2e-follow", "thủ tục đăng ký khai sinh cần giấy tờ gì"))
    assert "mã 1.001193" in first
    follow_up = _texts(stack.say("e2e-follow", "còn lệ phí thì sao?"))
    assert "mã 1.001193" in follow_up
    assert "Miễn phí" in follow_up


def test_every_reply_fits_a_chat_bubble(stack) -> None:
    for question in ("thành phần hồ sơ đăng ký khai sinh", "căn cứ pháp lý của thủ tục đăng ký khai sinh"):
        for message in stack.say("e2e-length", question):
            assert len(message.get("text", "")) <= 2000


def test_unknown_procedure_is_not_answered_confidently(stack) -> None:
    text = _texts(stack.say("e2e-unknown", "thủ tục xin giấy phép nuôi khủng long ngoài hành tinh"))
    assert not re.search(r"mã \d\.\d{6}\), Cổng", text)
