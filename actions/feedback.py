"""Feedback and complaints (phản ánh, kiến nghị) with a ticket number, and 👍/👎 ratings of answers."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import tell_not_saved
from actions.form_attempts import checked_answer
from bot.errors import StoreUnavailable
from bot.services import form_inputs
from bot.services.application import application


class ValidateFeedbackForm(FormValidationAction):
    """Content, then an optional contact; consent is asked only when a contact was given."""

    def name(self) -> str:
        """The validation action of feedback_form."""
        return "validate_feedback_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """No consent question for a citizen who left no contact."""
        if tracker.get_slot("feedback_contact") == form_inputs.NO_CONTACT:
            return [slot for slot in domain_slots if slot != "feedback_consent"]
        return domain_slots

    def validate_feedback_content(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A few words at least; a second too-short answer ends the form (nothing is sent)."""
        content = form_inputs.feedback_content(str(value or ""))
        return checked_answer(
            "feedback_content",
            content,
            dispatcher,
            tracker,
            "utter_feedback_too_short",
            "utter_feedback_content_given_up",
        )

    def validate_feedback_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A phone number, an e-mail or "không"; a second unreadable answer sends the feedback without one."""
        found = form_inputs.contact(str(value or ""))
        return checked_answer(
            "feedback_contact",
            found,
            dispatcher,
            tracker,
            "utter_feedback_contact_malformed",
            "utter_feedback_contact_given_up",
            settle_with=form_inputs.NO_CONTACT,
        )

    def validate_feedback_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes or no; asked again when unclear; unclear twice is taken as no (the feedback is still sent)."""
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        answer = {"affirm": True, "deny": False}.get(str(intent)) if intent in ("affirm", "deny") else None
        if answer is None:
            answer = form_inputs.yes_or_no(str(value or ""))
        return checked_answer(
            "feedback_consent",
            answer,
            dispatcher,
            tracker,
            "utter_feedback_consent_unclear",
            "utter_feedback_consent_given_up",
            settle_with=False,
        )


class ActionSubmitFeedback(Action):
    """Stores the feedback and tells the ticket number."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_submit_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Create the ticket; the form's slots are cleared for the next one."""
        cleared = [
            SlotSet(slot, None) for slot in ("feedback_content", "feedback_contact", "feedback_consent")
        ]
        if not tracker.get_slot("feedback_content"):
            # The form was given up before any content: nothing to send, say what else can be done.
            dispatcher.utter_message(response="utter_feedback_not_sent")
            return cleared
        contact = tracker.get_slot("feedback_contact")
        consent = bool(tracker.get_slot("feedback_consent")) and contact not in (None, form_inputs.NO_CONTACT)
        try:
            ticket = application().records.create_feedback(
                tracker.sender_id,
                str(tracker.get_slot("feedback_content") or ""),
                tracker.get_slot("procedure_code"),
                str(contact) if consent else None,
                consent,
                reply_to=tracker.sender_id if consent else None,
            )
        except StoreUnavailable as error:
            tell_not_saved(dispatcher, error)
            return cleared
        dispatcher.utter_message(response="utter_feedback_received", ticket=ticket)
        return cleared


def rated_question(tracker: Tracker) -> str | None:
    """The citizen's last typed question before the rating (button payloads and the rating itself skipped)."""
    users = [event for event in tracker.events if event.get("event") == "user"]
    for event in reversed(users[:-1]):  # the last user event is the rating
        text = str(event.get("text") or "").strip()
        if text and not text.startswith("/"):
            return text
    return None


class ActionRateAnswer(Action):
    """Stores a 👍 / 👎 on the last answer; a 👎 offers rephrasing or a civil servant."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_rate_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Read the rating from the button (entity) or from the words typed."""
        rating = next(tracker.get_latest_entity_values("rating"), None)
        if rating not in ("up", "down"):
            text = (tracker.latest_message or {}).get("text") or ""
            rating = "down" if form_inputs.is_negative_rating(text) else "up"
        try:
            application().records.record_rating(
                tracker.sender_id, tracker.get_slot("procedure_code"), rating == "up", rated_question(tracker)
            )
        except StoreUnavailable as error:
            tell_not_saved(dispatcher, error)
            return []
        dispatcher.utter_message(response=f"utter_thanks_rating_{rating}")
        return []
