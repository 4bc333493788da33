"""The Zalo channel's verification and reading of webhook bodies, without a Rasa server."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.fake_platforms import ZALO_APP_ID, ZALO_OA_SECRET, zalo_event, zalo_signed
from channels.platform import DEFAULT_MAX_EVENT_AGE_S, FUTURE_SKEW_S
from channels.state import SEEN_KEPT_S, ChannelState
from channels.zalo import ZaloInput

HOUR_MS = 3600 * 1000


@pytest.fixture
def channel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ZaloInput:
    monkeypatch.setenv("CITIZENBOT_CHANNELS_DB", str(tmp_path / "channels.db"))
    credentials = {  # nothing is sent in these tests
        "app_id": ZALO_APP_ID, "oa_secret_key": ZALO_OA_SECRET, "refresh_token": "refresh-0",
        "token_file": str(tmp_path / "zalo_tokens.json"), "api_base": "http://127.0.0.1:9",
    }  # fmt: skip
    made = ZaloInput.from_credentials(credentials)
    assert isinstance(made, ZaloInput)
    return made


def _request(body: dict[str, Any], secret: str | None = None) -> SimpleNamespace:
    raw, headers = zalo_signed(body) if secret is None else zalo_signed(body, secret=secret)
    return SimpleNamespace(body=raw, headers={key.lower(): value for key, value in headers.items()})


def _now_ms(offset_ms: int = 0) -> int:
    return int(time.time() * 1000) + offset_ms


def test_the_default_window_is_a_day(channel: ZaloInput) -> None:
    assert channel.max_event_age_s == DEFAULT_MAX_EVENT_AGE_S == 86400


def test_a_window_longer_than_ids_are_kept_is_cut_down(tmp_path: Path) -> None:
    credentials = {"app_id": "1", "oa_secret_key": "k", "refresh_token": "r", "max_event_age_s": 30 * 86400}
    made = ZaloInput.from_credentials({**credentials, "token_file": str(tmp_path / "t.json")})
    assert isinstance(made, ZaloInput) and made.max_event_age_s <= SEEN_KEPT_S - FUTURE_SKEW_S


@pytest.mark.parametrize("offset_ms", [-25 * HOUR_MS, -30 * 24 * HOUR_MS, 2 * HOUR_MS])
def test_a_genuine_event_outside_the_window_is_acknowledged_and_dropped(
    channel: ZaloInput, offset_ms: int
) -> None:
    answer = channel.verify(_request(zalo_event("1234567", "xin chào", at_ms=_now_ms(offset_ms))))
    assert answer is not None and answer.status == 200  # Zalo stops retrying; nothing is processed
    assert json.loads(answer.body)["status"] == "stale event dropped"


def test_a_forged_stale_event_is_still_refused(channel: ZaloInput) -> None:
    old = zalo_event("1234567", "xin chào", at_ms=_now_ms(-25 * HOUR_MS))
    answer = channel.verify(_request(old, secret="not-the-secret"))
    assert answer is not None and answer.status == 403


def test_an_event_retried_hours_after_an_outage_is_processed_once(channel: ZaloInput) -> None:
    body = zalo_event("1234567", "lệ phí làm hộ chiếu", at_ms=_now_ms(-20 * HOUR_MS))
    assert channel.verify(_request(body)) is None
    [event] = channel.read_events(body)
    assert channel.accept(event)
    assert channel.verify(_request(body)) is None
    assert not channel.accept(channel.read_events(body)[0])  # replayed within the window: dropped


def test_seen_ids_outlive_the_window_and_are_forgotten_after(tmp_path: Path) -> None:
    path = tmp_path / "channels.db"
    state = ChannelState(path)
    now = time.time()
    assert state.accept("zalo", "young", "{}", now=now - DEFAULT_MAX_EVENT_AGE_S - 3600)
    assert state.accept("zalo", "old", "{}", now=now - SEEN_KEPT_S - 60)
    assert state.forget_old_events(now) == 1
    assert not state.accept("zalo", "young", "{}")  # still a replay
    assert state.accept("zalo", "old", "{}")  # too old to pass any window: the id could go


@pytest.mark.parametrize(
    "body",
    [
        {**zalo_event("1234567", "xin chào"), "sender": None},
        {key: value for key, value in zalo_event("1234567", "xin chào").items() if key != "sender"},
        {key: value for key, value in zalo_event("1234567", "xin chào").items() if key != "message"},
        {**zalo_event("1234567", "xin chào"), "message": "xin chào"},
        zalo_event("1234567"),  # a text event without its text
        zalo_event("1234567", "xin chào", event_name="oa_send_text"),
        zalo_event("1234567", "xin chào", event_name="user_seen_message"),
        {**zalo_event("1234567", "xin chào"), "event_name": None},
    ],
)
def test_malformed_or_foreign_events_cause_nothing(channel: ZaloInput, body: dict[str, Any]) -> None:
    assert channel.verify(_request(body)) is None  # correctly signed
    assert channel.read_events(body) == []


@pytest.mark.parametrize("name", ["user_send_image", "user_send_audio", "user_send_something_new"])
def test_every_other_user_send_event_gets_the_polite_line(channel: ZaloInput, name: str) -> None:
    [event] = channel.read_events(zalo_event("1234567", event_name=name))
    assert event.kind == "unsupported" and event.user_id == "1234567"
