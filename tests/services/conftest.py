import json
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.store_backends import default_database_url, store_backend  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def tracker_from(name: str) -> Tracker:
    raw = json.loads((DATA / name).read_text(encoding="utf-8"))
    return Tracker(
        raw["sender_id"],
        raw["slots"],
        raw["latest_message"],
        raw["events"],
        raw["paused"],
        raw["followup_action"],
        raw["active_loop"],
        raw["latest_action_name"],
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def make_tracker(
    text: str = "",
    intent: str = "",
    slots: dict | None = None,
    entities: list | None = None,
    events: list | None = None,
    sender_id: str = "citizen-1",
    active_loop: str | None = None,
    requested_slot: str | None = None,
    extracted: dict | None = None,
) -> Tracker:
    """A tracker as the Rasa server sends it to the action server.

    ``extracted``: slot values the form just extracted from the message (what a validation action checks).
    """
    slots = dict(slots or {}) | dict(extracted or {})
    events = list(events or [])
    if extracted:
        events.append({"event": "user", "text": text})
        events += [{"event": "slot", "name": name, "value": value} for name, value in extracted.items()]
    if requested_slot:
        slots["requested_slot"] = requested_slot
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "entities": entities or [],
    }
    return Tracker(
        sender_id, slots, message, events, False, None,
        {"name": active_loop} if active_loop else {}, "action_listen",
    )  # fmt: skip


@pytest.fixture(scope="session")
def knowledge_service():
    """One knowledge service (the index in var/index, loaded once) for every test of the session."""
    from bot.services.application import knowledge_service

    return knowledge_service()


@pytest.fixture
def database_url(monkeypatch) -> str | None:
    """The SQLite file; store tests override this with ``store_backend`` to run on PostgreSQL too."""
    default_database_url(monkeypatch)
    return None


@pytest.fixture(autouse=True)
def fresh_store(tmp_path, monkeypatch, knowledge_service, database_url):
    """Every test gets its own application: its own store, the shared knowledge service."""
    from bot.services.application import Application, install
    from bot.services.records import CitizenRecords
    from bot.settings import load_settings

    monkeypatch.setenv("CITIZENBOT_DB", str(tmp_path / "citizenbot.db"))
    install(Application(load_settings(), CitizenRecords(tmp_path / "citizenbot.db"), knowledge_service))
    yield tmp_path / "citizenbot.db"
    install(None)
