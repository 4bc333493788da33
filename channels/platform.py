"""What the Zalo and Messenger channels share: acknowledge at once, process once, answer in the background.

A platform channel verifies the request's signature (subclass), records each new event, answers 200 before
any work, then, in a task of its own, turns each platform event into a Rasa message: a retried or replayed
event is dropped by its id; a digit answers the last numbered menu; images, stickers, files and the like get
one polite line. An event recorded but never answered (the server stopped) is answered by the next server
to start.

It also takes a civil servant's replies during a handoff (``POST /webhooks/<channel>/staff_message``, with
the Rasa API token), so that the citizen reads them where they wrote.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.access_tokens import RASA_API, read_token
from channels.rest import (
    ERROR_TOO_LONG,
    MAX_MESSAGE_CHARS,
    REPLY_FAILURE,
    REPLY_WAITING_FOR_STAFF,
    clean_message,
)
from channels.state import SEEN_KEPT_S, ChannelState

logger = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 64 * 1024
MAX_TEXT_CHARS = 2000  # a civil servant's reply, as the staff API accepts it
# Platform user ids are digits; the conversation id "<channel>:<id>" must be a sender id the REST channel
# would accept too.
_HEX = re.compile(r"[0-9a-f]{64}")
_PLATFORM_ID = re.compile(r"[\w.@+-]{1,100}", re.ASCII)
REPLY_UNSUPPORTED = (
    "Xin lỗi, tôi chỉ đọc được tin nhắn chữ. Anh/chị vui lòng gõ câu hỏi, ví dụ: "
    '"Làm căn cước cần giấy tờ gì?" Nếu cần gửi giấy tờ, anh/chị nhắn "gặp cán bộ".'
)
MENU_HINT = "Anh/chị nhắn số thứ tự để chọn."
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
_LIST_ITEM = re.compile(r"(?m)^(\d{1,2})\. ")
_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+|\n+")
BACKOFF_S = (0.5, 1.0, 2.0)  # waits before retrying a platform's temporary error
# Platforms retry a webhook that failed for hours (Meta up to 36 h): after an outage their retries are
# genuine messages. Replays are stopped by the event ids kept (SEEN_KEPT_S), not by the age limit.
DEFAULT_MAX_EVENT_AGE_S = 24 * 3600
FUTURE_SKEW_S = 300  # a platform's clock ahead of ours; further ahead is not a genuine event
# The services process gives up on a staff message after 20 s: answer before that, so that staff are never
# told "failed" for a message that then goes out. Each HTTP call to a platform is bounded by HTTP_TIMEOUT_S.
STAFF_DELIVERY_DEADLINE_S = 15.0
HTTP_TIMEOUT_S = 4.0
_processing: asyncio.AbstractEventLoop | None = None
_processing_started = threading.Lock()


def processing_loop() -> asyncio.AbstractEventLoop:
    """The event loop, in a thread of its own, where platform events are turned into replies.

    Understanding a message holds an event loop for tens of milliseconds at a time. Processed in the
    server's own loop, a burst of webhooks would wait behind every reply being computed; in this thread,
    the server's loop stays free to acknowledge each webhook at once, as the platforms require. Events are
    started in arrival order; Rasa's lock store keeps each conversation's messages in sequence.
    """
    global _processing
    with _processing_started:
        if _processing is None:
            _processing = asyncio.new_event_loop()
            threading.Thread(target=_processing.run_forever, name="platform-events", daemon=True).start()
        return _processing


class DeliveryFailed(Exception):
    """The platform did not take the message (after retries)."""


def event_window(configured: Any) -> int:
    """The maximum event age from credentials.yml (seconds), never longer than event ids are kept.

    An event older than the ids kept could be replayed unnoticed, so a longer setting is cut down.
    """
    longest = SEEN_KEPT_S - FUTURE_SKEW_S  # an event dated ahead of its arrival must not outlive its id
    window = int(configured or DEFAULT_MAX_EVENT_AGE_S)
    if not 0 < window <= longest:
        logger.warning("max_event_age_s %s outside 1..%d s: %d s used", configured, longest, longest)
        return longest
    return window


def is_stale(sent_at_s: float, max_age_s: float, now: float | None = None) -> bool:
    """True for an event sent longer ago than ``max_age_s``, or dated further ahead than clocks drift."""
    age = (time.time() if now is None else now) - sent_at_s
    return age > max_age_s or age < -FUTURE_SKEW_S


@dataclass(frozen=True)
class PlatformEvent:
    """One thing a user did, as the channel reads it from the platform's webhook body."""

    event_id: str
    user_id: str
    kind: str  # "text", "payload" (a button), "unsupported" (image, sticker…), or "ignore"
    text: str = ""


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut after a sentence or a line where possible."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    segments, position = [], 0  # each sentence or line with the spacing that followed it
    for match in _SENTENCE_END.finditer(text):
        segments.append(text[position : match.end()])
        position = match.end()
    segments.append(text[position:])
    pieces: list[str] = []
    current = ""
    for segment in segments:
        while len(segment) > limit:  # one sentence longer than the limit: cut it at a space
            cut = segment.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current.strip():
                pieces.append(current.rstrip())
            current = ""
            pieces.append(segment[:cut].rstrip())
            segment = segment[cut:].lstrip()
        if len(current) + len(segment.rstrip()) <= limit:
            current += segment
        else:
            pieces.append(current.rstrip())
            current = segment
    if current.strip():
        pieces.append(current.rstrip())
    return pieces


