import logging

import pytest

from bot.text.redaction import RedactingFilter, contains_personal_data, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CCCD của tôi là 001203004567", "CCCD của tôi là [số định danh]"),
        ("cmnd 123456789 nhé", "cmnd [số định danh] nhé"),
        ("gọi 0912345678", "gọi [số điện thoại]"),
        ("gọi 0912 345 678 hoặc 0912.345.678", "gọi [số điện thoại] hoặc [số điện thoại]"),
        ("sdt +84912345678", "sdt [số điện thoại]"),
        ("mail nguyen.van.a@gmail.com ạ", "mail [email] ạ"),
    ],
)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert contains_personal_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "hồ sơ 000.00.04.H51-200221-0001 đến đâu rồi",  # a dossier code is not personal data
        "lệ phí 200000 đồng",
        "thủ tục 1.001193",
        "đăng ký khai sinh cần giấy tờ gì",
    ],
)
def test_other_numbers_are_kept(text: str) -> None:
    assert redact(text) == text


def test_log_records_are_redacted() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "question from %s: %s", ("u1", "sđt 0987654321"), None
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "question from u1: sđt [số điện thoại]"
