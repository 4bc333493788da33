"""Start the real services process and the real Rasa server once for all end-to-end tests.

The Rasa server also runs the Zalo and Messenger channels, connected to fake platforms on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from bot.devstack import MODEL, Stack, running_stack
from bot.fake_platforms import FakeGraph, FakeZalo
from tests.e2e.browser import launch_chromium


@pytest.fixture(scope="session")
def fake_zalo() -> Iterator[FakeZalo]:
    server = FakeZalo()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_graph() -> Iterator[FakeGraph]:
    server = FakeGraph()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, fake_zalo: FakeZalo, fake_graph: FakeGraph
) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    workdir = tmp_path_factory.mktemp("stack")
    channels = {
        "channels.zalo.ZaloInput": fake_zalo.credentials(str(workdir / "zalo_tokens.json")),
        "channels.messenger.MessengerInput": fake_graph.credentials(),
    }
    with running_stack(workdir, channels=channels) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = launch_chromium(playwright.chromium)
        yield launched
        launched.close()
