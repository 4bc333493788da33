"""What the Zalo and Messenger channels share: text pieces, numbered menus, once-only events."""

from __future__ import annotations

from pathlib import Path

from channels.platform import numbered_menu, split_text
from channels.state import ChannelState


def test_short_texts_are_sent_whole_with_their_lines() -> None:
    text = "Hồ sơ gồm:\n• Tờ khai\n• Giấy chứng sinh"
    assert split_text(text, 2000) == [text]


def test_long_texts_are_cut_after_sentences_within_the_limit() -> None:
    text = " ".join(f"Câu thứ {i} nói về hồ sơ đăng ký khai sinh." for i in range(200))
    pieces = split_text(text, 2000)
    assert len(pieces) > 1 and all(len(piece) <= 2000 for piece in pieces)
    assert all(piece.endswith(".") for piece in pieces)
    assert " ".join(pieces) == text


def test_a_sentence_longer_than_the_limit_is_cut_at_a_space() -> None:
    pieces = split_text("chữ " * 1000, 2000)
    assert all(len(piece) <= 2000 for piece in pieces)
    assert all(not piece.endswith("ch") for piece in pieces)


def test_a_menu_numbers_its_buttons_and_continues_a_turn() -> None:
    buttons = [{"title": "Hồ sơ cần nộp"}, {"title": "Lệ phí"}]
    assert numbered_menu("Anh/chị muốn biết gì?", buttons, 3).splitlines()[-3:] == [
        "3. Hồ sơ cần nộp", "4. Lệ phí", "Anh/chị nhắn số thứ tự để chọn."
    ]  # fmt: skip


def test_a_text_that_lists_its_choices_is_renumbered_not_repeated() -> None:
    text = "Có thể anh/chị hỏi:\n1. Đăng ký khai sinh (mã 1.001193)\n2. Đăng ký kết hôn (mã 1.000894)"
    menu = numbered_menu(text, [{"title": "Đăng ký khai sinh"}, {"title": "Đăng ký kết hôn"}], 8)
    assert "8. Đăng ký khai sinh (mã 1.001193)" in menu and "9. Đăng ký kết hôn" in menu
    assert menu.count("Đăng ký kết hôn") == 1


def test_events_are_processed_once_even_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "channels.db"
    assert ChannelState(path).first_time("zalo", "msg-1")
    assert not ChannelState(path).first_time("zalo", "msg-1")  # a new process, same file
    assert ChannelState(path).first_time("messenger", "msg-1")  # ids are per platform


def test_a_digit_chooses_from_the_last_menu_only(tmp_path: Path) -> None:
    state = ChannelState(tmp_path / "channels.db")
    state.remember_menu("zalo", "u1", ["/ask_documents", "/ask_fee"])
    assert state.menu_choice("zalo", "u1", "2") == "/ask_fee"
    assert state.menu_choice("zalo", "u1", " 1. ") == "/ask_documents"
    assert state.menu_choice("zalo", "u1", "3") is None
    assert state.menu_choice("zalo", "u1", "2 bản sao") is None
    assert state.menu_choice("zalo", "u2", "1") is None
    assert state.menu_choice("messenger", "u1", "1") is None
