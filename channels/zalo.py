"""Zalo Official Account channel: credentials.yml key ``channels.zalo.ZaloInput``, /webhooks/zalo/webhook.

Every webhook request is signed: ``X-ZEvent-Signature: mac=<hex>`` where hex is the SHA-256 of app id, raw
body, the body's ``timestamp`` and the OA secret key. A request that is unsigned or forged is refused
(401/403) and causes nothing; a genuine event older than ``max_event_age_s`` (24 h by default) is
acknowledged with 200 and dropped; a good one gets 200 at once and is processed in the background, once
per ``msg_id``. Replies go through the OA message API (``/v3.0/oa/message/cs``), buttons as Zalo's button
template and, for whoever cannot see those, as a numbered menu answered with a digit.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.platform import (
    HTTP_TIMEOUT_S,
    PlatformEvent,
    PlatformInput,
    PlatformOutput,
    event_window,
    hex_digest_matches,
    is_stale,
    split_text,
)
from channels.state import PROJECT_ROOT, ChannelState
from channels.zalo_api import DEFAULT_API_BASE, DEFAULT_OAUTH_BASE, TokenFile, ZaloApi, ZaloTokens

logger = logging.getLogger(__name__)
ZALO_TEXT_LIMIT = 2000
ZALO_MAX_BUTTONS = 5
# Every user_send_* event but text (image, sticker, file, location, and kinds Zalo adds later) carries
# something the assistant cannot read: the user is told so rather than left in silence.
USER_SENDS = "user_send_"


def zalo_signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The hex digest Zalo puts after ``mac=`` in X-ZEvent-Signature."""
    signed = app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode()
    return hashlib.sha256(signed).hexdigest()


class ZaloOutput(PlatformOutput):
    """Sends through the OA message API."""

    channel_name = "zalo"

    def __init__(self, state: ChannelState, api: ZaloApi) -> None:
        """Remember the API client."""
        super().__init__(state)
        self.api = api

    async def deliver(
        self, user_id: str, text: str, buttons: list[dict[str, Any]] | None = None, staff: bool = False
    ) -> None:
        """Text in pieces of Zalo's size; the buttons ride on the last piece."""
        pieces = split_text(text, ZALO_TEXT_LIMIT) or [text[:ZALO_TEXT_LIMIT]]
        for number, piece in enumerate(pieces, 1):
            message: dict[str, Any] = {"text": piece}
            if buttons and number == len(pieces):
                message["attachment"] = {
                    "type": "template",
                    "payload": {
                        "buttons": [
                            {
                                "title": str(button.get("title", ""))[:100],
                                "type": "oa.query.hide",
                                "payload": str(button.get("payload") or button.get("title", "")),
                            }
                            for button in buttons[:ZALO_MAX_BUTTONS]
                        ]  # fmt: skip
                    },
                }
            await self.api.send(user_id, message)


class ZaloInput(PlatformInput):
    """Webhook of a Zalo Official Account."""

    @classmethod
    def name(cls) -> str:
        """URL prefix /webhooks/zalo/ and conversation ids ``zalo:<user id>``."""
        return "zalo"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Read the OA's settings from credentials.yml."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        token_file = Path(credentials.get("token_file") or PROJECT_ROOT / "var" / "zalo_tokens.json")
        seed = ZaloTokens(
            str(credentials.get("access_token") or ""),
            str(credentials.get("refresh_token") or ""),
            float(credentials.get("access_token_expires_at") or 0),
        )
        api = ZaloApi(
            str(credentials.get("app_id") or ""),
            str(credentials.get("app_secret") or ""),
            TokenFile(token_file),
            seed,
            str(credentials.get("api_base") or DEFAULT_API_BASE),
            str(credentials.get("oauth_base") or DEFAULT_OAUTH_BASE),
            HTTP_TIMEOUT_S,
        )
        return cls(
            str(credentials.get("app_id") or ""),
            str(credentials.get("oa_secret_key") or ""),
            api,
            event_window(credentials.get("max_event_age_s")),
        )

    def __init__(self, app_id: str, oa_secret_key: str, api: ZaloApi, max_event_age_s: int) -> None:
        """Configure the channel."""
        super().__init__()
        self.app_id = app_id
        self.oa_secret_key = oa_secret_key
        self.api = api
        self.max_event_age_s = max_event_age_s

    def make_output(self) -> PlatformOutput:
        """Replies go through the OA message API."""
        return ZaloOutput(self.state, self.api)

    def verify(self, request: Request) -> HTTPResponse | None:
        """Signature over app id, raw body, timestamp and OA secret key; a stale genuine event gets a 200."""
        header = request.headers.get("x-zevent-signature", "")
        if not header.startswith("mac=") or not self.oa_secret_key:
            return response.json({"error": "missing signature"}, status=401)
        timestamp = _timestamp_of(request.body)
        if timestamp is None:
            return response.json({"error": "missing timestamp"}, status=403)
        expected = zalo_signature(self.app_id, request.body or b"", timestamp, self.oa_secret_key)
        if not hex_digest_matches(header.removeprefix("mac="), expected):
            return response.json({"error": "bad signature"}, status=403)
        if is_stale(int(timestamp) / 1000, self.max_event_age_s):
            # Genuine but too old (or dated ahead): acknowledged so that Zalo stops retrying it.
            logger.warning("zalo: signed event outside the %d s window dropped", self.max_event_age_s)
            return response.json({"status": "stale event dropped"})
        return None

    def read_events(self, body: dict[str, Any]) -> list[PlatformEvent]:
        """One Zalo webhook body is one event."""
        name = str(body.get("event_name") or "")
        message = body.get("message")
        sender = body.get("sender") if isinstance(body.get("sender"), dict) else {}
        user_id = str(sender.get("id") or "")
        if not name.startswith(USER_SENDS):
            return []  # the OA's own messages echoed back (oa_send_*), follows, reads…
        if not user_id or not isinstance(message, dict):
            logger.warning("zalo: %s event without sender or message dropped", name)
            return []
        event_id = str(message.get("msg_id") or f"{name}:{user_id}:{body.get('timestamp')}")
        if name == "user_send_text":
            if not isinstance(message.get("text"), str):
                logger.warning("zalo: text event without text dropped")
                return []
            return [PlatformEvent(event_id, user_id, "text", message["text"])]
        return [PlatformEvent(event_id, user_id, "unsupported")]


def _timestamp_of(raw: bytes | None) -> str | None:
    # The signed timestamp is the body's own field, read before the body is trusted.
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    stamp = body.get("timestamp") if isinstance(body, dict) else None
    return str(stamp) if isinstance(stamp, (str, int)) and str(stamp).isdigit() else None
