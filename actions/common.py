"""What several actions share: counting the turns the assistant could not answer, handing over to a human."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.errors import StoreUnavailable
from bot.services.application import application
from bot.services.handoff import transcript
from bot.services.office import OfficeTopic, describe

logger = logging.getLogger(__name__)

# Turns in a row the assistant could not answer: from the 2nd it offers a civil servant, at the 3rd it
# hands the conversation over.
FAILURES_BEFORE_OFFERING_HUMAN = 2
FAILURES_BEFORE_HANDOFF = 3


def failure_events(tracker: Tracker, failed: bool) -> tuple[list[dict[str, Any]], int]:
    """The slot update for this turn and how many turns in a row have now failed."""
    count = int(tracker.get_slot("failed_turns") or 0) + 1 if failed else 0
    return [SlotSet("failed_turns", float(count))], count


def queue_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[dict[str, Any]]:
    """Create (or find) the conversation's handoff request, tell hours and hotline, and pause the bot."""
    app = application()
    try:
        request = app.records.open_handoff(tracker.sender_id, reason, transcript(list(tracker.events)))
    except StoreUnavailable as error:
        # No request in the queue means no civil servant will come: the bot keeps answering.
        tell_not_saved(dispatcher, error)
        return [SlotSet("failed_turns", 0.0)]
    logger.info("handoff request %s queued (%s)", request.ticket, reason)
    # The custom part tells the web widget to start fetching the civil servant's replies.
    dispatcher.utter_message(
        response="utter_handoff_queued", ticket=request.ticket, json_message={"handoff": request.ticket}
    )
    contacts = describe(app.settings, [OfficeTopic.HOURS, OfficeTopic.HOTLINE])
    if contacts:
        dispatcher.utter_message(text=contacts)
    return [SlotSet("failed_turns", 0.0), ConversationPaused()]


def tell_not_saved(dispatcher: CollectingDispatcher, error: StoreUnavailable) -> None:
    """The store could not take the citizen's request: say so, and how to get help meanwhile."""
    hotline = application().settings.centre.hotline
    way_out = (
        f"hoặc gọi đường dây nóng {hotline} để được hỗ trợ" if hotline else "hoặc liên hệ trực tiếp Trung tâm"
    )
    dispatcher.utter_message(text=f"{error} Anh/chị vui lòng thử lại sau ít phút {way_out}.")


def keep_unanswered(sender_id: str, question: str, **details: Any) -> None:
    """Record a question for staff review; when the store cannot take it, only this record is lost."""
    try:
        application().records.record_unanswered(sender_id, question, **details)
    except StoreUnavailable:
        # Not the citizen's request: the answer goes on without telling them about it.
        logger.warning("unanswered question not recorded: the records store is unavailable")
