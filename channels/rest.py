"""REST channel with input validation: bad input gets a clear 4xx in Vietnamese, never a 5xx.

Same URL and JSON as Rasa's built-in channel (POST /webhooks/rest/webhook with
``{"sender": "...", "message": "..."}``, answered with the list of bot messages). A ``metadata`` object is
accepted but not kept: nothing the assistant does reads it, and whatever a client puts there would be
stored with the conversation.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
# A message of 2,000 characters is at most 8 KB of UTF-8, escaped perhaps twice that: room for the JSON
# around it, not for payloads smuggled beside it.
MAX_BODY_BYTES = 16 * 1024
# C0/C1 control characters except tab and newline; they carry no meaning in a chat message.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SENDER = re.compile(r"[\w.:@+-]{1,128}", re.ASCII)

ERROR_NOT_JSON = 'Yêu cầu không hợp lệ: nội dung phải là JSON dạng {"sender": "…", "message": "…"}.'
ERROR_NO_MESSAGE = "Tin nhắn trống. Anh/chị vui lòng nhập câu hỏi."
ERROR_TOO_LONG = f"Tin nhắn quá dài (tối đa {MAX_MESSAGE_CHARS} ký tự). Anh/chị vui lòng hỏi ngắn gọn hơn."
ERROR_BODY_TOO_LARGE = f"Yêu cầu quá lớn (tối đa {MAX_BODY_BYTES // 1024} KB)."
ERROR_PLATFORM_SENDER = "Mã người gửi (sender) không được bắt đầu bằng zalo: hoặc messenger:."
ERROR_BAD_SENDER = "Mã người gửi (sender) không hợp lệ: tối đa 128 ký tự gồm chữ, số và . : @ + - _"
REPLY_WAITING_FOR_STAFF = (
    "Yêu cầu gặp cán bộ của anh/chị đang chờ xử lý; cán bộ sẽ trả lời trong cuộc trò chuyện này. "
    "Nếu cần gấp, anh/chị gọi đường dây nóng của Trung tâm."
)
REPLY_FAILURE = (
    "Xin lỗi, hệ thống đang gặp sự cố nên chưa trả lời được. Anh/chị vui lòng thử lại sau ít phút."
)


class RequestRejected(Exception):
    """The request cannot be processed; carries the HTTP status and the citizen-facing reason."""

    def __init__(self, status: int, reason: str) -> None:
        """Remember status and reason."""
        super().__init__(reason)
        self.status = status
        self.reason = reason


# Conversation ids "<platform>:<user id>" belong to the Zalo and Messenger channels (channels/platform.py).
PLATFORM_PREFIXES = ("zalo:", "messenger:")


def is_platform_conversation(sender_id: str) -> bool:
    """True for a Zalo or Messenger conversation id, which only that channel may write into."""
    return sender_id.lower().startswith(PLATFORM_PREFIXES)


def clean_message(text: str) -> str:
    """Drop control and zero-width characters, trim spaces."""
    return _CONTROL.sub("", text).strip()


class CitizenRestInput(InputChannel):
    """Rasa's REST channel contract with validation of every field."""

    @classmethod
    def name(cls) -> str:
        """The credentials.yml key's channel name (URL /webhooks/rest/)."""
        return "rest"

    @staticmethod
    def _extract_body(request: Request) -> dict[str, Any]:
        if len(request.body or b"") > MAX_BODY_BYTES:
            raise RequestRejected(413, ERROR_BODY_TOO_LARGE)
        try:
            body = json.loads(request.body or b"")
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            # RecursionError: deeply nested arrays or objects.
            raise RequestRejected(400, ERROR_NOT_JSON) from error
        if not isinstance(body, dict):
            raise RequestRejected(400, ERROR_NOT_JSON)
        return body

    @staticmethod
    def _extract_sender(body: dict[str, Any]) -> str:
        sender = body.get("sender", "default")
        if isinstance(sender, int) and not isinstance(sender, bool):
            sender = str(sender)
        if not isinstance(sender, str) or not _SENDER.fullmatch(sender):
            raise RequestRejected(400, ERROR_BAD_SENDER)
        if is_platform_conversation(sender):
            # Platform user ids are no secret: over REST anyone could write into a Zalo citizen's chat.
            raise RequestRejected(400, ERROR_PLATFORM_SENDER)
        return sender

    @staticmethod
    def _extract_message(body: dict[str, Any]) -> str:
        raw = body.get("message")
        if not isinstance(raw, str):
            raise RequestRejected(400, ERROR_NO_MESSAGE)
        if len(raw) > MAX_MESSAGE_CHARS:
            raise RequestRejected(413, ERROR_TOO_LONG)
        text = clean_message(raw)
        if not text:
            raise RequestRejected(400, ERROR_NO_MESSAGE)
        return text

    @staticmethod
    async def _is_paused(request: Request, sender: str) -> bool:
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return False
        try:
            tracker = await agent.tracker_store.retrieve(sender)
        except Exception as error:  # noqa: BLE001 - only decides which reply text to send
            logger.warning("rest channel: tracker not readable (%s)", type(error).__name__)
            return False
        return bool(tracker is not None and tracker.is_paused())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes: GET / (health) and POST /webhook."""
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = self._extract_body(request)
                sender = self._extract_sender(body)
                text = self._extract_message(body)
            except RequestRejected as rejected:
                return response.json({"error": rejected.reason}, status=rejected.status)
            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender, input_channel=self.name())
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - the citizen gets a clear reply, the log the type
                logger.error("rest channel: processing failed (%s)", type(error).__name__)
                return response.json(collector.messages + [{"recipient_id": sender, "text": REPLY_FAILURE}])
            if not collector.messages and await self._is_paused(request, sender):
                # The bot is paused for a handoff: say so instead of leaving the citizen with silence.
                return response.json([{"recipient_id": sender, "text": REPLY_WAITING_FOR_STAFF}])
            return response.json(collector.messages)

        return webhook
