"""Answers about a procedure's aspects (documents, fee, time, place, steps, legal basis…) with a citation."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.errors import CitizenBotError
from bot.knowledge.analysis import analyze_query
from bot.knowledge.model import Procedure
from bot.services.knowledge_access import knowledge
from bot.services.procedure_answers import ASPECT_BUTTONS, Aspect, compose

logger = logging.getLogger(__name__)


def _aspect_buttons(procedure: Procedure, exclude: Aspect) -> list[dict[str, str]]:
    entity = json.dumps({"procedure_code": procedure.code})
    return [
        {"title": title, "payload": f"/{aspect.value}{entity}"}
        for title, aspect in ASPECT_BUTTONS
        if aspect != exclude
    ]


def _candidate_buttons(codes_names: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [
        {
            "title": name if len(name) <= 80 else name[:79] + "…",
            "payload": "/ask_procedure" + json.dumps({"procedure_code": code}),
        }
        for code, name in codes_names
    ]


class ActionAnswerProcedure(Action):
    """Finds the procedure (named now, chosen by a button, or under discussion) and answers the aspect."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_answer_procedure"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Answer, ask back, or say honestly that nothing fits."""
        message = tracker.latest_message or {}
        aspect = Aspect.from_intent((message.get("intent") or {}).get("name"))
        text = message.get("text") or ""
        try:
            engine = knowledge().engine
        except CitizenBotError as error:
            logger.error("knowledge base unavailable: %s", error)
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        chosen = next(tracker.get_latest_entity_values("procedure_code"), None)
        current = tracker.get_slot("procedure_code")
        procedure: Procedure | None = None
        if chosen and chosen in engine.by_code:
            procedure = engine.procedures[engine.by_code[chosen]]
        else:
            query = analyze_query(text)
            # A follow-up ("còn lệ phí thì sao?") names no procedure: it has fewer than two topic syllables.
            names_something = sum(w >= 1.0 for w in query.weights) >= 2 or bool(query.expansions)
            result = engine.search(text, 5) if names_something and not text.startswith("/") else None
            if result is not None and result.top is not None and not result.abstain:
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
                    dispatcher.utter_message(text=compose(procedure, aspect))
                    dispatcher.utter_message(
                        response="utter_other_candidates",
                        buttons=_candidate_buttons([(h.code, h.name) for h in result.hits[1:4]]),
                    )
                    return [SlotSet("procedure_code", procedure.code)]
            elif current and current in engine.by_code:
                procedure = engine.procedures[engine.by_code[current]]  # a follow-up about the same procedure
            elif result is not None and result.hits:
                dispatcher.utter_message(
                    response="utter_procedure_unsure",
                    buttons=_candidate_buttons([(h.code, h.name) for h in result.hits[:3]]),
                )
                return []
        if procedure is None:
            dispatcher.utter_message(response="utter_ask_which_procedure")
            return []
        dispatcher.utter_message(text=compose(procedure, aspect), buttons=_aspect_buttons(procedure, aspect))
        return [SlotSet("procedure_code", procedure.code)]
