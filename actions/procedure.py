"""Answers about a procedure's aspects (documents, fee, time, place, steps, legal basis…) with a citation."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import FAILURES_BEFORE_HANDOFF, HUMAN_BUTTON, failure_events, queue_handoff
from bot.errors import CitizenBotError, ConfigurationError
from bot.knowledge.analysis import analyze_query
from bot.knowledge.model import Procedure
from bot.services.answer_policy import CLARIFY_CANDIDATES, Decision, candidate_list, decide
from bot.services.knowledge_access import knowledge
from bot.services.procedure_answers import ASPECT_BUTTONS, Aspect, compose
from bot.services.records import records
from bot.settings import current_settings

logger = logging.getLogger(__name__)


RATING_BUTTONS = [
    {"title": "👍 Hữu ích", "payload": '/rate_answer{"rating": "up"}'},
    {"title": "👎 Chưa đúng ý", "payload": '/rate_answer{"rating": "down"}'},
]


def _aspect_buttons(procedure: Procedure, exclude: Aspect) -> list[dict[str, str]]:
    """Buttons for the procedure's other aspects, then the 👍 / 👎 rating of this answer."""
    entity = json.dumps({"procedure_code": procedure.code})
    aspects = [
        {"title": title, "payload": f"/{aspect.value}{entity}"}
        for title, aspect in ASPECT_BUTTONS
        if aspect != exclude
    ]
    return aspects + RATING_BUTTONS


def _hotline() -> str:
    try:
        return current_settings().centre.hotline
    except ConfigurationError:
        return ""


def _record(tracker: Tracker, reason: str, confidence: float | None, codes: list[str]) -> None:
    """Keep a question the assistant was unsure about for staff review (redacted by the store)."""
    message = tracker.latest_message or {}
    records().record_unanswered(
        tracker.sender_id,
        str(message.get("text") or ""),
        reason=reason,
        intent=(message.get("intent") or {}).get("name"),
        confidence=confidence,
        candidates=codes,
    )


def _candidate_buttons(codes_names: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [
        {
            "title": name if len(name) <= 80 else name[:79] + "…",
            "payload": "/ask_procedure" + json.dumps({"procedure_code": code}),
        }
        for code, name in codes_names
    ]


async def answer_procedure(
    dispatcher: CollectingDispatcher, tracker: Tracker, aspect: Aspect, nlu_unsure: bool = False
) -> list[dict[str, Any]] | None:
    """Answer the aspect of the procedure named now, chosen by a button, or under discussion.

    With ``nlu_unsure`` (the NLU fallback) only a question that names a procedure is handled, and never as a
    follow-up; None means nothing was said, so the caller answers.
    """
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    try:
        engine = knowledge().engine
    except CitizenBotError as error:
        logger.error("knowledge base unavailable: %s", error)
        dispatcher.utter_message(response="utter_service_unavailable")
        return []
    chosen = next(tracker.get_latest_entity_values("procedure_code"), None)
    current = None if nlu_unsure else tracker.get_slot("procedure_code")
    procedure: Procedure | None = None
    if chosen and chosen in engine.by_code:
        procedure = engine.procedures[engine.by_code[chosen]]
    else:
        query = analyze_query(text)
        # A follow-up ("còn lệ phí thì sao?") names no procedure: it has fewer than two topic syllables.
        names_something = sum(w >= 1.0 for w in query.weights) >= 2 or bool(query.expansions)
        result = engine.search(text, 5) if names_something and not text.startswith("/") else None
        decision = decide(result, nlu_unsure) if result is not None else None
        if result is not None and result.top is not None and decision is Decision.CLARIFY:
            _record(
                tracker,
                "clarification",
                result.confidence,
                [h.code for h in result.hits[:CLARIFY_CANDIDATES]],
            )
            dispatcher.utter_message(
                response="utter_which_of_these_procedures",
                candidates=candidate_list(result),
                buttons=_candidate_buttons([(h.code, h.name) for h in result.hits[:CLARIFY_CANDIDATES]]),
            )
            return failure_events(tracker, False)[0]
        if result is not None and result.top is not None and decision is Decision.ANSWER:
            if result.faq is not None and aspect in (
                Aspect.OVERVIEW,
                Aspect.FEE,
                Aspect.CONDITIONS,
                Aspect.WHERE,
            ):
                cited = engine.procedures[engine.by_code[result.top.code]]
                dispatcher.utter_message(
                    text=f"{result.faq.answer}\nNguồn: {cited.name} (mã {cited.code}): {cited.url}",
                    buttons=_aspect_buttons(cited, aspect),
                )
                return [SlotSet("procedure_code", cited.code)]
            procedure = engine.procedures[engine.by_code[result.top.code]]
            if result.ambiguous and len(result.hits) > 1:
                _record(tracker, "ambiguous", result.confidence, [h.code for h in result.hits[:4]])
                dispatcher.utter_message(text=compose(procedure, aspect))
                dispatcher.utter_message(
                    response="utter_other_candidates",
                    buttons=_candidate_buttons([(h.code, h.name) for h in result.hits[1:4]]),
                )
                return [SlotSet("procedure_code", procedure.code), *failure_events(tracker, False)[0]]
        elif current and current in engine.by_code:
            procedure = engine.procedures[engine.by_code[current]]  # a follow-up about the same procedure
        elif result is not None and not nlu_unsure:
            reason = "nlu_fallback" if nlu_unsure else "low_confidence"
            _record(tracker, reason, result.confidence, [h.code for h in result.hits[:3]])
            # Unsure: the closest candidates, and a civil servant always one click away.
            events, failures = failure_events(tracker, True)
            if failures >= FAILURES_BEFORE_HANDOFF:
                dispatcher.utter_message(response="utter_handing_over")
                return queue_handoff(dispatcher, tracker, "repeated_failures")
            buttons = _candidate_buttons([(h.code, h.name) for h in result.hits[:3]]) + [HUMAN_BUTTON]
            dispatcher.utter_message(response="utter_procedure_unsure", hotline=_hotline(), buttons=buttons)
            return events
    if procedure is None:
        if nlu_unsure:
            return None
        dispatcher.utter_message(response="utter_ask_which_procedure")
        return []
    dispatcher.utter_message(text=compose(procedure, aspect), buttons=_aspect_buttons(procedure, aspect))
    return [SlotSet("procedure_code", procedure.code), *failure_events(tracker, False)[0]]


class ActionAnswerProcedure(Action):
    """Finds the procedure (named now, chosen by a button, or under discussion) and answers the aspect."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_answer_procedure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Answer, ask back, or say honestly that nothing fits."""
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        return await answer_procedure(dispatcher, tracker, Aspect.from_intent(intent)) or []
