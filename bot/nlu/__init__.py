"""Rasa NLU components for Vietnamese (runs in the Rasa server's Python 3.10 environment)."""
