"""Facebook Messenger channel (credentials.yml key ``channels.messenger.MessengerInput``).

URL /webhooks/messenger/webhook. GET answers Meta's verification (``hub.verify_token`` → ``hub.challenge``).
POST must carry ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>``; anything
else gets 403 and causes nothing (Rasa's built-in connector checks only the old SHA-1 header). A good request
gets 200 at once; each message is processed once (by ``mid``) in the background, unless it is older than
``max_event_age_s`` (24 h by default: Meta retries a failed webhook for hours), when it is dropped. Replies
go through the Graph API's Send API: buttons as quick replies, text cut at 2,000 characters on sentence
boundaries; a civil servant's reply more than 24 hours after the citizen last wrote carries the
HUMAN_AGENT tag.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.text.redaction import redact
from channels.platform import (
    BACKOFF_S,
    HTTP_TIMEOUT_S,
    DeliveryFailed,
    PlatformEvent,
    PlatformInput,
    PlatformOutput,
    event_window,
    hex_digest_matches,
    is_stale,
    split_text,
)
from channels.state import ChannelState

logger = logging.getLogger(__name__)
DEFAULT_GRAPH_BASE = "https://graph.facebook.com"
DEFAULT_GRAPH_VERSION = "v19.0"
MESSENGER_TEXT_LIMIT = 2000
MAX_QUICK_REPLIES = 13
QUICK_REPLY_TITLE_CHARS = 20
STANDARD_WINDOW_S = 24 * 3600
RETRYABLE_CODES = frozenset({1, 2, 4, 17, 32, 613})  # temporary errors and rate limits


def messenger_signature(app_secret: str, raw_body: bytes) -> str:
    """What Meta sends in X-Hub-Signature-256 after ``sha256=``."""
    return hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


class MessengerOutput(PlatformOutput):
    """Sends through the Graph API's Send API."""

    channel_name = "messenger"

    def __init__(self, state: ChannelState, page_access_token: str, graph_url: str) -> None:
        """Remember where and with which page token to send."""
        super().__init__(state)
        self.page_token = page_access_token
        self.graph_url = graph_url

    def _messaging_type(self, user_id: str, staff: bool) -> dict[str, str]:
        last = self.state.last_inbound(self.channel_name, user_id)
        if staff and (last is None or time.time() - last > STANDARD_WINDOW_S):
            # Outside the standard window only a human agent may still answer, and must say so.
            return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        return {"messaging_type": "RESPONSE"}

    async def deliver(
        self, user_id: str, text: str, buttons: list[dict[str, Any]] | None = None, staff: bool = False
    ) -> None:
        """Text in pieces of 2,000 characters; quick replies on the last piece."""
        pieces = split_text(text, MESSENGER_TEXT_LIMIT) or [text[:MESSENGER_TEXT_LIMIT]]
        for number, piece in enumerate(pieces, 1):
            message: dict[str, Any] = {"text": piece}
            if buttons and number == len(pieces):
                message["quick_replies"] = [
                    {"content_type": "text", "title": _short(str(button.get("title", ""))),
                     "payload": str(button.get("payload") or button.get("title", ""))[:1000]}
                    for button in buttons[:MAX_QUICK_REPLIES]
                ]  # fmt: skip
            body = {"recipient": {"id": user_id}, "message": message, **self._messaging_type(user_id, staff)}
            await self._send(body)

    async def _send(self, body: dict[str, Any]) -> None:
        for attempt in range(len(BACKOFF_S) + 1):
            code, reason = await self._post(body)
            if code == 0:
                return
            if code in RETRYABLE_CODES and attempt < len(BACKOFF_S):
                await asyncio.sleep(BACKOFF_S[attempt])
                continue
            raise DeliveryFailed(f"Messenger refused the message: error {code} ({redact(reason)[:200]})")

    async def _post(self, body: dict[str, Any]) -> tuple[int, str]:
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)) as session:
                async with session.post(
                    f"{self.graph_url}/me/messages", json=body, params={"access_token": self.page_token}
                ) as answer:
                    if answer.status >= 500:
                        return 2, f"HTTP {answer.status}"
                    data = await answer.json(content_type=None)
                    if answer.status == 200:
                        return 0, ""
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            return 2, type(error).__name__
        error = data.get("error") if isinstance(data, dict) and isinstance(data.get("error"), dict) else {}
        return int(error.get("code") or -1), str(error.get("message") or "")