def numbered_menu(text: str, buttons: list[dict[str, Any]], first: int = 1) -> str:
    """The message text with its choices numbered from ``first`` and how to choose.

    A text that already lists its choices as "1. …", "2. …" (the candidate procedures) keeps its list,
    renumbered from ``first``; otherwise the button titles are listed after it.
    """
    own = [int(number) for number in _LIST_ITEM.findall(text)]
    if own and own == list(range(1, len(buttons) + 1)):
        body = _LIST_ITEM.sub(lambda item: f"{int(item.group(1)) + first - 1}. ", text.rstrip())
        return f"{body}\n{MENU_HINT}"
    lines = [text.rstrip(), ""]
    lines += [f"{number}. {button.get('title', '')}" for number, button in enumerate(buttons, first)]
    lines.append(MENU_HINT)
    return "\n".join(lines)


class PlatformOutput(OutputChannel):
    """Sends the bot's messages through a platform's API (``deliver``), menus numbered and remembered."""

    channel_name = "platform"

    def __init__(self, state: ChannelState) -> None:
        """Remember where menus are kept; one instance answers one message (one turn)."""
        self.state = state
        # Choices of every message of this turn, numbered on from one message to the next, so that a
        # digit never means two things.
        self._turn_choices: list[str] = []
        self.sent = 0  # messages sent for this turn

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Count what the turn sends (a paused conversation sends nothing)."""
        await super().send_response(recipient_id, message)
        self.sent += 1

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Custom payloads are for the web widget (e.g. a handoff starting): never shown as raw JSON here."""

    @classmethod
    def name(cls) -> str:
        """The channel's name."""
        return cls.channel_name

    async def deliver(
        self, user_id: str, text: str, buttons: list[dict[str, Any]] | None = None, staff: bool = False
    ) -> None:
        """Send one message (the platform's own length limit applied by the subclass)."""
        raise NotImplementedError

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Plain text."""
        await self.deliver(platform_user(recipient_id), text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Text with choices: the platform's buttons, plus numbers a citizen can type."""
        user_id = platform_user(recipient_id)
        first = len(self._turn_choices) + 1
        self._turn_choices += [str(button.get("payload") or button.get("title")) for button in buttons]
        self.state.remember_menu(self.name(), user_id, self._turn_choices)
        await self.deliver(user_id, numbered_menu(text, buttons, first), buttons)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Images are sent as their link."""
        await self.deliver(platform_user(recipient_id), image)


def platform_user(sender_id: str) -> str:
    """The platform's user id inside our conversation id ``<channel>:<user id>``."""
    return sender_id.split(":", 1)[1] if ":" in sender_id else sender_id


