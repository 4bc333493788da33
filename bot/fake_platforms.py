"""Zalo and Facebook stand-ins on 127.0.0.1, for the end-to-end tests and the bench.

They play the platforms' part on both sides of a channel:
- towards the Rasa server, they sign webhook events as Zalo (``X-ZEvent-Signature``) and Meta
  (``X-Hub-Signature-256``) do;
- as the APIs the channels call, they record what was sent: the Zalo OA message API
  (``/v3.0/oa/message/cs``) with its OAuth endpoint (``/v4/oa/access_token``: single-use refresh tokens,
  errors inside HTTP 200 bodies, as Zalo documents), and the Graph Send API (``/<version>/me/messages``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ZALO_APP_ID = "4200000000000000001"
ZALO_APP_SECRET = "fake-app-secret"
ZALO_OA_SECRET = "fake-oa-secret-key"
MESSENGER_APP_SECRET = "fake-messenger-app-secret"
MESSENGER_VERIFY_TOKEN = "fake-verify-token"
MESSENGER_PAGE_TOKEN = "fake-page-token"
GRAPH_VERSION = "v19.0"


@dataclass
class Recorded:
    """What a fake platform API received, in order; thread-safe."""

    items: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: dict[str, Any]) -> None:
        """Record one call."""
        with self.lock:
            self.items.append(item)

    def to(self, user_id: str) -> list[dict[str, Any]]:
        """Calls addressed to ``user_id``."""
        with self.lock:
            return [item for item in self.items if item.get("user_id") == user_id]

    def wait_for(self, user_id: str, count: int, timeout_s: float = 60) -> list[dict[str, Any]]:
        """The first ``count`` calls to ``user_id``, waiting for them; fewer if they never came."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.to(user_id)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        return self.to(user_id)


class _FakeServer:
    """A threaded HTTP server whose POST handler is a method of the subclass."""

    def __init__(self) -> None:
        self.sent = Recorded()
        handler = self._handler_class(self._post)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def _handler_class(post: Callable[[str, dict[str, str], bytes], tuple[int, dict | bytes]]) -> type:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = post(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def _post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict | bytes]:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()


