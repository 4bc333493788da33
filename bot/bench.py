"""Speed figures (``make bench``): REST latency through both servers, start time, memory, retrieval latency.

Starts its own services process and Rasa server on free ports (nothing else needs to run), sends
100 sequential single messages and 20 five-turn conversations, and prints p50/p95 per turn; then 20
signed Zalo and 20 Messenger events at once (fake platforms on 127.0.0.1): how fast each webhook is
acknowledged while the replies are still being computed.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

from bot.devstack import Stack, running_stack
from bot.fake_platforms import FakeGraph, FakeZalo, messenger_event, messenger_signed, zalo_event, zalo_signed
from bot.load_bench import memory_mb

ROOT = Path(__file__).resolve().parents[1]
# Issue 18: both processes together, loaded with the whole national catalogue, within 1.5 GB.
RSS_GOAL_MB = 1536
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


def _percentiles(values: list[float]) -> str:
    return f"p50 {np.percentile(values, 50):.0f} ms, p95 {np.percentile(values, 95):.0f} ms (n={len(values)})"


def _post_at_once(url: str, requests: list[tuple[bytes, dict[str, str]]]) -> list[float]:
    """Milliseconds until each request was answered, all sent at once from as many threads."""
    # One client with a connection per request, opened beforehand: the figure is the server's, not the
    # cost of building HTTP clients in 20 threads at once.
    with httpx.Client(timeout=30, limits=httpx.Limits(max_connections=len(requests))) as client:

        def post(request: tuple[bytes, dict[str, str]]) -> float:
            started = time.perf_counter()
            client.post(url, content=request[0], headers=request[1]).raise_for_status()
            return (time.perf_counter() - started) * 1000

        with ThreadPoolExecutor(len(requests)) as pool:  # warm the connections: health checks cause nothing
            list(pool.map(lambda _: client.get(url.removesuffix("webhook")), requests))
        with ThreadPoolExecutor(len(requests)) as pool:
            return list(pool.map(post, requests))


def _webhook_acknowledgements(stack: Stack, zalo: FakeZalo, graph: FakeGraph, events: int = 20) -> None:
    """``events`` signed platform events at once: time to the 200, and until every reply was sent."""
    for channel in ("zalo", "messenger"):
        users = [f"ack-{channel}-{i}" for i in range(events)]
        if channel == "zalo":
            requests = [
                zalo_signed(zalo_event(user, MESSAGES[i % len(MESSAGES)])) for i, user in enumerate(users)
            ]
        else:
            requests = [
                messenger_signed(messenger_event(user, message={"text": MESSAGES[i % len(MESSAGES)]}))
                for i, user in enumerate(users)
            ]
        url = f"{stack.rasa_url}/webhooks/{channel}/webhook"
        fake = zalo if channel == "zalo" else graph

        started = time.perf_counter()
        acks = _post_at_once(url, requests)
        answered = sum(bool(fake.sent.wait_for(user, 1, timeout_s=120)) for user in users)
        all_replied_s = time.perf_counter() - started
        print(
            f"  {channel:9} {events} concurrent events, acknowledgement {_percentiles(acks)}; "
            f"{answered}/{events} answered, the last after {all_replied_s:.1f} s"
        )


def _print_memory(stack: Stack) -> None:
    """Resident memory of both processes now (loaded, after the turns above) and at their peak."""
    now = {name: memory_mb(process.pid, "VmRSS") for name, process in _processes(stack)}
    peak = {name: memory_mb(process.pid, "VmHWM") for name, process in _processes(stack)}
    print(
        "  RSS after the turns above: "
        + " + ".join(f"{name} {mb:.0f} MB" for name, mb in now.items())
        + f" = {sum(now.values()):.0f} MB (goal ≤ {RSS_GOAL_MB} MB); peaks "
        + " + ".join(f"{mb:.0f}" for mb in peak.values())
        + f" = {sum(peak.values()):.0f} MB"
    )


def _processes(stack: Stack) -> list[tuple[str, subprocess.Popen]]:
    return [("Rasa server", stack.rasa), ("services", stack.services)]


def main() -> None:
    """Run the benchmark and print the figures."""
    work = Path(tempfile.mkdtemp(prefix="citizenbot-bench-"))
    zalo, graph = FakeZalo(), FakeGraph()
    channels = {
        "channels.zalo.ZaloInput": zalo.credentials(str(work / "zalo_tokens.json")),
        "channels.messenger.MessengerInput": graph.credentials(),
    }
    with running_stack(work, channels=channels) as stack:
        url = f"{stack.rasa_url}/webhooks/rest/webhook"
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
        print(
            f"  start-up: services {stack.services_start_s:.1f} s, "
            f"Rasa server (model load) {stack.rasa_start_s:.1f} s"
        )
        _print_memory(stack)
        print("Messaging webhooks (fake Zalo and Graph API on 127.0.0.1):")
        _webhook_acknowledgements(stack, zalo, graph)
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
