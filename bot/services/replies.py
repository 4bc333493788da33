"""The messages a reply plan becomes: shared by the assistant's action and the console's "try it" box.

actions/procedure.py sends these utterances; the staff console renders the same utterances to text (with
domain.yml's response templates), so what an editor sees is what a citizen gets, not a copy of it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.model import Procedure
from bot.services.candidates import Candidate, numbered
from bot.services.procedure_answers import ASPECT_BUTTONS, Aspect, compose
from bot.services.turn import ReplyKind, ReplyPlan
from bot.services.where_answer import DEFAULT_CITIZEN_LEVELS

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"
# The payload the domain's request_human intent takes (also offered by the handoff actions).
HUMAN_BUTTON = {"title": "Gặp cán bộ", "payload": "/request_human"}
RATING_BUTTONS = [
    {"title": "👍 Hữu ích", "payload": '/rate_answer{"rating": "up"}'},
    {"title": "👎 Chưa đúng ý", "payload": '/rate_answer{"rating": "down"}'},
]
NOT_UNDERSTOOD = "utter_default"  # what the fallback says the first time nothing fits (actions/handoff.py)


@dataclass(frozen=True)
class Utterance:
    """One message: a text, or a domain.yml response filled with ``values``; buttons under it."""

    text: str | None = None
    response: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    buttons: list[dict[str, str]] = field(default_factory=list)


def aspect_buttons(procedure: Procedure, exclude: Aspect) -> list[dict[str, str]]:
    """Buttons for the procedure's other aspects, then the 👍 / 👎 rating of this answer."""
    entity = json.dumps({"procedure_code": procedure.code})
    aspects = [
        {"title": title, "payload": f"/{aspect.value}{entity}"}
        for title, aspect in ASPECT_BUTTONS
        if aspect != exclude
    ]
    return aspects + RATING_BUTTONS


def candidate_buttons(candidates: tuple[Candidate, ...], aspect: Aspect) -> list[dict[str, str]]:
    """One button per candidate; its payload asks the same aspect of the chosen procedure."""
    return [
        {"title": c.title, "payload": f"/{aspect.value}" + json.dumps({"procedure_code": c.code})}
        for c in candidates
    ]


def utterances(
    plan: ReplyPlan, hotline: str = "", citizen_levels: Sequence[str] = DEFAULT_CITIZEN_LEVELS
) -> list[Utterance]:
    """The messages of a plan, as the assistant sends them the first time (no repeated failures yet).

    PASS gives the fallback's "not understood" reply; ``hotline`` is only said when unsure;
    ``citizen_levels`` (province.yml) orders the levels of a procedure carried out at several.
    """
    if plan.kind is ReplyKind.PASS:
        return [Utterance(response=NOT_UNDERSTOOD)]
    if plan.kind is ReplyKind.ASK_WHICH:
        return [Utterance(response="utter_ask_which_procedure")]
    if plan.kind is ReplyKind.UNSURE:
        buttons = candidate_buttons(plan.candidates, plan.aspect) + [HUMAN_BUTTON]
        return [Utterance(response="utter_procedure_unsure", values={"hotline": hotline}, buttons=buttons)]
    if plan.kind is ReplyKind.CLARIFY:
        return [
            Utterance(
                response="utter_which_of_these_procedures",
                values={"candidates": numbered(plan.candidates)},
                buttons=candidate_buttons(plan.candidates, plan.aspect),
            )
        ]
    assert plan.procedure is not None
    if plan.kind is ReplyKind.FAQ and plan.faq is not None:
        cited = plan.procedure
        text = f"{plan.faq.answer}\nNguồn: {cited.name} (mã {cited.code}): {cited.url}"
        return [Utterance(text=text, buttons=aspect_buttons(cited, plan.aspect))]
    said = [
        Utterance(
            text=compose(plan.procedure, plan.aspect, citizen_levels),
            buttons=aspect_buttons(plan.procedure, plan.aspect),
        )
    ]
    if plan.kind is ReplyKind.ANSWER_WITH_ALTERNATIVES and plan.candidates:
        said.append(
            Utterance(
                response="utter_other_candidates",
                values={"candidates": numbered(plan.candidates)},
                buttons=candidate_buttons(plan.candidates, plan.aspect),
            )
        )
    return said


@lru_cache(maxsize=1)
def _responses(path: Path = DOMAIN_FILE) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(raw.get("responses") or {})


def as_text(utterance: Utterance) -> str:
    """The text a citizen reads (a response: its first variation, with its {placeholders} filled)."""
    if utterance.text is not None:
        return utterance.text
    variations = _responses().get(utterance.response or "") or [{}]
    text = str(variations[0].get("text") or "")
    for name, value in utterance.values.items():
        text = text.replace("{" + name + "}", value)
    return text
