"""Reaching a civil servant: the handoff request and the NLU fallback.

The handoff pauses the bot until staff close the request; the fallback records the question and offers a
human after repeated failures.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    FAILURES_BEFORE_HANDOFF,
    FAILURES_BEFORE_OFFERING_HUMAN,
    failure_events,
    keep_unanswered,
    queue_handoff,
)
from actions.procedure import answer_procedure
from bot.services.form_inputs import asks_for_a_person
from bot.services.procedure_answers import Aspect
from bot.services.replies import HUMAN_BUTTON

logger = logging.getLogger(__name__)


class ActionRequestHuman(Action):
    """Queues a handoff request, tells the hotline and hours, and pauses the bot in this conversation."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Create (or find) the open request, then pause."""
        text = str((tracker.latest_message or {}).get("text") or "")
        if _form_was_asking(tracker) == ("feedback_form", "feedback_content") and not asks_for_a_person(text):
            # Complaints name "cán bộ" and the NLU may read one as a request for a civil servant: with no
            # words asking for a person it is the content the form asked for, so the form goes on.
            return [SlotSet("feedback_content", text), FollowupAction("feedback_form")]
        return queue_handoff(dispatcher, tracker, "citizen_asked")


def _form_was_asking(tracker: Tracker) -> tuple[str | None, str | None]:
    """The form active, and the slot it asked for, when the citizen sent the latest message."""
    events = tracker.events
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    loop = slot = None
    for event in events[: max(last_user, 0)]:
        if event.get("event") == "active_loop":
            loop = event.get("name")
        elif event.get("event") == "slot" and event.get("name") == "requested_slot":
            slot = event.get("value")
    return loop, slot


class ActionFallback(Action):
    """The NLU was unsure: record the question for staff, ask to rephrase, offer a human if stuck."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Say so honestly; the question goes to the staff review list."""
        message = tracker.latest_message or {}
        ranking = message.get("intent_ranking") or []
        # The fallback classifier puts nlu_fallback first; the intent it doubted comes next.
        guesses = [item for item in ranking if item.get("name") != "nlu_fallback"] or [{}]
        top = guesses[0]
        # Long, formal questions are far from the chat-style training examples, yet the knowledge base may
        # know the procedure they name: answer from it when retrieval is confident, with the doubted aspect.
        answered = await answer_procedure(
            dispatcher, tracker, Aspect.from_intent(top.get("name")), nlu_unsure=True
        )
        if answered is not None:
            return answered
        keep_unanswered(
            tracker.sender_id,
            str(message.get("text") or ""),
            reason="nlu_fallback",
            intent=top.get("name"),
            confidence=top.get("confidence"),
        )
        events, failures = failure_events(tracker, failed=True)
        if failures >= FAILURES_BEFORE_HANDOFF:
            dispatcher.utter_message(response="utter_handing_over")
            return queue_handoff(dispatcher, tracker, "repeated_failures")
        if failures >= FAILURES_BEFORE_OFFERING_HUMAN:
            dispatcher.utter_message(response="utter_offer_human", buttons=[HUMAN_BUTTON])
        else:
            dispatcher.utter_message(response="utter_default")
        return events
