"""A stand-in for the Rasa server's HTTP API on 127.0.0.1, for tests of what the services process sends it.

POST (tracker events, the channels' staff_message) is recorded in ``FakeRasa.received`` and answered with
``FakeRasa.status``; GET /conversations/<id>/tracker answers ``FakeRasa.tracker_events`` and POST
/model/parse ``FakeRasa.parse_intent``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeRasa(BaseHTTPRequestHandler):
    """Rasa's tracker API and the channels' staff_message webhooks, recording what they receive."""

    status = 200
    failing_paths: tuple[str, ...] = ()  # path prefixes answered with HTTP 502 whatever ``status`` says
    received: list[tuple[str, Any]] = []
    tracker_events: list[dict[str, Any]] = []
    parse_intent: dict[str, Any] = {}  # what POST /model/parse answers as the intent

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path.startswith(FakeRasa.failing_paths) and FakeRasa.failing_paths:
            self._answer(502, {})
            return
        FakeRasa.received.append((self.path, body))
        if self.path.startswith("/model/parse") and FakeRasa.status == 200:
            self._answer(200, {"text": body.get("text"), "intent": FakeRasa.parse_intent, "entities": []})
            return
        self._answer(FakeRasa.status, {})

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if "/tracker" not in self.path or FakeRasa.status != 200:
            self._answer(404 if FakeRasa.status == 200 else FakeRasa.status, {})
            return
        self._answer(200, {"sender_id": "x", "events": FakeRasa.tracker_events})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def fake_rasa() -> Iterator[str]:
    """Serve a fresh FakeRasa; its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    FakeRasa.received.clear()
    FakeRasa.status = 200
    FakeRasa.failing_paths = ()
    FakeRasa.tracker_events = []
    FakeRasa.parse_intent = {}
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
