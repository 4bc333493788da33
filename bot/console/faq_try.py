"""The "try it" box: the assistant's own understanding, search and reply for a question, changing nothing.

The reply shown is built by :mod:`bot.services.replies`, the module the assistant's action sends from, so
staff see the citizen's reply itself (also when the assistant asks back or says it did not understand).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx

from bot.errors import CitizenBotError
from bot.services.answer_policy import DEFAULT_POLICY
from bot.services.procedure_answers import Aspect
from bot.services.replies import as_text, utterances
from bot.services.turn import ReplyKind, ReplyPlan, Turn, plan_turn
from bot.services.where_answer import DEFAULT_CITIZEN_LEVELS
from bot.settings import load_settings

if TYPE_CHECKING:
    from bot.console.app import Console

ASPECTS = [
    (Aspect.OVERVIEW, "Hỏi chung về thủ tục"),
    (Aspect.FEE, "Lệ phí"),
    (Aspect.DOCUMENTS, "Hồ sơ cần nộp"),
    (Aspect.TIME, "Thời hạn giải quyết"),
    (Aspect.WHERE, "Nơi nộp"),
    (Aspect.CONDITIONS, "Điều kiện"),
    (Aspect.STEPS, "Các bước"),
    (Aspect.LEGAL, "Căn cứ pháp lý"),
    (Aspect.RESULT, "Kết quả"),
    (Aspect.ONLINE, "Nộp trực tuyến"),
]
REPLY_KINDS = {
    ReplyKind.FAQ: "Trả lời bằng câu hỏi thường gặp",
    ReplyKind.ANSWER: "Trả lời thẳng bằng thủ tục tìm được",
    ReplyKind.ANSWER_WITH_ALTERNATIVES: "Trả lời bằng thủ tục tìm được, kèm các thủ tục gần giống",
    ReplyKind.CLARIFY: "Hỏi lại: anh/chị muốn hỏi thủ tục nào trong các thủ tục sau",
    ReplyKind.UNSURE: "Nói chưa chắc chắn, đề nghị chọn thủ tục hoặc gặp cán bộ",
    ReplyKind.ASK_WHICH: "Hỏi lại anh/chị đang hỏi thủ tục nào (câu hỏi chưa nêu thủ tục)",
    ReplyKind.PASS: "Không nhận ra câu hỏi về thủ tục: trợ lý trả lời “tôi chưa hiểu”",
}


def understood_as(console: Console, question: str) -> dict[str, Any] | None:
    """What the Rasa server's NLU makes of the question (intent, confidence), or None if it cannot say."""
    try:
        answer = httpx.post(
            f"{console.rasa_url}/model/parse", json={"text": question},
            params={"token": console.rasa_token or ""}, timeout=10,
        )  # fmt: skip
        intent = answer.json().get("intent") or {} if answer.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return None
    if not isinstance(intent, dict) or not intent.get("name"):
        return None
    return {"intent": str(intent["name"]), "confidence": float(intent.get("confidence") or 0.0)}


def try_question(console: Console, question: str, aspect: Aspect, nlu_unsure: bool = False) -> dict[str, Any]:
    """The engine's result and the reply plan for a question, timed (blocking: run in a thread)."""
    assert console.knowledge is not None
    engine = console.knowledge.engine
    started = time.perf_counter()
    result = engine.search(question, DEFAULT_POLICY.candidates)
    plan = plan_turn(Turn(text=question, aspect=aspect, nlu_unsure=nlu_unsure), engine, DEFAULT_POLICY)
    took = time.perf_counter() - started
    return {
        "result": result,
        "plan": plan,
        "kind": REPLY_KINDS[plan.kind],
        "messages": reply_messages(plan),
        "took": took,
    }


def reply_messages(plan: ReplyPlan) -> list[dict[str, Any]]:
    """The messages a citizen would get for the plan: text and the titles of the buttons under it."""
    hotline = _hotline() if plan.kind is ReplyKind.UNSURE else ""
    return [
        {"text": as_text(said), "buttons": [button["title"] for button in said.buttons]}
        for said in utterances(plan, hotline, _citizen_levels())
    ]


def _citizen_levels() -> tuple[str, ...]:
    try:
        return load_settings().citizen_levels
    except CitizenBotError:
        return DEFAULT_CITIZEN_LEVELS


def _hotline() -> str:
    try:
        return load_settings().centre.hotline
    except CitizenBotError:
        return "(đường dây nóng của Trung tâm)"