class PlatformInput(InputChannel):
    """Webhook skeleton of a messaging platform; subclasses verify requests and read events."""

    def __init__(self, state: ChannelState | None = None) -> None:
        """Remember the shared state."""
        self.state = state or ChannelState()

    # ---- what a platform defines ----
    def verify(self, request: Request) -> HTTPResponse | None:
        """None when the request is authentic and fresh, else what to answer.

        That is a 4xx for a forgery, and a 200 for a genuine event too old to answer (dropped, logged): a
        refusal would only make the platform retry it, and may get the webhook disabled.
        """
        raise NotImplementedError

    def read_events(self, body: dict[str, Any]) -> list[PlatformEvent]:
        """The user events in a verified webhook body."""
        raise NotImplementedError

    def make_output(self) -> PlatformOutput:
        """The output channel that sends through the platform's API."""
        raise NotImplementedError

    def extra_routes(self, webhook: Blueprint) -> None:
        """Routes besides POST /webhook (Messenger's GET verification)."""

    # ---- shared behaviour ----
    def conversation_id(self, user_id: str) -> str:
        """Our conversation id: channel name and platform user id, so channels never share one."""
        return f"{self.name()}:{user_id}"

    def accept(self, event: PlatformEvent) -> bool:
        """Record an event to answer; False for what needs no answer, a retry or a replay."""
        if event.kind == "ignore" or not _PLATFORM_ID.fullmatch(event.user_id):
            return False
        return self.state.accept(self.name(), event.event_id, json.dumps(asdict(event)))

    def recover(self, on_new_message: OnNewMessage, agent: Any = None) -> int:
        """Answer the events a stopped Rasa server acknowledged but never answered; how many."""
        orphans = [PlatformEvent(**json.loads(event)) for event in self.state.take_over_orphans(self.name())]
        for event in orphans:
            self.enqueue(event, on_new_message, agent)
        if orphans:
            logger.warning(
                "%s: answering %d events left unanswered by a stopped server", self.name(), len(orphans)
            )
        return len(orphans)

    def enqueue(self, event: PlatformEvent, on_new_message: OnNewMessage, agent: Any = None) -> None:
        """Process the event in the processing thread's loop; failures are logged by type, never content."""
        work = self.handle(event, on_new_message, agent)
        future = asyncio.run_coroutine_threadsafe(work, processing_loop())

        def finished(done: concurrent.futures.Future) -> None:
            if not done.cancelled() and done.exception() is not None:
                logger.error("%s: event processing failed (%s)", self.name(), type(done.exception()).__name__)

        future.add_done_callback(finished)

    async def handle(self, event: PlatformEvent, on_new_message: OnNewMessage, agent: Any = None) -> None:
        """Process one accepted event: answer it, or say politely what the assistant can read.

        A failure on the way gets the REST channel's failure reply: the citizen is never left in silence.
        """
        try:
            await self._answer(event, on_new_message, agent)
        except Exception as error:  # noqa: BLE001 - logged by type (never the text); the citizen is told
            logger.error("%s: event processing failed (%s)", self.name(), type(error).__name__)
            try:
                await self.make_output().deliver(event.user_id, REPLY_FAILURE)
            except Exception as second:  # noqa: BLE001 - the platform itself is failing: nothing more to do
                logger.error("%s: failure reply not sent (%s)", self.name(), type(second).__name__)
        finally:
            self.state.done(self.name(), event.event_id)

    async def _answer(self, event: PlatformEvent, on_new_message: OnNewMessage, agent: Any) -> None:
        self.state.touch_inbound(self.name(), event.user_id)
        output = self.make_output()
        if event.kind == "unsupported":
            await output.deliver(event.user_id, REPLY_UNSUPPORTED)
            return
        # Measured before cleaning, as the REST channel does: what it refuses, no channel accepts.
        if len(event.text) > MAX_MESSAGE_CHARS:
            await output.deliver(event.user_id, ERROR_TOO_LONG)
            return
        text = clean_message(event.text)
        if not text:
            return
        if event.kind == "text":
            text = self.state.menu_choice(self.name(), event.user_id, text) or text
        conversation = self.conversation_id(event.user_id)
        await on_new_message(UserMessage(text, output, conversation, input_channel=self.name()))
        if not output.sent and await _is_paused(agent, conversation):
            # Handed to a civil servant: the bot is silent, so say the request is waiting (as REST does).
            await output.deliver(event.user_id, REPLY_WAITING_FOR_STAFF)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """GET / (health), POST /webhook (the platform), POST /staff_message (our staff API)."""
        webhook = Blueprint(f"{self.name()}_webhook", __name__)
        api_token = read_token(RASA_API)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_WEBHOOK_BYTES:
                return response.json({"error": "request too large"}, status=413)
            refused = self.verify(request)
            if refused is not None:
                return refused
            body = _json_object(request.body)
            if body is None:
                return response.json({"error": "body must be a JSON object"}, status=400)
            agent = getattr(request.app.ctx, "agent", None)
            for event in self.read_events(body):
                # Recorded before the 200: from then on the platform will not send it again.
                if self.accept(event):
                    self.enqueue(event, on_new_message, agent)
            return response.json({"status": "ok"})

        @webhook.listener("after_server_start")
        async def answer_orphans(app: Any, _: Any) -> None:
            # After Rasa's own start-up listener: the agent is loaded.
            self.recover(on_new_message, getattr(app.ctx, "agent", None))

        @webhook.route("/staff_message", methods=["POST"])
        async def staff_message(request: Request) -> HTTPResponse:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not given or not hmac.compare_digest(given.encode(), api_token.encode()):
                return response.json({"error": "token required"}, status=401)
            body = _json_object(request.body) or {}
            recipient, text = body.get("recipient"), body.get("text")
            if not isinstance(recipient, str) or not recipient.startswith(f"{self.name()}:"):
                return response.json({"error": f"recipient must be a {self.name()} conversation"}, status=400)
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS:
                return response.json({"error": f"text: 1 to {MAX_TEXT_CHARS} characters"}, status=400)
            # Sent from the processing thread's loop, like every reply: the platform client (its token
            # refresh lock) lives in that one loop.
            delivery = self.make_output().deliver(platform_user(recipient), text.strip(), staff=True)
            sending = asyncio.run_coroutine_threadsafe(delivery, processing_loop())
            try:
                await asyncio.wait_for(asyncio.wrap_future(sending), STAFF_DELIVERY_DEADLINE_S)
            except asyncio.TimeoutError:
                sending.cancel()  # no retry may send it after staff were told it failed
                logger.error(
                    "%s: staff message not delivered in %.0f s", self.name(), STAFF_DELIVERY_DEADLINE_S
                )
                return response.json({"error": "the platform did not answer in time"}, status=504)
            except DeliveryFailed as error:
                logger.error("%s: staff message not delivered: %s", self.name(), error)
                return response.json({"error": "the platform did not take the message"}, status=502)
            except Exception as error:  # noqa: BLE001 - a 502 staff can act on, not a 500
                logger.error("%s: staff message not delivered (%s)", self.name(), type(error).__name__)
                return response.json({"error": "the platform did not take the message"}, status=502)
            return response.json({"status": "sent"})

        self.extra_routes(webhook)
        return webhook


async def _is_paused(agent: Any, conversation: str) -> bool:
    if agent is None or getattr(agent, "tracker_store", None) is None:
        return False
    try:
        tracker = await agent.tracker_store.retrieve(conversation)
    except Exception as error:  # noqa: BLE001 - only decides whether to send the waiting line
        logger.warning("platform channel: tracker not readable (%s)", type(error).__name__)
        return False
    return bool(tracker is not None and tracker.is_paused())


def hex_digest_matches(given: str, expected: str) -> bool:
    """Constant-time comparison of a hex digest from a header (anything not hex simply does not match)."""
    candidate = given.strip().lower()
    return bool(_HEX.fullmatch(candidate)) and hmac.compare_digest(candidate.encode(), expected.encode())


def _json_object(raw: bytes | None) -> dict[str, Any] | None:
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return body if isinstance(body, dict) else None
