"""The assistant scaled out on one machine: Rasa servers and services processes behind nginx.

``make run-cluster`` (``python -m bot.cluster``), the cluster tests and ``make bench --load`` start it.
Every Rasa server reads deploy/endpoints.cluster.yml: conversations live in PostgreSQL, the turn lock of
a conversation in Redis, so any Rasa server can answer any message. The services processes share their
records (handoffs, tickets, the console's tables) in the same PostgreSQL database. nginx
(deploy/nginx.conf.template) gives the cluster one public address and spreads the action calls over the
services processes. Each process can be killed and started again on its own, as the fault tests do.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from bot.access_tokens import ACTIONS, RASA_API, STAFF, read_token
from bot.devstack import MODEL, ROOT, free_port

NGINX = "/usr/sbin/nginx"
DEFAULT_DATABASE_URL = "postgresql://127.0.0.1:5432/citizenbot"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass
class ClusterSpec:
    """What to start, and where its files go."""

    workdir: Path
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    rasa_servers: int = 2
    action_servers: int = 2
    public_port: int = 0  # 0: a free port
    listen_host: str = "127.0.0.1"
    model: Path = MODEL
    credentials: Path | None = None  # None: REST only
    demo: bool = False
    # Tokens given to every process; none: each reads or creates its var/ file (make run-cluster).
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass
class Member:
    """One process of the cluster: how to start it and how to tell it is ready."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the process, its output appended to its log."""
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def running(self) -> bool:
        """Whether the process was started and has not exited."""
        return self.process is not None and self.process.poll() is None

    def stop(self, kill: bool = False) -> None:
        """Stop it (SIGTERM; SIGKILL with ``kill``, as a crash would) and wait for it to exit."""
        if not self.running():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def ensure_database(database_url: str) -> None:
    """Create the cluster's PostgreSQL database if it does not exist yet."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SystemExit(f"database name must be a plain identifier: {name!r}")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(database_url: str) -> None:
    """Drop a database made for one test run (its connections are closed first)."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _rasa_store_env(database_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    """The variables deploy/endpoints.cluster.yml reads."""
    database, redis = urlsplit(database_url), urlsplit(redis_url)
    return {
        "CITIZENBOT_PG_HOST": database.hostname or "127.0.0.1",
        "CITIZENBOT_PG_PORT": str(database.port or 5432),
        "CITIZENBOT_PG_DATABASE": database.path.lstrip("/"),
        "CITIZENBOT_PG_USER": database.username or os.environ.get("USER", "postgres"),
        "CITIZENBOT_PG_PASSWORD": database.password or "",
        "CITIZENBOT_REDIS_HOST": redis.hostname or "127.0.0.1",
        "CITIZENBOT_REDIS_PORT": str(redis.port or 6379),
        "CITIZENBOT_REDIS_DB": redis.path.lstrip("/") or "0",
        "CITIZENBOT_REDIS_PREFIX": prefix,
    }


def _lock_prefix(database_url: str) -> str:
    # Clusters on one Redis keep their locks apart by database; Rasa takes letters and digits only.
    return "citizenbot" + re.sub(r"[^A-Za-z0-9]", "", urlsplit(database_url).path)


def render_nginx(
    spec: ClusterSpec, rasa_ports: list[int], action_ports: list[int], public: int, actions: int
) -> str:
    """deploy/nginx.conf.template with this cluster's ports and folders."""
    run_dir = spec.workdir / "nginx"
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / name).mkdir(parents=True, exist_ok=True)

    def servers(ports: list[int]) -> str:
        # Never marked down: a stopped server on this machine refuses at once and the next one is tried,
        # while a server marked down would be skipped for a while after it is back, and with all of them
        # marked down a citizen's message would fail although a server is up again.
        return "\n".join(f"    server 127.0.0.1:{port} max_fails=0;" for port in ports)

    values = {
        "run_dir": str(run_dir),
        "rasa_servers": servers(rasa_ports),
        "action_servers": servers(action_ports),
        "listen_host": spec.listen_host,
        "public_port": str(public),
        "actions_port": str(actions),
    }
    template = (ROOT / "deploy" / "nginx.conf.template").read_text(encoding="utf-8")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


