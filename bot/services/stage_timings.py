"""Per-call timings of the services process, for ``make bench-load`` (off unless $CITIZENBOT_PROFILE_DIR).

The Rasa server times its side of a turn (bot/stage_profile.py); this times the actions it calls and the
retrieval inside them, one JSON line per call in ``<folder>/services-<pid>.jsonl``.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

PROFILE_DIR_ENV = "CITIZENBOT_PROFILE_DIR"


def install() -> bool:
    """Time action runs and searches when $CITIZENBOT_PROFILE_DIR is set; whether timing is on."""
    directory = os.environ.get(PROFILE_DIR_ENV)
    if not directory:
        return False
    from rasa_sdk.executor import ActionExecutor

    from bot.knowledge.search import SearchEngine

    Path(directory).mkdir(parents=True, exist_ok=True)
    handle = (Path(directory) / f"services-{os.getpid()}.jsonl").open("a", encoding="utf-8", buffering=1)
    lock = threading.Lock()

    def write(stage: str, started: float) -> None:
        line = json.dumps({stage: round((time.perf_counter() - started) * 1000, 2)})
        with lock:
            handle.write(line + "\n")

    run_action = ActionExecutor.run

    @functools.wraps(run_action)
    async def timed_action(self: ActionExecutor, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await run_action(self, *args, **kwargs)
        finally:
            write("action", started)

    search = SearchEngine.search

    @functools.wraps(search)
    def timed_search(self: SearchEngine, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return search(self, *args, **kwargs)
        finally:
            write("retrieval", started)

    ActionExecutor.run = timed_action  # type: ignore[method-assign]
    SearchEngine.search = timed_search  # type: ignore[method-assign]
    return True
