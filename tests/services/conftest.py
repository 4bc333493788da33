import json
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

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