class Cluster:
    """The processes of one cluster, by name: rasa-1…, services-1…, nginx."""

    def __init__(self, spec: ClusterSpec) -> None:
        self.spec = spec
        spec.workdir.mkdir(parents=True, exist_ok=True)
        self.public_port = spec.public_port or free_port()
        self.actions_port = free_port()
        self.rasa_ports = [free_port() for _ in range(spec.rasa_servers)]
        self.action_ports = [free_port() for _ in range(spec.action_servers)]
        self.public_url = f"http://{spec.listen_host}:{self.public_port}"
        base_env = {
            **os.environ,
            **spec.tokens,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "CITIZENBOT_ACTIONS_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
            "CITIZENBOT_DATABASE_URL": spec.database_url,
            "CITIZENBOT_TRACKER_DATABASE_URL": spec.database_url,
            "CITIZENBOT_CHANNELS_DB": str(spec.workdir / "channels.db"),
            **_rasa_store_env(spec.database_url, spec.redis_url, _lock_prefix(spec.database_url)),
        }
        logs = spec.workdir / "log"
        logs.mkdir(exist_ok=True)
        self.members: dict[str, Member] = {}
        for number, port in enumerate(self.action_ports, start=1):
            command = [
                str(ROOT / ".venv/services/bin/python"), "-m", "bot.services.server", "--port", str(port),
                "--rasa-url", self.public_url,
            ]  # fmt: skip
            if spec.demo:
                command.append("--demo")
            # Two processes share two cores: one thread each for the sentence encoder.
            env = {**base_env, "OMP_NUM_THREADS": "1"}
            self._add(f"services-{number}", command, env, f"http://127.0.0.1:{port}/health")
        credentials = spec.credentials or self._rest_only_credentials()
        for number, port in enumerate(self.rasa_ports, start=1):
            command = [
                str(ROOT / ".venv/rasa/bin/python"), "-m", "bot.rasa_server", "--model", str(spec.model),
                "--port", str(port), "--endpoints", str(ROOT / "deploy" / "endpoints.cluster.yml"),
                "--credentials", str(credentials), *self._origins(),
            ]  # fmt: skip
            env = {**base_env, "TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1"}
            self._add(f"rasa-{number}", command, env, f"http://127.0.0.1:{port}/webhooks/rest/")
        config = spec.workdir / "nginx.conf"
        config.write_text(
            render_nginx(spec, self.rasa_ports, self.action_ports, self.public_port, self.actions_port),
            encoding="utf-8",
        )
        # -e: nginx's own start-up messages go to the work folder, not to /var/log (not writable for a user).
        error_log = str(spec.workdir / "nginx" / "nginx-error.log")
        self._add("nginx", [NGINX, "-e", error_log, "-c", str(config)], base_env, f"{self.public_url}/health")

    def _origins(self) -> list[str]:
        # The portal page is served by the cluster itself, under either name of this machine.
        hosts = {self.spec.listen_host} | (
            {"localhost", "127.0.0.1"} if self.spec.listen_host == "127.0.0.1" else set()
        )
        return [
            arg for host in sorted(hosts) for arg in ("--allow-origin", f"http://{host}:{self.public_port}")
        ]

    def _add(self, name: str, command: list[str], env: dict[str, str], ready_url: str) -> None:
        self.members[name] = Member(name, command, env, ready_url, self.spec.workdir / "log" / f"{name}.log")

    def _rest_only_credentials(self) -> Path:
        path = self.spec.workdir / "credentials.yml"
        path.write_text(yaml.safe_dump({"channels.rest.CitizenRestInput": None}), encoding="utf-8")
        return path

    def names(self, kind: str) -> list[str]:
        """The members of one kind: "rasa", "services" or "nginx"."""
        return [name for name in self.members if name.split("-")[0] == kind]

    def rasa_url(self, number: int) -> str:
        """One Rasa server's own address, bypassing nginx."""
        return f"http://127.0.0.1:{self.rasa_ports[number - 1]}"

    def services_url(self, number: int) -> str:
        """One services process's own address, bypassing nginx."""
        return f"http://127.0.0.1:{self.action_ports[number - 1]}"

    def start(self, timeout_s: float = 300) -> None:
        """Start all: services, one Rasa server (it creates the tables), the other Rasa servers, nginx."""
        ensure_database(self.spec.database_url)
        services, rasa = self.names("services"), self.names("rasa")
        for group in (services, rasa[:1], rasa[1:], ["nginx"]):
            for name in group:
                self.members[name].start()
            for name in group:
                self.wait_ready(name, timeout_s)

    def restart(self, name: str, timeout_s: float = 300) -> None:
        """Start a stopped or killed member again and wait until it answers."""
        member = self.members[name]
        member.stop()
        member.start()
        self.wait_ready(name, timeout_s)

    def wait_ready(self, name: str, timeout_s: float = 300) -> float:
        """Seconds until ``name`` answered its ready URL; an error if it died or never answered."""
        member = self.members[name]
        started = time.perf_counter()
        while time.perf_counter() - started < timeout_s:
            if not member.running():
                tail = member.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited while starting:\n{tail}")
            try:
                if httpx.get(member.ready_url, timeout=2).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{name} not ready after {timeout_s:.0f} s (log: {member.log})")

    def stop(self) -> None:
        """Stop every member, nginx first so that no request reaches a stopping server."""
        for name in reversed(list(self.members)):
            self.members[name].stop()

    def say(self, sender: str, text: str, base_url: str | None = None) -> list[dict[str, Any]]:
        """One message over REST, through nginx unless ``base_url`` names one Rasa server."""
        response = httpx.post(
            f"{base_url or self.public_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=120,
        )
        response.raise_for_status()
        return response.json()

    def pids(self) -> dict[str, int]:
        """The process id of each running member."""
        return {name: m.process.pid for name, m in self.members.items() if m.running() and m.process}


