"""Tokens come from the environment, else from a private file created once and shared by both processes."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.access_tokens import ACTIONS, RASA_API, STAFF, export_all, read_token


def test_a_token_is_generated_once_into_a_private_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(RASA_API.env, raising=False)
    first = read_token(RASA_API, tmp_path)
    path = tmp_path / "rasa_api_token"
    assert len(first) >= 32 and path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_token(RASA_API, tmp_path) == first


def test_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ACTIONS.env, "from-env")
    assert read_token(ACTIONS, tmp_path) == "from-env"
    assert not (tmp_path / ACTIONS.file_name).exists()


def test_processes_starting_together_read_the_same_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(STAFF.env, raising=False)
    with ThreadPoolExecutor(8) as pool:
        tokens = set(pool.map(lambda _: read_token(STAFF, tmp_path), range(32)))
    assert len(tokens) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["staff_token"]


def test_each_kind_has_its_own_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for source in (STAFF, RASA_API, ACTIONS):
        monkeypatch.delenv(source.env, raising=False)
    tokens = export_all(tmp_path)
    assert len(set(tokens.values())) == 3
