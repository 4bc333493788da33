"""Start the real services process and the real Rasa server once for all end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "citizenbot.tar.gz"
START_TIMEOUT_S = 300


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Stack:
    rasa_url: str
    services_url: str

    def say(self, sender: str, text: str) -> list[dict]:
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        assert response.status_code == 200, response.text
        return response.json()


def _wait(url: str, processes: list[subprocess.Popen], logs: list[Path]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                tails = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
                raise RuntimeError(f"a server exited while starting:\n{tails}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} not ready after {START_TIMEOUT_S} s")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    workdir = tmp_path_factory.mktemp("stack")
    rasa_port, actions_port = _free_port(), _free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{workdir / "tracker.db"}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    logs = [workdir / "services.log", workdir / "rasa.log"]
    services = subprocess.Popen(
        [str(ROOT / ".venv/services/bin/python"), "-m", "bot.services.server", "--port", str(actions_port)],
        cwd=ROOT,
        env=env,
        stdout=logs[0].open("w"),
        stderr=subprocess.STDOUT,
    )
    rasa = subprocess.Popen(
        [
            str(ROOT / ".venv/rasa/bin/rasa"),
            "run",
            "--model",
            str(MODEL),
            "--enable-api",
            "--port",
            str(rasa_port),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(ROOT / "credentials.yml"),
        ],
        cwd=ROOT,
        env=env,
        stdout=logs[1].open("w"),
        stderr=subprocess.STDOUT,
    )
    processes = [services, rasa]
    try:
        _wait(f"http://127.0.0.1:{actions_port}/health", processes, logs)
        _wait(f"http://127.0.0.1:{rasa_port}/status", processes, logs)
        yield Stack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
