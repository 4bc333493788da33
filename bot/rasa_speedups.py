"""Costs of Rasa 3.6's message handling that buy nothing here, removed (the Rasa server's environment).

Each was found by ``make bench-load`` and py-spy on the Rasa server under 32 simulated citizens:

- Every reply of the action server is validated with ``jsonschema.validate``, which first checks the
  schema itself against the JSON Schema meta-schema: a quarter of the server's CPU time went there.
  The schema never changes, so it is checked once and its validator reused; replies are still validated
  as strictly as before.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


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


def install() -> None:
    """Apply every speed-up (idempotent)."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