def _short(title: str) -> str:
    return title if len(title) <= QUICK_REPLY_TITLE_CHARS else title[: QUICK_REPLY_TITLE_CHARS - 1] + "…"


class MessengerInput(PlatformInput):
    """Webhook of a Facebook page."""

    @classmethod
    def name(cls) -> str:
        """URL prefix /webhooks/messenger/ and conversation ids ``messenger:<page-scoped id>``."""
        return "messenger"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Read the page's settings from credentials.yml."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        base = str(credentials.get("graph_base") or DEFAULT_GRAPH_BASE).rstrip("/")
        version = str(credentials.get("graph_version") or DEFAULT_GRAPH_VERSION)
        return cls(
            str(credentials.get("verify_token") or ""),
            str(credentials.get("app_secret") or ""),
            str(credentials.get("page_access_token") or ""),
            f"{base}/{version}",
            event_window(credentials.get("max_event_age_s")),
        )

    def __init__(
        self, verify_token: str, app_secret: str, page_access_token: str, graph_url: str, max_event_age_s: int
    ) -> None:
        """Configure the channel."""
        super().__init__()
        self.verify_token = verify_token
        self.app_secret = app_secret
        self.page_access_token = page_access_token
        self.graph_url = graph_url
        self.max_event_age_s = max_event_age_s

    def make_output(self) -> PlatformOutput:
        """Replies go through the Send API."""
        return MessengerOutput(self.state, self.page_access_token, self.graph_url)

    def extra_routes(self, webhook: Blueprint) -> None:
        """GET /webhook: Meta's subscription check."""

        @webhook.route("/webhook", methods=["GET"])
        async def verify_subscription(request: Request) -> HTTPResponse:
            given = request.args.get("hub.verify_token", "")
            if (
                request.args.get("hub.mode") == "subscribe"
                and self.verify_token
                and hmac.compare_digest(given.encode(), self.verify_token.encode())
            ):
                return response.text(request.args.get("hub.challenge", ""))
            return response.json({"error": "verification failed"}, status=403)

    def verify(self, request: Request) -> HTTPResponse | None:
        """HMAC-SHA256 of the raw body with the app secret."""
        header = request.headers.get("x-hub-signature-256", "")
        if not header.startswith("sha256=") or not self.app_secret:
            return response.json({"error": "missing signature"}, status=403)
        expected = messenger_signature(self.app_secret, request.body or b"")
        if not hex_digest_matches(header.removeprefix("sha256="), expected):
            return response.json({"error": "bad signature"}, status=403)
        return None

    def read_events(self, body: dict[str, Any]) -> list[PlatformEvent]:
        """Messages, quick replies and postbacks of a page webhook; echoes, reads and deliveries ignored."""
        if body.get("object") != "page":
            return []
        events = []
        for entry in _dicts(body.get("entry")):
            for item in _dicts(entry.get("messaging")):
                event = self._event(item)
                if event is not None:
                    events.append(event)
        return events

    def _event(self, item: dict[str, Any]) -> PlatformEvent | None:
        sender = item.get("sender") if isinstance(item.get("sender"), dict) else {}
        user_id = str(sender.get("id") or "")
        stamp = item.get("timestamp")
        if not user_id or not isinstance(stamp, int) or isinstance(stamp, bool):
            return None  # nobody to answer, or not an event Meta sends (every one is dated)
        if is_stale(stamp / 1000, self.max_event_age_s):
            # Acknowledged with the rest of the body (200), so Meta does not retry it; not answered.
            logger.warning("messenger: event outside the %d s window dropped", self.max_event_age_s)
            return None
        message = item.get("message") if isinstance(item.get("message"), dict) else None
        postback = item.get("postback") if isinstance(item.get("postback"), dict) else None
        if message is not None:
            if message.get("is_echo"):
                return None
            mid = str(message.get("mid") or f"message:{user_id}:{stamp}")
            quick_reply = message.get("quick_reply") if isinstance(message.get("quick_reply"), dict) else {}
            if isinstance(quick_reply.get("payload"), str):
                return PlatformEvent(mid, user_id, "payload", quick_reply["payload"])
            if isinstance(message.get("text"), str):
                return PlatformEvent(mid, user_id, "text", message["text"])
            return PlatformEvent(mid, user_id, "unsupported")
        if postback is not None and isinstance(postback.get("payload"), str):
            mid = str(postback.get("mid") or f"postback:{user_id}:{stamp}")
            return PlatformEvent(mid, user_id, "payload", postback["payload"])
        return None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
