"""The Messenger channel's reading of webhook bodies and its sending, against the fake Graph API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.fake_platforms import (
    GRAPH_VERSION,
    MESSENGER_PAGE_TOKEN,
    FakeGraph,
    messenger_event,
)
from channels.messenger import MessengerInput, MessengerOutput
from channels.platform import DEFAULT_MAX_EVENT_AGE_S
from channels.state import ChannelState

HOUR_MS = 3600 * 1000


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    server = FakeGraph()
    yield server
    server.stop()


@pytest.fixture
def channel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, graph: FakeGraph) -> MessengerInput:
    monkeypatch.setenv("CITIZENBOT_CHANNELS_DB", str(tmp_path / "channels.db"))
    made = MessengerInput.from_credentials(graph.credentials())
    assert isinstance(made, MessengerInput)
    return made


def _dated(body: dict[str, Any], offset_ms: int) -> dict[str, Any]:
    body["entry"][0]["messaging"][0]["timestamp"] = int(time.time() * 1000) + offset_ms
    return body


def test_the_default_window_is_a_day(channel: MessengerInput) -> None:
    assert channel.max_event_age_s == DEFAULT_MAX_EVENT_AGE_S == 86400


@pytest.mark.parametrize("offset_ms", [-25 * HOUR_MS, 2 * HOUR_MS])
def test_events_outside_the_window_are_dropped(channel: MessengerInput, offset_ms: int) -> None:
    assert channel.read_events(_dated(messenger_event("1234567", {"text": "xin chào"}), offset_ms)) == []


def test_a_retry_hours_after_an_outage_is_answered_once(channel: MessengerInput) -> None:
    body = _dated(messenger_event("1234567", {"text": "xin chào"}), -20 * HOUR_MS)
    [event] = channel.read_events(body)
    assert channel.accept(event)
    assert not channel.accept(channel.read_events(body)[0])


def _item(**fields: Any) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": "PAGE_ID", "messaging": [fields]}]}


NOW_MS = int(time.time() * 1000)


@pytest.mark.parametrize(
    "body",
    [
        {"object": "page"},
        {"object": "page", "entry": "x"},
        {"object": "page", "entry": [{"messaging": "x"}]},
        {"object": "page", "entry": [None, 3, {"messaging": [None, "x"]}]},
        _item(sender="1234567", timestamp=NOW_MS, message={"mid": "m_1", "text": "xin chào"}),
        _item(sender={"id": "1234567"}, timestamp=NOW_MS, message="xin chào"),
        _item(sender={"id": "1234567"}, timestamp=NOW_MS, postback={"payload": 3}),
        _item(sender={"id": "1234567"}, message={"mid": "m_1", "text": "xin chào"}),  # undated
        _item(sender={"id": "1234567"}, timestamp="soon", message={"mid": "m_1", "text": "xin chào"}),
        _item(recipient={"id": "PAGE_ID"}, timestamp=NOW_MS, message={"mid": "m_1", "text": "xin chào"}),
        {
            "object": "instagram",
            "entry": [{"messaging": [{"sender": {"id": "1"}, "message": {"text": "a"}}]}],
        },
    ],
)
def test_malformed_bodies_cause_nothing(channel: MessengerInput, body: dict[str, Any]) -> None:
    assert channel.read_events(body) == []


async def test_a_long_text_reaches_the_graph_api_in_pieces_of_at_most_2000(
    graph: FakeGraph, tmp_path: Path
) -> None:
    text = " ".join(f"Bước {i} là nộp tờ khai và bản sao giấy tờ tại bộ phận một cửa." for i in range(90))
    assert len(text) > 4000
    output = MessengerOutput(
        ChannelState(tmp_path / "channels.db"), MESSENGER_PAGE_TOKEN, f"{graph.url}/{GRAPH_VERSION}"
    )
    buttons = [{"title": "Lệ phí", "payload": "/ask_fee"}, {"title": "Thời gian giải quyết hồ sơ"}]
    await output.deliver("1234567", text, buttons)
    sent = graph.sent.to("1234567")
    pieces = [item["message"]["text"] for item in sent]
    assert len(pieces) == 3 and all(len(piece) <= 2000 for piece in pieces)
    assert " ".join(pieces) == text  # nothing lost, cut between sentences
    assert all(piece.endswith(".") for piece in pieces)
    assert [bool(item["message"].get("quick_replies")) for item in sent] == [False, False, True]
    assert sent[-1]["message"]["quick_replies"] == [
        {"content_type": "text", "title": "Lệ phí", "payload": "/ask_fee"},
        {"content_type": "text", "title": "Thời gian giải quyế…", "payload": "Thời gian giải quyết hồ sơ"},
    ]
    assert all(item["recipient"] == {"id": "1234567"} for item in sent)
