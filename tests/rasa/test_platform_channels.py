"""What the Zalo and Messenger channels share: text pieces, numbered menus, once-only events."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage

from channels import platform
from channels.platform import (
    DeliveryFailed,
    PlatformEvent,
    PlatformInput,
    PlatformOutput,
    numbered_menu,
    split_text,
)
from channels.rest import ERROR_TOO_LONG, MAX_MESSAGE_CHARS, REPLY_FAILURE
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
    assert ChannelState(path).accept("zalo", "msg-1", "{}")
    assert not ChannelState(path).accept("zalo", "msg-1", "{}")  # a new process, same file
    assert ChannelState(path).accept("messenger", "msg-1", "{}")  # ids are per platform


class _FakeOutput(PlatformOutput):
    async def deliver(
        self, user_id: str, text: str, buttons: list | None = None, staff: bool = False
    ) -> None:
        self.sent += 1


class _FakeInput(PlatformInput):
    @classmethod
    def name(cls) -> str:
        return "fake"

    def make_output(self) -> PlatformOutput:
        return _FakeOutput(self.state)


def test_events_a_stopped_server_acknowledged_are_answered_by_the_next(tmp_path: Path) -> None:
    path = tmp_path / "channels.db"
    stopped = ChannelState(path)
    event = PlatformEvent("msg-7", "1234567", "text", "lệ phí làm hộ chiếu")
    assert _FakeInput(stopped).accept(event)
    with sqlite3.connect(path) as db:  # as if the process that accepted it had been killed since
        child = subprocess.Popen(["true"])
        child.wait()
        db.execute("UPDATE pending_events SET owner = ?", (child.pid,))
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    restarted = _FakeInput(ChannelState(path))
    assert restarted.recover(on_new_message) == 1
    deadline = time.monotonic() + 5
    while (not received or _pending(path)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [(m.text, m.sender_id) for m in received] == [("lệ phí làm hộ chiếu", "fake:1234567")]
    assert _pending(path) == 0
    assert restarted.recover(on_new_message) == 0  # answered once
    assert not restarted.accept(event)  # and a late retry of it is still a replay


def test_events_of_a_live_server_are_left_to_it(tmp_path: Path) -> None:
    path = tmp_path / "channels.db"
    assert _FakeInput(ChannelState(path)).accept(PlatformEvent("msg-8", "1234567", "text", "xin chào"))
    with sqlite3.connect(path) as db:  # another live process (this test's parent) holds it
        db.execute("UPDATE pending_events SET owner = ?", (os.getppid(),))
    assert ChannelState(path).take_over_orphans("fake") == []
    assert len(ChannelState(path).take_over_orphans("fake", now=time.time() + 3600)) == 1  # stalled: taken


def _pending(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM pending_events").fetchone()[0])


def test_a_digit_chooses_from_the_last_menu_only(tmp_path: Path) -> None:
    state = ChannelState(tmp_path / "channels.db")
    state.remember_menu("zalo", "u1", ["/ask_documents", "/ask_fee"])
    assert state.menu_choice("zalo", "u1", "2") == "/ask_fee"
    assert state.menu_choice("zalo", "u1", " 1. ") == "/ask_documents"
    assert state.menu_choice("zalo", "u1", "3") is None
    assert state.menu_choice("zalo", "u1", "2 bản sao") is None
    assert state.menu_choice("zalo", "u2", "1") is None
    assert state.menu_choice("messenger", "u1", "1") is None


class _RecordingOutput(PlatformOutput):
    delivered: list[str] = []

    async def deliver(
        self, user_id: str, text: str, buttons: list | None = None, staff: bool = False
    ) -> None:
        self.delivered.append(text)
        self.sent += 1


class _RecordingInput(_FakeInput):
    def make_output(self) -> PlatformOutput:
        return _RecordingOutput(self.state)


async def test_a_processing_error_gets_the_rest_failure_reply(tmp_path: Path) -> None:
    _RecordingOutput.delivered = []
    channel = _RecordingInput(ChannelState(tmp_path / "channels.db"))
    event = PlatformEvent("msg-9", "1234567", "text", "lệ phí làm hộ chiếu")
    assert channel.accept(event)

    async def broken(_: UserMessage) -> None:
        raise RuntimeError("tracker store unreachable")

    await channel.handle(event, broken)
    assert _RecordingOutput.delivered == [REPLY_FAILURE]
    assert _pending(tmp_path / "channels.db") == 0  # answered: not taken over by the next server


async def test_the_length_is_measured_before_control_characters_are_removed(tmp_path: Path) -> None:
    _RecordingOutput.delivered = []
    channel = _RecordingInput(ChannelState(tmp_path / "channels.db"))
    received: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        received.append(message)

    padded = "hộ chiếu" + "\u200b" * MAX_MESSAGE_CHARS  # REST answers 413 to this body
    await channel.handle(PlatformEvent("msg-10", "1234567", "text", padded), on_new_message)
    assert received == [] and _RecordingOutput.delivered == [ERROR_TOO_LONG]
    exactly = "a" * MAX_MESSAGE_CHARS
    await channel.handle(PlatformEvent("msg-11", "1234567", "text", exactly), on_new_message)
    assert [message.text for message in received] == [exactly]


class _SlowOutput(PlatformOutput):
    outcome: str = "hang"
    finished: list[str] = []

    async def deliver(
        self, user_id: str, text: str, buttons: list | None = None, staff: bool = False
    ) -> None:
        if self.outcome == "refused":
            raise DeliveryFailed("Zalo refused the message: error -230")
        if self.outcome == "broken":
            raise RuntimeError("unexpected")
        await asyncio.sleep(1.5)  # a platform that does not answer
        self.finished.append(text)


class _SlowInput(_FakeInput):
    def make_output(self) -> PlatformOutput:
        return _SlowOutput(self.state)


def _staff_route(channel: PlatformInput) -> Any:
    blueprint = channel.blueprint(lambda _: asyncio.sleep(0))
    [route] = [route for route in blueprint._future_routes if route.uri == "/staff_message"]
    return route.handler


@pytest.mark.parametrize(("outcome", "status"), [("hang", 504), ("refused", 502), ("broken", 502)])
async def test_a_staff_message_is_answered_within_the_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outcome: str, status: int
) -> None:
    monkeypatch.setenv("RASA_AUTH_TOKEN", "test-token")
    monkeypatch.setattr(platform, "STAFF_DELIVERY_DEADLINE_S", 0.5)
    _SlowOutput.outcome, _SlowOutput.finished = outcome, []
    handler = _staff_route(_SlowInput(ChannelState(tmp_path / "channels.db")))
    body = json.dumps({"recipient": "fake:1234567", "text": "Tôi là cán bộ."}).encode()
    request = SimpleNamespace(headers={"authorization": "Bearer test-token"}, body=body)
    started = time.monotonic()
    answer = await handler(request)
    assert answer.status == status and time.monotonic() - started < 2
    await asyncio.sleep(2)
    assert _SlowOutput.finished == []  # given up is given up: it does not go out after staff were told
