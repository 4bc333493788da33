"""Failed answers to a form's question: the first is explained and asked again, the second ends the question.

A citizen who cannot give what the form asks (no dossier code at hand, a contact the form cannot read)
must not be asked the same question forever. The count is read from the conversation itself (the
validation's rejections since the form was last activated), so no slot needs resetting when a form is
stopped, completed or started again.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

REQUESTED_SLOT = "requested_slot"
FAILED_ANSWERS_BEFORE_GIVING_UP = 2


def failed_answers(tracker: Tracker, slot: str) -> int:
    """How many answers to ``slot`` the validation rejected since its form was last activated."""
    failures = 0
    for event in tracker.events:
        if event.get("event") == "active_loop" and event.get("name"):
            failures = 0
        elif event.get("event") == "slot" and event.get("name") == slot and event.get("value") is None:
            failures += 1
    return failures


def checked_answer(
    slot: str,
    parsed: Any,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    complaint: str,
    giving_up: str,
    settle_with: Any = None,
    **complaint_values: Any,
) -> dict[str, Any]:
    """The parsed value; else the complaint and the question again; at the second failure, give up.

    Giving up on an optional answer settles it with ``settle_with`` and the form goes on. Otherwise it
    sets no value and no further question (``requested_slot`` None), which ends the form: its completion
    action then sees the missing value and says what the citizen can do instead.
    """
    if parsed is not None:
        return {slot: parsed}
    if failed_answers(tracker, slot) + 1 >= FAILED_ANSWERS_BEFORE_GIVING_UP:
        dispatcher.utter_message(response=giving_up)
        if settle_with is not None:
            return {slot: settle_with}
        return {slot: None, REQUESTED_SLOT: None}
    dispatcher.utter_message(response=complaint, **complaint_values)
    return {slot: None}
