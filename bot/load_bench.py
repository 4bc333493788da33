"""Load figures (``make bench-load``): simulated citizens holding five-turn conversations over REST.

``python -m bot.load_bench [--citizens 32] [--seconds 60] [--setup single|cluster|both]`` starts the
assistant itself (one Rasa server and one services process on SQLite, as ``make run``; or the cluster of
``make run-cluster`` on PostgreSQL and Redis), lets every citizen talk without pause for the given time, and
prints latency percentiles, messages per second, errors, the peak memory of each process and where the time
of a turn went (the servers' per-stage timings, $CITIZENBOT_PROFILE_DIR).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from bot.cluster import ClusterSpec, drop_database, fresh_tokens, running_cluster
from bot.devstack import running_stack

# Five-turn conversations as citizens hold them: a procedure and its follow-ups, a dossier look-up (a form
# in the middle), small talk around them. Each simulated citizen goes through them in turn.
CONVERSATIONS = [
    ["xin chào", "thủ tục đăng ký thường trú cần giấy tờ gì", "còn lệ phí thì sao?", "thế mất bao lâu",
     "nộp online được không"],
    ["cho hỏi làm hộ chiếu ở đâu", "lệ phí bao nhiêu", "cần mang theo gì", "cảm ơn", "tạm biệt"],
    ["tra cứu hồ sơ", "000.00.04.H51-261118-0002", "0222", "trung tâm làm việc mấy giờ", "cảm ơn bạn"],
    ["dang ky ket hon can gi", "le phi the nao", "mat bao lau", "nop o dau", "ok cam on"],
    ["cấp lại thẻ căn cước", "hồ sơ gồm những gì", "bao lâu thì có", "bạn là người hay máy", "cảm ơn"],
    ["đăng ký khai sinh cho con", "có mất phí không", "làm ở ubnd xã được không", "thời gian giải quyết",
     "cảm ơn nhé"],
]  # fmt: skip
OUTAGE = "tạm thời gián đoạn"  # bot/action_outage.py: the action server failed
STAGES = [
    ("lock", "waiting for the conversation's lock"),
    ("tracker_load", "loading the tracker"),
    ("nlu", "NLU (tokeniser, featurisers, DIET, response selector)"),
    ("policies", "policies (memoization, rules)"),
    # Measured in the Rasa server: includes waiting for its own event loop, busy with other turns' NLU.
    ("action_server", "action calls (+ waiting for the event loop)"),
    ("tracker_save", "saving the tracker (with redaction)"),
]


@dataclass
class LoadResult:
    """What the simulated citizens saw."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    unanswered: int = 0
    seconds: float = 0.0


async def _citizen(
    client: httpx.AsyncClient, url: str, number: int, deadline: float, result: LoadResult
) -> None:
    run = secrets.token_hex(3)
    conversation = 0
    while time.perf_counter() < deadline:
        sender = f"load-{run}-{number}-{conversation}"
        for text in CONVERSATIONS[(number + conversation) % len(CONVERSATIONS)]:
            if time.perf_counter() >= deadline:
                return
            started = time.perf_counter()
            try:
                response = await client.post(url, json={"sender": sender, "message": text})
                replies = response.json() if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                replies = None
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            if replies is None or any(OUTAGE in str(reply.get("text", "")) for reply in replies):
                result.errors += 1
            elif not replies:
                result.unanswered += 1
        conversation += 1


async def _load(url: str, citizens: int, seconds: float) -> LoadResult:
    result = LoadResult()
    limits = httpx.Limits(max_connections=citizens, max_keepalive_connections=citizens)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(_citizen(client, url, n, deadline, result) for n in range(citizens)))
        result.seconds = time.perf_counter() - started
    return result


