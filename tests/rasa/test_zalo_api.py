"""The Zalo API client against the fake Zalo: token refresh (early, on errors, two servers), safe writes."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.fake_platforms import ZALO_APP_ID, ZALO_APP_SECRET, FakeZalo
from channels import zalo_api
from channels.platform import DeliveryFailed
from channels.zalo_api import TokenFile, ZaloApi, ZaloTokens

DAY_S = 86400


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    server = FakeZalo()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zalo_api, "BACKOFF_S", (0.01, 0.01, 0.01))


def _stored(fake: FakeZalo, path: Path, expires_in_s: float) -> TokenFile:
    tokens = TokenFile(path)
    tokens.save(ZaloTokens(fake.access_token, fake.refresh_token, time.time() + expires_in_s))
    return tokens


def _api(fake: FakeZalo, tokens: TokenFile, oauth_base: str | None = None) -> ZaloApi:
    return ZaloApi(ZALO_APP_ID, ZALO_APP_SECRET, tokens, None, fake.url, oauth_base or fake.url, timeout_s=4)


async def test_the_token_is_refreshed_shortly_before_it_expires(fake: FakeZalo, tmp_path: Path) -> None:
    tokens = _stored(fake, tmp_path / "zalo_tokens.json", expires_in_s=60)
    await _api(fake, tokens).send("1234567", {"text": "xin chào"})
    assert fake.refreshes == 1
    assert fake.sent.to("1234567") == [{"user_id": "1234567", "message": {"text": "xin chào"}}]
    kept = tokens.load()
    assert kept is not None and (kept.access_token, kept.refresh_token) == (
        fake.access_token,
        fake.refresh_token,
    )
    assert kept.expires_at > time.time() + DAY_S  # the fake grants 90,000 s


async def test_a_token_far_from_expiry_is_used_as_it_is(fake: FakeZalo, tmp_path: Path) -> None:
    tokens = _stored(fake, tmp_path / "zalo_tokens.json", expires_in_s=DAY_S)
    await _api(fake, tokens).send("1234567", {"text": "xin chào"})
    assert fake.refresh_calls == 0 and len(fake.sent.to("1234567")) == 1


def test_two_servers_refreshing_at_once_spend_the_refresh_token_once(fake: FakeZalo, tmp_path: Path) -> None:
    path = tmp_path / "zalo_tokens.json"
    _stored(fake, path, expires_in_s=60)
    stale = fake.access_token
    fake.refresh_delay_s = 0.5  # both ask while the first refresh is under way
    results: list[ZaloTokens | BaseException] = []
    start = threading.Barrier(2)

    def server() -> None:
        # Each its own client, event loop and lock-file descriptor, as two Rasa servers on one host.
        api = _api(fake, TokenFile(path))
        start.wait()
        try:
            results.append(asyncio.run(api.refresh(stale)))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            results.append(error)

    threads = [threading.Thread(target=server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert fake.refresh_calls == 1 and fake.refreshes == 1
    assert results == [TokenFile(path).load()] * 2
    assert fake.access_token == results[0].access_token  # type: ignore[union-attr]


def test_a_crash_before_the_rename_leaves_the_old_pair_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "zalo_tokens.json"
    old = ZaloTokens("access-old", "refresh-old", 1000.0)
    TokenFile(path).save(old)

    def power_cut(*_: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError):
        TokenFile(path).save(ZaloTokens("access-new", "refresh-new", 2000.0))
    monkeypatch.undo()
    assert TokenFile(path).load() == old
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no half-written file left beside it
    TokenFile(path).save(ZaloTokens("access-new", "refresh-new", 2000.0))
    assert TokenFile(path).load() == ZaloTokens("access-new", "refresh-new", 2000.0)
    assert oct(path.stat().st_mode & 0o777) == "0o600"


async def test_an_invalid_field_does_not_spend_the_refresh_token(fake: FakeZalo, tmp_path: Path) -> None:
    tokens = _stored(fake, tmp_path / "zalo_tokens.json", expires_in_s=DAY_S)
    fake.fail_next = [-201]  # "<data_field> is invalid": a new token would not change that
    with pytest.raises(DeliveryFailed, match="-201"):
        await _api(fake, tokens).send("1234567", {"text": "xin chào"})
    assert fake.refresh_calls == 0


@pytest.mark.parametrize("code", [-216, -124])
async def test_an_invalid_or_expired_token_is_refreshed_once(
    fake: FakeZalo, tmp_path: Path, code: int
) -> None:
    tokens = _stored(fake, tmp_path / "zalo_tokens.json", expires_in_s=DAY_S)
    fake.fail_next = [code]
    await _api(fake, tokens).send("1234567", {"text": "xin chào"})
    assert fake.refreshes == 1 and len(fake.sent.to("1234567")) == 1


@pytest.mark.parametrize("answer", [(200, b"<html>Bad gateway</html>"), (502, b"{}"), (200, b"[1]")])
async def test_a_token_endpoint_answer_that_is_not_usable_is_retried(
    fake: FakeZalo, tmp_path: Path, answer: tuple[int, bytes]
) -> None:
    tokens = _stored(fake, tmp_path / "zalo_tokens.json", expires_in_s=DAY_S)
    fake.expire_access_token()
    fake.refresh_answers = [answer]
    await _api(fake, tokens).send("1234567", {"text": "xin chào"})
    assert fake.refresh_calls == 2 and fake.refreshes == 1
    assert len(fake.sent.to("1234567")) == 1


async def test_a_token_endpoint_that_stays_broken_is_a_delivery_failure(
    fake: FakeZalo, tmp_path: Path
) -> None:
    tokens = _stored(fake, tmp_path / "zalo_tokens.json", expires_in_s=DAY_S)
    fake.expire_access_token()
    fake.refresh_answers = [(200, b"not json")] * 4
    with pytest.raises(DeliveryFailed):
        await _api(fake, tokens).send("1234567", {"text": "xin chào"})
    assert fake.refresh_calls == 4 and fake.sent.to("1234567") == []


async def test_an_unreachable_token_endpoint_is_a_delivery_failure(fake: FakeZalo, tmp_path: Path) -> None:
    tokens = _stored(fake, tmp_path / "zalo_tokens.json", expires_in_s=DAY_S)
    fake.expire_access_token()
    with pytest.raises(DeliveryFailed, match="unreachable"):
        await _api(fake, tokens, oauth_base="http://127.0.0.1:9").send("1234567", {"text": "xin chào"})


async def test_a_failed_early_refresh_still_sends_with_the_current_token(
    fake: FakeZalo, tmp_path: Path
) -> None:
    tokens = _stored(fake, tmp_path / "zalo_tokens.json", expires_in_s=60)
    fake.refresh_answers = [(200, b"not json")] * 4
    await _api(fake, tokens).send("1234567", {"text": "xin chào"})
    assert len(fake.sent.to("1234567")) == 1
