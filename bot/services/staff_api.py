"""The staff API on the services process: the handoff queue and the questions the assistant could not answer.

Closing a handoff request resumes the bot. Every call needs the staff token (``Authorization: Bearer …``).
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.services.handoff import ResumeFailed, close_and_resume, record_staff_reply
from bot.services.records import CitizenRecords

logger = logging.getLogger(__name__)
MAX_REPLY_CHARS = 2000  # what Zalo and Messenger accept in one message


def staff_blueprint(
    store: CitizenRecords, rasa_url: str, token: str, rasa_token: str | None = None
) -> Blueprint:
    """Routes under /api/staff, over the application's records store."""
    staff = Blueprint("staff_api", url_prefix="/api/staff")

    @staff.on_request
    async def require_token(request: Request) -> HTTPResponse | None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "cần mã truy cập của cán bộ (Bearer token)"}, status=401)
        return None

    @staff.get("/handoffs")
    async def list_handoffs(request: Request) -> HTTPResponse:
        status = request.args.get("status")
        if status not in (None, "open", "closed"):
            return response.json({"error": "status phải là open hoặc closed"}, status=400)
        return response.json([item.as_dict() for item in store.handoffs(status)])

    @staff.post("/handoffs/<request_id:int>/close")
    async def close_handoff(request: Request, request_id: int) -> HTTPResponse:
        body = request.json if _is_json(request) else {}
        closed_by = str(body.get("staff") or "staff")[:80]
        try:
            # The call to Rasa blocks: off the event loop, so citizens' actions keep being served meanwhile.
            closed = await asyncio.to_thread(
                close_and_resume, store, request_id, closed_by, rasa_url, rasa_token
            )
        except ResumeFailed as error:
            logger.error("handoff %s not closed: %s", request_id, error)
            return response.json({"error": "chưa mở lại được cuộc trò chuyện; yêu cầu vẫn mở"}, status=503)
        if closed is None:
            return response.json({"error": "không có yêu cầu đang mở với mã này"}, status=404)
        return response.json(closed.as_dict())

    @staff.post("/handoffs/<request_id:int>/messages")
    async def reply_in_handoff(request: Request, request_id: int) -> HTTPResponse:
        body = request.json if _is_json(request) else {}
        text = " ".join(str(body.get("text") or "").split()) if isinstance(body.get("text"), str) else ""
        if not text or len(text) > MAX_REPLY_CHARS:
            return response.json({"error": f"text: từ 1 đến {MAX_REPLY_CHARS} ký tự"}, status=400)
        handoff = store.handoff(request_id)
        if handoff is None or handoff.status != "open":
            return response.json({"error": "không có yêu cầu đang mở với mã này"}, status=404)
        staff_name = str(body.get("staff") or "cán bộ")[:80]
        try:
            await asyncio.to_thread(
                record_staff_reply, rasa_url, handoff.sender_id, text, staff_name, rasa_token
            )
        except ResumeFailed as error:
            logger.error("reply in handoff %s not recorded: %s", request_id, error)
            return response.json({"error": "chưa ghi được tin nhắn vào cuộc trò chuyện"}, status=503)
        return response.json(store.add_staff_message(handoff, staff_name, text), status=201)

    @staff.get("/unanswered")
    async def unanswered(request: Request) -> HTTPResponse:
        try:
            limit = min(max(int(request.args.get("limit", "100")), 1), 1000)
        except ValueError:
            return response.json({"error": "limit phải là số"}, status=400)
        return response.json(store.unanswered(limit))

    return staff


def _is_json(request: Request) -> bool:
    try:
        return isinstance(request.json, dict)
    except Exception:  # noqa: BLE001 - Sanic raises its own error types for malformed bodies
        return False
