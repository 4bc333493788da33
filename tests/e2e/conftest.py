"""Start the real services process and the real Rasa server once for all end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.devstack import MODEL, Stack, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running
