"""Start the real services process and Rasa server on free local ports (for end-to-end tests and bench)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from bot.access_tokens import ACTIONS, RASA_API, STAFF

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "citizenbot.tar.gz"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Stack:
    """URLs and processes of a running pair of servers."""

    rasa_url: str
    services_url: str
    rasa: subprocess.Popen
    services: subprocess.Popen
    services_start_s: float
    rasa_start_s: float
    staff_token: str = ""
    rasa_token: str = ""
    action_token: str = ""
    workdir: Path = Path(".")
    # A third origin both servers accept from a browser: a test may serve a portal embedding the widget there.
    portal_origin: str = ""

    @property
    def services_log(self) -> Path:
        """What the services process wrote (stdout and stderr)."""
        return self.workdir / "services.log"

    @property
    def rasa_log(self) -> Path:
        """What the Rasa server wrote (stdout and stderr)."""
        return self.workdir / "rasa.log"

    def say(self, sender: str, text: str) -> list[dict]:
        """Send one message over REST; the bot's replies."""
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
        )
        response.raise_for_status()
        return response.json()

    def rasa_api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call Rasa's HTTP API with the run's token (``?token=…``, as Rasa reads it)."""
        params = {**kwargs.pop("params", {}), "token": self.rasa_token}
        return httpx.request(method, f"{self.rasa_url}{path}", params=params, timeout=60, **kwargs)

    def staff(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call the staff API of the services process with the run's token."""
        headers = {"Authorization": f"Bearer {self.staff_token}"}
        return httpx.request(
            method, f"{self.services_url}/api/staff{path}", headers=headers, timeout=30, **kwargs
        )


def _wait(url: str, processes: list[subprocess.Popen], logs: list[Path], timeout_s: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        for process in processes:
            if process.poll() is not None:
                tails = "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
                raise RuntimeError(f"a server exited while starting:\n{tails}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready after {timeout_s:.0f} s")


@contextmanager
def running_stack(
    workdir: Path,
    model: Path = MODEL,
    timeout_s: float = 300,
    channels: dict[str, dict[str, Any]] | None = None,
) -> Iterator[Stack]:
    """Both servers with a fresh SQLite tracker store in ``workdir``; stopped on exit.

    ``channels`` adds input channels to the REST one (credentials.yml's keys and sections).
    """
    if not model.exists():
        raise FileNotFoundError(f"no trained model at {model}: run `make train`")
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        yaml.safe_dump({"channels.rest.CitizenRestInput": None, **(channels or {})}), encoding="utf-8"
    )
    rasa_port, actions_port = free_port(), free_port()
    portal_origin = f"http://127.0.0.1:{free_port()}"
    tokens = {name: secrets.token_urlsafe(16) for name in (STAFF.env, RASA_API.env, ACTIONS.env)}
    env = {
        **os.environ,
        **tokens,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        # Records and conversations of this run stay in the work directory; endpoints.yml reads these.
        "CITIZENBOT_DB": str(workdir / "citizenbot.db"),
        "CITIZENBOT_TRACKER_DB": str(workdir / "tracker.db"),
        "CITIZENBOT_CHANNELS_DB": str(workdir / "channels.db"),
        "CITIZENBOT_ACTIONS_URL": f"http://127.0.0.1:{actions_port}/webhook",
    }
    logs = [workdir / "services.log", workdir / "rasa.log"]
    services = subprocess.Popen(
        [str(ROOT / ".venv/services/bin/python"), "-m", "bot.services.server", "--port", str(actions_port),
         "--rasa-url", f"http://127.0.0.1:{rasa_port}", "--demo", "--allow-origin", portal_origin],
        cwd=ROOT, env=env, stdout=logs[0].open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    rasa = subprocess.Popen(
        [str(ROOT / ".venv/rasa/bin/python"), "-m", "bot.rasa_server", "--model", str(model),
         "--port", str(rasa_port), "--allow-origin", f"http://127.0.0.1:{actions_port}",
         "--allow-origin", portal_origin, "--credentials", str(credentials)],
        cwd=ROOT, env=env, stdout=logs[1].open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    processes = [services, rasa]
    try:
        services_start = _wait(f"http://127.0.0.1:{actions_port}/health", processes, logs, timeout_s)
        rasa_start = _wait(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", processes, logs, timeout_s)
        yield Stack(
            f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", rasa, services,
            services_start, rasa_start, tokens[STAFF.env], tokens[RASA_API.env], tokens[ACTIONS.env],
            workdir, portal_origin,
        )  # fmt: skip
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
