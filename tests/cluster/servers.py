"""Private PostgreSQL and Redis servers on 127.0.0.1, for the tests that restart them under a cluster.

The machine's own servers (5432, 6379) serve the other cluster tests; restarting those would disturb
everything else on the machine, so the restart tests start servers of their own from the same Debian
binaries, in a temporary folder, on free ports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.devstack import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; the Debian package's user owns them then.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _wait_until(check: object, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise RuntimeError("server did not come up")


class PrivatePostgres:
    """A throw-away PostgreSQL cluster with trust authentication."""

    def __init__(self) -> None:
        # Directly under /tmp: the postgres user must reach it, and a test's own folders are private.
        self.folder = Path(tempfile.mkdtemp(prefix="citizenbot-pg-"))
        self.data = self.folder / "pgdata"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/citizenbot"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]),
            check=True, capture_output=True,
        )  # fmt: skip

    def _ready(self) -> bool:
        probe = [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)]
        return subprocess.run(probe, capture_output=True).returncode == 0

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        log = str(self.folder / "postgres.log")
        command = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start"]
        subprocess.run(_as_postgres(command), check=True, capture_output=True)
        _wait_until(self._ready)

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )  # fmt: skip

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def restart(self) -> None:
        self.stop()
        self.start()


class PrivateRedis:
    """A Redis server that keeps nothing on disk, like the machine's."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def _ready(self) -> bool:
        ping = ["redis-cli", "-p", str(self.port), "ping"]
        return subprocess.run(ping, capture_output=True, text=True).stdout.strip() == "PONG"

    def start(self) -> None:
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_until(self._ready)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def private_servers() -> Iterator[tuple[PrivatePostgres, PrivateRedis]]:
    """Both servers started, stopped and removed on exit."""
    postgres, redis = PrivatePostgres(), PrivateRedis()
    postgres.start()
    redis.start()
    try:
        yield postgres, redis
    finally:
        redis.stop()
        postgres.remove()
