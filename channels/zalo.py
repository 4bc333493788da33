"""Zalo Official Account channel: credentials.yml key ``channels.zalo.ZaloInput``, /webhooks/zalo/webhook.

Every webhook request is signed: ``X-ZEvent-Signature: mac=<hex>`` where hex is the SHA-256 of app id, raw
body, the body's ``timestamp`` and the OA secret key. A request that is unsigned, forged or too old is
refused (401/403) and causes nothing; a good one gets 200 at once and is processed in the background,
once per ``msg_id``. Replies go through the OA message API (``/v3.0/oa/message/cs``), buttons as Zalo's
button template and, for whoever cannot see those, as a numbered menu answered with a digit.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.platform import PlatformEvent, PlatformInput, PlatformOutput, hex_digest_matches, split_text
from channels.state import PROJECT_ROOT, ChannelState
from channels.zalo_api import DEFAULT_API_BASE, DEFAULT_OAUTH_BASE, TokenFile, ZaloApi, ZaloTokens

ZALO_TEXT_LIMIT = 2000
ZALO_MAX_BUTTONS = 5
DEFAULT_MAX_EVENT_AGE_S = 900
# Events a user causes that carry something the assistant cannot read.
UNSUPPORTED_EVENTS = frozenset({
    "user_send_image", "user_send_sticker", "user_send_file", "user_send_location", "user_send_gif",
    "user_send_audio", "user_send_video", "user_send_link", "user_send_business_card",
})  # fmt: skip


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
        )
        return cls(
            str(credentials.get("app_id") or ""),
            str(credentials.get("oa_secret_key") or ""),
            api,
            int(credentials.get("max_event_age_s") or DEFAULT_MAX_EVENT_AGE_S),
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
        """Signature over app id, raw body, timestamp and OA secret key; timestamp within the allowed age."""
        header = request.headers.get("x-zevent-signature", "")
        if not header.startswith("mac=") or not self.oa_secret_key:
            return response.json({"error": "missing signature"}, status=401)
        timestamp = _timestamp_of(request.body)
        if timestamp is None:
            return response.json({"error": "missing timestamp"}, status=403)
        expected = zalo_signature(self.app_id, request.body or b"", timestamp, self.oa_secret_key)
        if not hex_digest_matches(header.removeprefix("mac="), expected):
            return response.json({"error": "bad signature"}, status=403)
        if abs(time.time() - int(timestamp) / 1000) > self.max_event_age_s:
            return response.json({"error": "stale event"}, status=403)
        return None

    def read_events(self, body: dict[str, Any]) -> list[PlatformEvent]:
        """One Zalo webhook body is one event."""
        name = str(body.get("event_name") or "")
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        sender = body.get("sender") if isinstance(body.get("sender"), dict) else {}
        user_id = str(sender.get("id") or "")
        event_id = str(message.get("msg_id") or f"{name}:{user_id}:{body.get('timestamp')}")
        if name.startswith("oa_send") or not user_id:
            return []  # the OA's own messages echoed back, or nobody to answer
        if name == "user_send_text" and isinstance(message.get("text"), str):
            return [PlatformEvent(event_id, user_id, "text", message["text"])]
        if name in UNSUPPORTED_EVENTS:
            return [PlatformEvent(event_id, user_id, "unsupported")]
        return []


def _timestamp_of(raw: bytes | None) -> str | None:
    # The signed timestamp is the body's own field, read before the body is trusted.
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    stamp = body.get("timestamp") if isinstance(body, dict) else None
    return str(stamp) if isinstance(stamp, (str, int)) and str(stamp).isdigit() else None
