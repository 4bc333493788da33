import pytest

from bot.services.form_inputs import (
    NO_CONTACT,
    asks_for_a_person,
    contact,
    feedback_content,
    owner_digits,
    yes_or_no,
)


@pytest.mark.parametrize(
    ("text", "digits"),
    [("1234", "1234"), ("4 số cuối là 5678", "5678"), ("0912345678", "5678"), ("0912 345 678", "5678"),
     ("12", None), ("123456", None), ("không nhớ", None), ("", None)],
)  # fmt: skip
def test_owner_digits(text: str, digits: str | None) -> None:
    assert owner_digits(text) == digits


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0912345678", "0912345678"), ("số của tôi 0912.345.678", "0912345678"), ("+84912345678", "0912345678"),
     ("Email: An.Nguyen@Example.VN", "an.nguyen@example.vn"), ("không", NO_CONTACT), ("ko", NO_CONTACT),
     ("abc", None), ("12345", None)],
)  # fmt: skip
def test_contact(text: str, expected: str | None) -> None:
    assert contact(text) == expected


@pytest.mark.parametrize(
    ("text", "answer"),
    [("có", True), ("Đồng ý", True), ("dong y a", True), ("vâng", True), ("ok", True),
     ("không", False), ("ko", False), ("thôi", False), ("không đồng ý", False), ("để tôi nghĩ", None)],
)  # fmt: skip
def test_yes_or_no(text: str, answer: bool | None) -> None:
    assert yes_or_no(text) is answer


def test_feedback_needs_a_few_words() -> None:
    assert feedback_content("  chậm  ") is None
    assert feedback_content("cán bộ xã trả hồ sơ chậm") == "cán bộ xã trả hồ sơ chậm"


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("cho tôi gặp cán bộ", True),
        ("cho toi gap can bo", True),
        ("chuyển cho nhân viên", True),
        ("tôi muốn nói chuyện với người thật", True),
        ("nhờ cán bộ gọi lại cho tôi", True),
        ("Cán bộ ở bộ phận một cửa xã trả hồ sơ chậm 5 ngày", False),
        ("nhân viên một cửa thái độ không tốt", False),
        ("", False),
    ],
)
def test_asking_for_a_person_is_told_from_complaining_about_one(text: str, asks: bool) -> None:
    assert asks_for_a_person(text) is asks
