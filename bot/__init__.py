"""Vietnamese citizen-service assistant: text layer, NLU components, knowledge base, services."""

__version__ = "0.1.0"
