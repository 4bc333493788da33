"""The base of our NLU components that have no options and no trained state."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class OptionlessComponent(GraphComponent):
    """A graph component built with no arguments: nothing to configure, load or persist."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options."""
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> OptionlessComponent:
        """Create the component (see the parent class)."""
        return cls()
