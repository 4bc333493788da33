"""Dossier status: the form's validation and the ownership-checked look-up."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_attempts import checked_answer
from bot.errors import ConfigurationError
from bot.services.application import application
from bot.services.dossier_status import Outcome, describe
from bot.services.form_inputs import owner_digits


class ValidateDossierStatusForm(FormValidationAction):
    """Checks the dossier code's format and reads the owner's 4 digits."""

    def name(self) -> str:
        """The validation action of dossier_status_form."""
        return "validate_dossier_status_form"

    def validate_dossier_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept a code of the configured one-stop format; explain the format otherwise, once."""
        settings = application().settings
        code = settings.find_dossier_code(str(value or ""))
        return checked_answer(
            "dossier_code",
            code,
            dispatcher,
            tracker,
            "utter_dossier_code_malformed",
            "utter_dossier_code_given_up",
            example=settings.dossier_code_example,
        )

    def validate_phone_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keep only the last 4 digits, whatever the citizen typed."""
        digits = owner_digits(str(value or ""))
        return checked_answer(
            "phone_last4",
            digits,
            dispatcher,
            tracker,
            "utter_phone_last4_malformed",
            "utter_phone_last4_given_up",
        )


class ActionDossierStatus(Action):
    """Looks the dossier up once the form is complete; clears the form's slots for the next look-up."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_dossier_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Tell the status, or why not; a form given up (no code or digits) gets the other ways to look up."""
        code, digits = tracker.get_slot("dossier_code"), tracker.get_slot("phone_last4")
        reset = [SlotSet("dossier_code", None), SlotSet("phone_last4", None)]
        if not code or not digits:
            dispatcher.utter_message(response="utter_dossier_status_howto")
            return reset
        try:
            result = application().dossier_lookup.check(tracker.sender_id, str(code), str(digits))
        except ConfigurationError:
            result = None
        if result is None or result.outcome is Outcome.UNAVAILABLE:
            dispatcher.utter_message(response="utter_dossier_system_unavailable")
        elif result.outcome is Outcome.RATE_LIMITED:
            dispatcher.utter_message(response="utter_dossier_rate_limited")
        elif result.outcome is Outcome.NO_MATCH or result.dossier is None:
            dispatcher.utter_message(response="utter_dossier_no_match")
        else:
            dispatcher.utter_message(text=describe(result.dossier))
        return reset