class FakeZalo(_FakeServer):
    """Zalo's OA message API and OAuth token endpoint."""

    def __init__(self) -> None:
        self.access_token = "access-0"
        self.refresh_token = "refresh-0"
        self.spent_refresh_tokens: set[str] = set()
        self.refreshes = 0  # refreshes granted
        self.refresh_calls = 0  # requests to the token endpoint, granted or not
        self.refresh_delay_s = 0.0  # how long the token endpoint takes to answer
        self.refresh_answers: list[tuple[int, dict | bytes]] = []  # answers to give before the real ones
        self.fail_next: list[int] = []  # Zalo error codes to answer before accepting again
        self._refresh_lock = threading.Lock()
        super().__init__()

    def credentials(self, token_file: str) -> dict[str, Any]:
        """The credentials.yml section of a channel talking to this fake."""
        return {
            "app_id": ZALO_APP_ID, "app_secret": ZALO_APP_SECRET, "oa_secret_key": ZALO_OA_SECRET,
            "access_token": self.access_token, "refresh_token": self.refresh_token,
            "token_file": token_file, "api_base": self.url, "oauth_base": self.url,
        }  # fmt: skip

    def _post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict | bytes]:
        if path == "/v4/oa/access_token":
            return self._refresh(headers, body)
        if path != "/v3.0/oa/message/cs":
            return 404, {"error": 404, "message": "not found"}
        if self.fail_next:
            return 200, {"error": self.fail_next.pop(0), "message": "fake error"}
        if headers.get("access_token") != self.access_token:
            return 200, {"error": -216, "message": "Access token is invalid"}
        payload = json.loads(body)
        user_id = payload["recipient"]["user_id"]
        self.sent.add({"user_id": user_id, "message": payload["message"]})
        return 200, {"error": 0, "message": "Success", "data": {"message_id": secrets.token_hex(8)}}

    def _refresh(self, headers: dict[str, str], body: bytes) -> tuple[int, dict | bytes]:
        with self._refresh_lock:
            self.refresh_calls += 1
            scripted = self.refresh_answers.pop(0) if self.refresh_answers else None
        time.sleep(self.refresh_delay_s)
        if scripted is not None:
            return scripted
        with self._refresh_lock:  # the server is threaded: a token is spent once even by two requests
            return self._grant(headers, body)

    def _grant(self, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        if headers.get("secret_key") != ZALO_APP_SECRET or form.get("app_id") != ZALO_APP_ID:
            return 200, {"error": -14014, "message": "Invalid app"}
        given = form.get("refresh_token", "")
        if given in self.spent_refresh_tokens or given != self.refresh_token:
            return 200, {"error": -14020, "message": "Invalid refresh token"}
        self.spent_refresh_tokens.add(given)
        self.refreshes += 1
        self.access_token = f"access-{self.refreshes}"
        self.refresh_token = f"refresh-{self.refreshes}"
        return 200, {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": "90000",
        }

    def expire_access_token(self) -> None:
        """Zalo stops accepting the current access token (it expired)."""
        self.access_token = f"unknown-{secrets.token_hex(4)}"


def zalo_event(
    user_id: str, text: str | None = None, event_name: str = "user_send_text", at_ms: int | None = None
) -> dict[str, Any]:
    """A webhook body as Zalo sends it."""
    message: dict[str, Any] = {"msg_id": secrets.token_hex(10)}
    if text is not None:
        message["text"] = text
    return {
        "app_id": ZALO_APP_ID, "user_id_by_app": "979122185046046317", "event_name": event_name,
        "sender": {"id": user_id}, "recipient": {"id": "3662729599332560487"}, "message": message,
        "timestamp": str(at_ms if at_ms is not None else int(time.time() * 1000)),
    }  # fmt: skip


def zalo_signed(body: dict[str, Any], secret: str = ZALO_OA_SECRET) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of a request Zalo signs with the OA secret key."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    mac = hashlib.sha256(ZALO_APP_ID.encode() + raw + str(body["timestamp"]).encode() + secret.encode())
    return raw, {"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={mac.hexdigest()}"}


class FakeGraph(_FakeServer):
    """The Graph API's Send API."""

    def credentials(self) -> dict[str, Any]:
        """The credentials.yml section of a channel talking to this fake."""
        return {
            "verify_token": MESSENGER_VERIFY_TOKEN, "app_secret": MESSENGER_APP_SECRET,
            "page_access_token": MESSENGER_PAGE_TOKEN, "graph_base": self.url, "graph_version": GRAPH_VERSION,
        }  # fmt: skip

    def _post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict | bytes]:
        parts = urlsplit(path)
        if parts.path != f"/{GRAPH_VERSION}/me/messages":
            return 404, {"error": {"code": 803, "message": "Unknown path"}}
        if parse_qs(parts.query).get("access_token") != [MESSENGER_PAGE_TOKEN]:
            return 400, {"error": {"code": 190, "message": "Invalid OAuth access token"}}
        payload = json.loads(body)
        self.sent.add({"user_id": payload["recipient"]["id"], **payload})
        return 200, {"recipient_id": payload["recipient"]["id"], "message_id": f"m_{secrets.token_hex(8)}"}


def messenger_event(
    user_id: str, message: dict[str, Any] | None = None, postback: dict | None = None
) -> dict:
    """A page webhook body with one messaging item, as Meta sends it."""
    item: dict[str, Any] = {
        "sender": {"id": user_id}, "recipient": {"id": "PAGE_ID"}, "timestamp": int(time.time() * 1000),
    }  # fmt: skip
    if message is not None:
        item["message"] = {"mid": f"m_{secrets.token_hex(10)}", **message}
    if postback is not None:
        item["postback"] = {"mid": f"m_{secrets.token_hex(10)}", **postback}
    return {"object": "page", "entry": [{"id": "PAGE_ID", "time": item["timestamp"], "messaging": [item]}]}


def messenger_signed(
    body: dict[str, Any], secret: str = MESSENGER_APP_SECRET
) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of a request Meta signs with the app secret."""
    raw = json.dumps(body).encode()
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}