def fresh_tokens() -> dict[str, str]:
    """Fresh tokens for a cluster that must not share var/'s (tests, bench)."""
    return {name: secrets.token_urlsafe(16) for name in (STAFF.env, RASA_API.env, ACTIONS.env)}


@contextmanager
def running_cluster(spec: ClusterSpec, timeout_s: float = 300) -> Iterator[Cluster]:
    """A started cluster, stopped on exit (also when starting failed half-way)."""
    cluster = Cluster(spec)
    try:
        cluster.start(timeout_s)
        yield cluster
    finally:
        cluster.stop()


def main(argv: list[str] | None = None) -> None:
    """``make run-cluster``: start the cluster on this machine and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(
        description="Start two Rasa servers and two services processes behind nginx"
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "8080")))
    parser.add_argument("--host", default=os.environ.get("CITIZENBOT_CLUSTER_HOST", "127.0.0.1"))
    parser.add_argument(
        "--database-url", default=os.environ.get("CITIZENBOT_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--redis-url", default=os.environ.get("CITIZENBOT_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--rasa-servers", type=int, default=2)
    parser.add_argument("--action-servers", type=int, default=2)
    parser.add_argument("--demo", action="store_true", help="load the demo dossiers (never beside real ones)")
    args = parser.parse_args(argv)
    for token in (STAFF, RASA_API, ACTIONS):
        read_token(token)  # generated once into var/ before the processes start, so they all read the same
    spec = ClusterSpec(
        workdir=ROOT / "var" / "cluster",
        database_url=args.database_url,
        redis_url=args.redis_url,
        rasa_servers=args.rasa_servers,
        action_servers=args.action_servers,
        public_port=args.port,
        listen_host=args.host,
        credentials=ROOT / "credentials.yml",
        demo=args.demo,
    )
    started = time.perf_counter()
    print(f"Starting {args.action_servers} services processes, {args.rasa_servers} Rasa servers and nginx…")
    with running_cluster(spec) as cluster:
        print(f"\nReady in {time.perf_counter() - started:.0f} s.")
        print(f"  Portal and chat:  {cluster.public_url}/")
        rest = f"{cluster.public_url}/webhooks/rest/webhook"
        print(f'  REST channel:     curl -s {rest} -d \'{{"sender":"me","message":"xin chào"}}\'')
        print(f"  Staff console:    {cluster.public_url}/console/ (accounts: citizenbot staff add)")
        print(f"  Conversations:    PostgreSQL {args.database_url}; turn locks: Redis {args.redis_url}")
        print(
            "  Tokens:           var/staff_token, var/rasa_api_token, var/action_token (or the environment)"
        )
        print(f"  Logs:             {spec.workdir / 'log'}/")
        print("Press Ctrl-C to stop.")
        failed = False
        try:
            while all(member.running() for member in cluster.members.values()):
                time.sleep(1)
            failed = True
            print("A process exited unexpectedly; see the logs. Stopping the others…")
        except KeyboardInterrupt:
            print("\nStopping…")
    print("Stopped.")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
