"""The services process's knowledge service: the application's (see bot.services.application)."""

from __future__ import annotations

from bot.knowledge.index import KnowledgeService
from bot.services.application import application


def knowledge() -> KnowledgeService:
    """The knowledge service of the process's application."""
    return application().knowledge
