"""What bot.rasa_server adds to Rasa's runtime: outage replies and speed-ups that change no result."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecutionRejected,
    BotUttered,
    Event,
    FollowupAction,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot import action_outage, rasa_speedups

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens there once the socket is closed


def _run_unreachable(name: str, domain: Domain) -> list[Event]:
    action_outage.install()
    endpoint = EndpointConfig(url=f"http://127.0.0.1:{_closed_port()}/webhook")
    tracker = DialogueStateTracker.from_events(
        "outage", [UserUttered("000.00.04.H51-261118-0002")], domain.slots
    )
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return asyncio.run(RemoteAction(name, endpoint).run(CollectingOutputChannel(), nlg, tracker, domain))


def test_an_unreachable_action_server_is_told_and_the_message_taken_back(domain: Domain) -> None:
    events = _run_unreachable("action_answer_procedure", domain)
    assert isinstance(events[0], BotUttered) and "tạm thời gián đoạn" in (events[0].text or "")
    assert [type(event) for event in events[1:]] == [UserUtteranceReverted, FollowupAction]


def test_a_form_whose_validation_cannot_run_does_not_ask_its_next_question(domain: Domain) -> None:
    events = _run_unreachable("validate_dossier_status_form", domain)
    assert isinstance(events[-1], ActionExecutionRejected)
    assert events[-1].action_name == "dossier_status_form"


def test_event_classes_are_found_as_rasa_finds_them() -> None:
    names = {subclass.type_name for subclass in all_subclasses(Event)}
    original = {name: rasa_speedups._resolve_event_class(name) for name in names}  # Rasa's own look-up
    rasa_speedups.install()
    assert {name: Event.resolve_by_type(name) for name in names} == original
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


@pytest.mark.parametrize(
    "result",
    [
        {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": [{"text": "xin chào"}]},
        {"events": [], "responses": []},
        {"events": "not a list"},
        {"events": [{"no_event_key": 1}]},
        {"responses": [{"text": 3}]},
    ],
)
def test_action_results_are_validated_as_strictly_as_before(result: dict) -> None:
    rasa_speedups.install()
    try:
        validate(result, RemoteAction.action_response_format_spec())
        expected_valid = True
    except ValidationError:
        expected_valid = False
    action = RemoteAction("any", None)
    if expected_valid:
        assert action._validate_action_result(result)
    else:
        with pytest.raises(ValidationError):
            action._validate_action_result(result)
