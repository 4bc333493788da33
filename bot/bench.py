"""Speed figures (``make bench``): REST latency through both servers, start time, memory, retrieval latency.

Starts its own services process and Rasa server on free ports (nothing else needs to run), sends
100 sequential single messages and 20 five-turn conversations, and prints p50/p95 per turn.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = [
    "xin chào",
    "trung tâm làm việc mấy giờ",
    "hồ sơ đăng ký khai sinh gồm những gì",
    "lệ phí làm hộ chiếu bao nhiêu",
    "dang ky tam tru o dau",
    "cảm ơn",
    "bạn là người hay máy",
    "đăng ký kết hôn mất bao lâu",
    "cho tôi gặp cán bộ",
    "thủ tục cấp lại thẻ căn cước",
]
CONVERSATION = [
    "xin chào",
    "thủ tục đăng ký thường trú cần giấy tờ gì",
    "còn lệ phí thì sao?",
    "thế mất bao lâu",
    "nộp online được không",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _wait(url: str, timeout: float = 300) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not ready")


def _percentiles(values: list[float]) -> str:
    return f"p50 {np.percentile(values, 50):.0f} ms, p95 {np.percentile(values, 95):.0f} ms (n={len(values)})"


def main() -> None:
    """Run the benchmark and print the figures."""
    work = Path(tempfile.mkdtemp(prefix="citizenbot-bench-"))
    rasa_port, actions_port = _free_port(), _free_port()
    (work / "endpoints.yml").write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{work / "tracker.db"}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    services = subprocess.Popen(
        [str(ROOT / ".venv/services/bin/python"), "-m", "bot.services.server", "--port", str(actions_port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rasa = subprocess.Popen(
        [str(ROOT / ".venv/rasa/bin/rasa"), "run", "--model", str(ROOT / "models/citizenbot.tar.gz"),
         "--enable-api", "--port", str(rasa_port), "--endpoints", str(work / "endpoints.yml"),
         "--credentials", str(ROOT / "credentials.yml")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        services_start = _wait(f"http://127.0.0.1:{actions_port}/health")
        rasa_start = _wait(f"http://127.0.0.1:{rasa_port}/status")
        url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        with httpx.Client(timeout=60) as client:
            for text in MESSAGES:  # warm-up: first calls load the index and build TF graphs
                client.post(url, json={"sender": "warm", "message": text})
            single = []
            for i in range(100):
                started = time.perf_counter()
                response = client.post(
                    url, json={"sender": f"bench-{i % 10}", "message": MESSAGES[i % len(MESSAGES)]}
                )
                single.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            turns = []
            for c in range(20):
                for text in CONVERSATION:
                    started = time.perf_counter()
                    client.post(url, json={"sender": f"conv-{c}", "message": text}).raise_for_status()
                    turns.append((time.perf_counter() - started) * 1000)
        print("REST /webhooks/rest/webhook, 2 cores, both real servers:")
        print(f"  100 sequential messages:            {_percentiles(single)}")
        print(f"  20 five-turn conversations (turns): {_percentiles(turns)}")
        print(f"  start-up: services {services_start:.1f} s, Rasa server (model load) {rasa_start:.1f} s")
        print(f"  RSS: Rasa server {_rss_mb(rasa.pid):.0f} MB, services {_rss_mb(services.pid):.0f} MB")
    finally:
        for process in (services, rasa):
            process.terminate()
        for process in (services, rasa):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    _retrieval_figures()


def _retrieval_figures() -> None:
    from bot.knowledge.index import KnowledgeService
    from bot.knowledge.model import FaqEntry
    from bot.knowledge.store import read_faq

    started = time.perf_counter()
    service = KnowledgeService()
    engine = service.engine
    engine.search("khởi động", 1)
    load = time.perf_counter() - started
    questions = [line for line in (ROOT / "tests/nlu/heldout.yml").read_text(encoding="utf-8").splitlines()]
    questions = [q.strip()[2:] for q in questions if q.strip().startswith("- ") and len(q) > 20]
    latencies = []
    for question in questions:
        t = time.perf_counter()
        engine.search(question, 5)
        latencies.append((time.perf_counter() - t) * 1000)
    extra = FaqEntry(
        "bench", ("Câu hỏi thử nghiệm về đăng ký khai sinh lưu động?",), "Trả lời thử.", ("1.003583",)
    )
    seconds = service.reload_faq([*read_faq(), extra])
    print("Retrieval (services process):")
    print(f"  index load + model warm-up {load:.1f} s; query latency {_percentiles(latencies)}")
    print(f"  adding one FAQ entry re-indexes in {seconds:.2f} s")


if __name__ == "__main__":
    main()
