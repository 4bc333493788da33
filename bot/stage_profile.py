"""Where a turn's time goes in the Rasa server, for ``make bench`` (the Rasa server's environment).

Off unless $CITIZENBOT_PROFILE_DIR names a folder: then ``install()`` times, for every message handled,
the conversation lock, NLU, policy predictions, loading and saving the tracker, and the calls to the action
server, and appends one JSON line per turn to ``<folder>/rasa-<pid>.jsonl``. The timings of one turn are
collected in a context variable, so concurrent turns on the event loop never mix.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.processor import MessageProcessor

PROFILE_DIR_ENV = "CITIZENBOT_PROFILE_DIR"
_turn: ContextVar[dict[str, float] | None] = ContextVar("citizenbot_turn", default=None)


def _add(stage: str, started: float) -> None:
    timings = _turn.get()
    if timings is not None:
        timings[stage] = timings.get(stage, 0.0) + (time.perf_counter() - started) * 1000
        timings[f"{stage}_calls"] = timings.get(f"{stage}_calls", 0) + 1


def _time_async(owner: type, name: str, stage: str) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            _add(stage, started)

    setattr(owner, name, timed)


def _time_sync(owner: type, name: str, stage: str) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _add(stage, started)

    setattr(owner, name, timed)


class _TurnLog:
    """One JSON line per turn, appended under a lock (the channels' worker threads handle turns too)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = path.open("a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def write(self, timings: dict[str, float]) -> None:
        with self._lock:
            self._handle.write(json.dumps({key: round(value, 2) for key, value in timings.items()}) + "\n")


def install() -> bool:
    """Time each turn's stages when $CITIZENBOT_PROFILE_DIR is set; whether profiling is on."""
    directory = os.environ.get(PROFILE_DIR_ENV)
    if not directory:
        return False
    log = _TurnLog(Path(directory) / f"rasa-{os.getpid()}.jsonl")
    handle_message = Agent.handle_message

    @functools.wraps(handle_message)
    async def timed_turn(self: Agent, message: Any) -> Any:
        timings: dict[str, float] = {}
        token = _turn.set(timings)
        started = time.perf_counter()
        try:
            return await handle_message(self, message)
        finally:
            timings["total"] = (time.perf_counter() - started) * 1000
            # The lock is what the turn waited for before the processor started on it.
            timings["lock"] = timings["total"] - timings.get("processing", 0.0)
            _turn.reset(token)
            log.write(timings)

    Agent.handle_message = timed_turn  # type: ignore[method-assign]
    _time_async(MessageProcessor, "handle_message", "processing")
    _time_async(MessageProcessor, "parse_message", "nlu")
    _time_sync(MessageProcessor, "_predict_next_with_tracker", "policies")
    _time_async(MessageProcessor, "fetch_tracker_and_update_session", "tracker_load")
    _time_async(MessageProcessor, "save_tracker", "tracker_save")
    _time_async(RemoteAction, "run", "action_server")
    return True
