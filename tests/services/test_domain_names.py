"""Every action and response name used in code exists in domain.yml, and every domain action is served."""

import re

from rasa_sdk.executor import ActionExecutor

from tests.services.conftest import ROOT


def _code_files() -> list[str]:
    paths = list((ROOT / "actions").rglob("*.py")) + list((ROOT / "bot").rglob("*.py"))
    return [p.read_text(encoding="utf-8") for p in paths]


def test_responses_used_in_code_are_in_the_domain(domain) -> None:
    used = {name for code in _code_files() for name in re.findall(r'"(utter_[a-z_/]+)"', code)}
    assert used, "expected the actions to use domain responses"
    missing = used - set(domain["responses"])
    assert not missing


def test_domain_actions_are_all_registered_with_the_sdk(domain) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    registered = {item.name for item in executor.list_actions()}
    custom = {name for name in domain["actions"] if name.startswith(("action_", "validate_"))}
    assert custom <= registered, custom - registered
    assert registered <= custom, registered - custom
