"""Feedback and complaints (phản ánh, kiến nghị) with a ticket number, and 👍/👎 ratings of answers."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import checked_slot
from bot.services import form_inputs
from bot.services.records import records


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
        """A few words at least."""
        content = form_inputs.feedback_content(str(value or ""))
        return checked_slot("feedback_content", content, dispatcher, "utter_feedback_too_short")

    def validate_feedback_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A phone number, an e-mail, or "không"."""
        found = form_inputs.contact(str(value or ""))
        return checked_slot("feedback_contact", found, dispatcher, "utter_feedback_contact_malformed")

    def validate_feedback_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes or no; asked again when unclear."""
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        answer = {"affirm": True, "deny": False}.get(str(intent)) if intent in ("affirm", "deny") else None
        if answer is None:
            answer = form_inputs.yes_or_no(str(value or ""))
        return checked_slot("feedback_consent", answer, dispatcher, "utter_feedback_consent_unclear")


class ActionSubmitFeedback(Action):
    """Stores the feedback and tells the ticket number."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_submit_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Create the ticket; the form's slots are cleared for the next one."""
        contact = tracker.get_slot("feedback_contact")
        consent = bool(tracker.get_slot("feedback_consent")) and contact not in (None, form_inputs.NO_CONTACT)
        ticket = records().create_feedback(
            tracker.sender_id,
            str(tracker.get_slot("feedback_content") or ""),
            tracker.get_slot("procedure_code"),
            str(contact) if consent else None,
            consent,
        )
        dispatcher.utter_message(response="utter_feedback_received", ticket=ticket)
        return [SlotSet(slot, None) for slot in ("feedback_content", "feedback_contact", "feedback_consent")]


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
        records().record_rating(tracker.sender_id, tracker.get_slot("procedure_code"), rating == "up")
        dispatcher.utter_message(response=f"utter_thanks_rating_{rating}")
        return []
