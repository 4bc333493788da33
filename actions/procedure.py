"""Answers about a procedure's aspects (documents, fee, time, place, steps, legal basis…) with a citation.

The decision is :func:`bot.services.turn.plan_turn`'s; this module renders its plan as utterances and events.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    FAILURES_BEFORE_HANDOFF,
    failure_events,
    keep_unanswered,
    queue_handoff,
)
from bot.errors import CitizenBotError
from bot.services.application import application
from bot.services.procedure_answers import Aspect
from bot.services.replies import utterances
from bot.services.turn import ReplyKind, ReplyPlan, Turn, plan_turn

logger = logging.getLogger(__name__)


def _record(tracker: Tracker, plan: ReplyPlan) -> None:
    """Keep a question the assistant was unsure about for staff review (redacted by the store)."""
    if plan.record_reason is None:
        return
    message = tracker.latest_message or {}
    keep_unanswered(
        tracker.sender_id,
        str(message.get("text") or ""),
        reason=plan.record_reason,
        intent=(message.get("intent") or {}).get("name"),
        confidence=plan.confidence,
        candidates=list(plan.searched),
    )


def _say(dispatcher: CollectingDispatcher, plan: ReplyPlan, hotline: str = "") -> None:
    """Send the plan's messages (bot.services.replies builds them; the console's try box shows them)."""
    for said in utterances(plan, hotline, application().settings.citizen_levels):
        if said.response is not None:
            dispatcher.utter_message(response=said.response, buttons=said.buttons, **said.values)
        else:
            dispatcher.utter_message(text=said.text, buttons=said.buttons)


def render(dispatcher: CollectingDispatcher, tracker: Tracker, plan: ReplyPlan) -> list[dict[str, Any]]:
    """Utter the plan's reply; the events it leaves (procedure under discussion, failure count)."""
    _record(tracker, plan)
    remember = [SlotSet("procedure_code", plan.procedure.code)] if plan.procedure is not None else []
    if plan.kind is ReplyKind.ASK_WHICH:
        _say(dispatcher, plan)
        return []
    if plan.kind is ReplyKind.UNSURE:
        events, failures = failure_events(tracker, True)
        if failures >= FAILURES_BEFORE_HANDOFF:
            dispatcher.utter_message(response="utter_handing_over")
            return queue_handoff(dispatcher, tracker, "repeated_failures")
        _say(dispatcher, plan, application().settings.centre.hotline)
        return events
    succeeded = failure_events(tracker, False)[0]
    _say(dispatcher, plan)
    if plan.kind is ReplyKind.CLARIFY:
        return succeeded
    return remember + succeeded


async def answer_procedure(
    dispatcher: CollectingDispatcher, tracker: Tracker, aspect: Aspect, nlu_unsure: bool = False
) -> list[dict[str, Any]] | None:
    """Answer the aspect of the procedure named now, chosen by a button, or under discussion.

    With ``nlu_unsure`` (the NLU fallback) only a question that names a procedure is handled, and never as a
    follow-up; None means nothing was said, so the caller answers.
    """
    message = tracker.latest_message or {}
    turn = Turn(
        text=str(message.get("text") or ""),
        aspect=aspect,
        chosen_code=next(tracker.get_latest_entity_values("procedure_code"), None),
        current_code=tracker.get_slot("procedure_code"),
        nlu_unsure=nlu_unsure,
    )
    app = application()
    try:
        plan = plan_turn(turn, app.knowledge.engine, app.policy)
    except CitizenBotError as error:
        logger.error("knowledge base unavailable: %s", error)
        dispatcher.utter_message(response="utter_service_unavailable")
        return []
    if plan.kind is ReplyKind.PASS:
        return None
    return render(dispatcher, tracker, plan)


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
