"""What several actions share: counting the turns the assistant could not answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

# After this many turns in a row the assistant could not answer, it offers a civil servant.
FAILURES_BEFORE_OFFERING_HUMAN = 2
HUMAN_BUTTON = {"title": "Gặp cán bộ", "payload": "/request_human"}


def failure_events(tracker: Tracker, failed: bool) -> tuple[list[dict[str, Any]], bool]:
    """The slot update for this turn and whether a civil servant should now be offered."""
    count = int(tracker.get_slot("failed_turns") or 0) + 1 if failed else 0
    return [SlotSet("failed_turns", float(count))], count >= FAILURES_BEFORE_OFFERING_HUMAN


def checked_slot(slot: str, parsed: Any, dispatcher: CollectingDispatcher, complaint: str) -> dict[str, Any]:
    """A form validation's result: the parsed value, or None (asked again) after saying what was wrong."""
    if parsed is None:
        dispatcher.utter_message(response=complaint)
    return {slot: parsed}
