"""The services process's one knowledge service (index loaded once, on first use or at start-up)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from bot.knowledge.index import DEFAULT_INDEX_DIR, KnowledgeService

_service: KnowledgeService | None = None
_lock = threading.Lock()


def knowledge() -> KnowledgeService:
    """The process-wide knowledge service ($CITIZENBOT_INDEX_DIR or var/index)."""
    global _service
    with _lock:
        if _service is None:
            _service = KnowledgeService(Path(os.environ.get("CITIZENBOT_INDEX_DIR", DEFAULT_INDEX_DIR)))
        return _service
