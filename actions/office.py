"""Office information: hours, address, hotline of the province's service centre."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.services.application import application
from bot.services.office import describe, topics_asked


class ActionOfficeInfo(Action):
    """Answers what was asked about the centre."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_office_info"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Compose the answer from the province settings."""
        settings = application().settings
        message = tracker.latest_message or {}
        dispatcher.utter_message(text=describe(settings, topics_asked(message.get("text") or "")))
        return []