def memory_mb(pid: int, field: str = "VmHWM") -> float:
    """A figure of /proc/<pid>/status in MB: VmHWM, the peak resident size so far; VmRSS, the current one."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _warm_up(url: str) -> None:
    with httpx.Client(timeout=120) as client:
        for conversation in CONVERSATIONS:
            for text in conversation:
                client.post(url, json={"sender": "warm-up", "message": text})


def stage_profile(directory: Path) -> list[str]:
    """Mean and p95 per turn of each stage, from the Rasa servers' and services' timing files."""
    turns = [json.loads(line) for path in directory.glob("rasa-*.jsonl") for line in path.open()]
    actions = [json.loads(line) for path in directory.glob("services-*.jsonl") for line in path.open()]
    if not turns:
        return ["  (no timings recorded)"]
    lines = [f"  {len(turns)} turns; per turn: mean / p95 ms"]
    totals = np.array([turn["total"] for turn in turns])
    for key, label in STAGES:
        values = np.array([turn.get(key, 0.0) for turn in turns])
        calls = np.mean([turn.get(f"{key}_calls", 0) for turn in turns])
        count = f" ({calls:.1f} calls)" if key in ("policies", "action_server") else ""
        share = values.mean() / totals.mean() * 100
        lines.append(
            f"    {label + count:58} {values.mean():7.1f} / {np.percentile(values, 95):7.1f}"
            f"  ({share:4.1f} %)"
        )
    for key, label in (("action", "  of which the action itself"), ("retrieval", "  of which retrieval")):
        calls = [entry[key] for entry in actions if key in entry]
        if calls:
            per_turn = sum(calls) / len(turns)
            lines.append(f"    {label:58} {per_turn:7.1f} / {np.percentile(calls, 95):7.1f}  (per call p95)")
    lines.append(
        f"    {'whole turn inside the Rasa server':58} {totals.mean():7.1f}"
        f" / {np.percentile(totals, 95):7.1f}"
    )
    return lines


def report(
    title: str, result: LoadResult, peaks: dict[str, float], cpu: dict[str, float], profile: list[str]
) -> None:
    """Print one set-up's figures."""
    total = len(result.latencies_ms)
    p50, p95, p99 = (np.percentile(result.latencies_ms, q) for q in (50, 95, 99)) if total else (0, 0, 0)
    print(f"{title}:")
    print(f"  {total} messages in {result.seconds:.1f} s: {total / result.seconds:.1f} messages/s")
    print(f"  latency p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms")
    print(f"  errors {result.errors}, turns without any reply {result.unanswered}")
    print("  peak RSS: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in peaks.items()))
    if total:
        print(
            "  CPU per message: "
            + ", ".join(f"{name} {seconds / total * 1000:.0f} ms" for name, seconds in cpu.items())
            + f" (busy: {sum(cpu.values()) / result.seconds * 100:.0f} % of one core)"
        )
    print("  where a turn's time went (servers' own timings):")
    print("\n".join(profile))


@contextmanager
def _single(work: Path) -> Iterator[tuple[str, dict[str, int]]]:
    with running_stack(work) as stack:
        yield stack.rasa_url, {"rasa": stack.rasa.pid, "services": stack.services.pid}


@contextmanager
def _cluster(work: Path, database_url: str, redis_url: str) -> Iterator[tuple[str, dict[str, int]]]:
    spec = ClusterSpec(work, database_url=database_url, redis_url=redis_url, demo=True, tokens=fresh_tokens())
    try:
        with running_cluster(spec) as cluster:
            yield cluster.public_url, cluster.pids()
    finally:
        drop_database(database_url)


def run_setup(kind: str, citizens: int, seconds: float, database_url: str, redis_url: str) -> None:
    """Start one set-up with timings on, warm it, load it, print its figures."""
    work = Path(tempfile.mkdtemp(prefix=f"citizenbot-load-{kind}-"))
    profile_dir = work / "profile"
    profile_dir.mkdir()
    os.environ["CITIZENBOT_PROFILE_DIR"] = str(profile_dir)
    stack = _single(work) if kind == "single" else _cluster(work, database_url, redis_url)
    with stack as (url, pids):
        rest = f"{url}/webhooks/rest/webhook"
        _warm_up(rest)
        for path in profile_dir.glob("*.jsonl"):
            path.write_text("")  # the warm-up's turns are not part of the profile
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        result = asyncio.run(_load(rest, citizens, seconds))
        cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
        peaks = {name: memory_mb(pid) for name, pid in pids.items() if name != "nginx"}
        title = (
            f"{citizens} citizens × {seconds:.0f} s, "
            + ("one Rasa server + one services process (SQLite)" if kind == "single" else
               "cluster: 2 Rasa servers + 2 services processes behind nginx (PostgreSQL, Redis)")
        )  # fmt: skip
        report(title, result, peaks, cpu, stage_profile(profile_dir))
        if kind == "single":
            print("\n".join(conversation_length_effect(rest, profile_dir)))


def conversation_length_effect(rest_url: str, profile_dir: Path, turns: int = 60) -> list[str]:
    """How loading and saving the tracker grow with a conversation's length (one citizen, ``turns`` turns)."""
    for path in profile_dir.glob("rasa-*.jsonl"):
        path.write_text("")
    messages = [text for conversation in CONVERSATIONS[:2] + CONVERSATIONS[3:] for text in conversation]
    sender = f"long-{secrets.token_hex(3)}"
    with httpx.Client(timeout=120) as client:
        for turn in range(turns):
            client.post(rest_url, json={"sender": sender, "message": messages[turn % len(messages)]})
    timings = [json.loads(line) for path in profile_dir.glob("rasa-*.jsonl") for line in path.open()]
    first, last = timings[:10], timings[-10:]

    def mean(rows: list[dict[str, float]], key: str) -> float:
        return float(np.mean([row.get(key, 0.0) for row in rows]))

    return [
        f"  one conversation of {turns} turns (ms, turns 1–10 → {turns - 9}–{turns}):",
        f"    loading the tracker {mean(first, 'tracker_load'):.1f} → {mean(last, 'tracker_load'):.1f}, "
        f"saving it {mean(first, 'tracker_save'):.1f} → {mean(last, 'tracker_save'):.1f}, "
        f"whole turn {mean(first, 'total'):.1f} → {mean(last, 'total'):.1f}",
    ]


def main(argv: list[str] | None = None) -> None:
    """Command line of the load benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--setup", choices=["single", "cluster", "both"], default="both")
    parser.add_argument(
        "--database-url", default=f"postgresql://127.0.0.1:5432/citizenbot_bench_{secrets.token_hex(4)}"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args(argv)
    kinds = ["single", "cluster"] if args.setup == "both" else [args.setup]
    for kind in kinds:
        run_setup(kind, args.citizens, args.seconds, args.database_url, args.redis_url)


if __name__ == "__main__":
    main()
