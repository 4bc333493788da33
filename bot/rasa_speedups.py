"""Costs of Rasa 3.6's message handling that buy nothing here, removed (the Rasa server's environment).

Each was found by ``make bench-load`` and py-spy on the Rasa server under 32 simulated citizens:

- Every reply of the action server is validated with ``jsonschema.validate``, which first checks the
  schema itself against the JSON Schema meta-schema: a quarter of the server's CPU time went there.
  The schema never changes, so it is checked once and its validator reused; replies are still validated
  as strictly as before.
- Every event read back from the tracker store finds its class by walking all of ``Event``'s subclasses
  again (``Event.resolve_by_type``): over half the time of loading a tracker, and the reason that time grew
  steeply with a conversation's length. The classes are looked up in a table built once (rebuilt when an
  unknown name shows up, in case a class was imported since).
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses


@functools.cache
def _action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _action_result_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action "
            f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise


_resolve_event_class = Event.resolve_by_type
_event_classes: dict[str, type[Event]] = {}


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _event_classes.get(type_name)
    if found is None:
        for subclass in all_subclasses(Event):  # the order Rasa's own look-up goes through them
            _event_classes.setdefault(subclass.type_name, subclass)
        found = _event_classes.get(type_name)
    # Names no class has ("topic" from old trackers, unknown ones) keep Rasa's own answer.
    return found if found is not None else _resolve_event_class(type_name, default)


def install() -> None:
    """Apply every speed-up (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign,assignment]
