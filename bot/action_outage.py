"""What a citizen is told when the action server cannot answer (the Rasa server's environment).

Rasa 3.6 logs a failed custom action and goes on with no events: the citizen's message gets no reply at
all, and cannot tell a stalled assistant from a lost message. ``install()`` wraps Rasa's remote action so
that an unreachable action server, or one answering with an error, becomes one Vietnamese line saying the
service is temporarily unavailable and asking to send it again. The message is taken back (Rasa's
``UserUtteranceReverted``), so the conversation goes on from where it was once the action server is back.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecutionRejected,
    BotUttered,
    Event,
    FollowupAction,
    UserUtteranceReverted,
)
from rasa.shared.exceptions import RasaException

from bot.settings import load_settings

logger = logging.getLogger(__name__)
VALIDATION_PREFIX = "validate_"  # Rasa calls a form's validation action validate_<form name>


def unavailable_text() -> str:
    """The reply for an action that could not run, with the province's hotline."""
    centre = load_settings().centre
    return (
        "Xin lỗi, hệ thống đang tạm thời gián đoạn nên chưa trả lời được câu này. "
        f"Anh/chị vui lòng gửi lại sau ít phút, hoặc gọi đường dây nóng {centre.hotline}."
    )


def install() -> None:
    """Make every remote action answer the citizen when the action server fails (idempotent)."""
    if getattr(RemoteAction.run, "_answers_outages", False):
        return
    run_remote = RemoteAction.run
    text = unavailable_text()

    async def run_or_apologise(self: RemoteAction, *args: Any, **kwargs: Any) -> list[Event]:
        try:
            return await run_remote(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise  # a form's validation said no: Rasa's own handling, not an outage
        except RasaException as error:
            logger.error(
                "action %s failed, the citizen is told the service is unavailable: %s", self.name(), error
            )
            # The citizen's message is taken back, with what Rasa read from it (a form's slot): once the
            # action server is back, the same message sent again continues from where it was.
            events: list[Event] = [
                BotUttered(text=text, metadata={"outage": True}),
                UserUtteranceReverted(),
                FollowupAction(ACTION_LISTEN_NAME),
            ]
            if self.name().startswith(VALIDATION_PREFIX):
                # A form's validation: the form must not go on to ask its next question about a value
                # nobody checked. Rasa lifts the rejection at the next action_listen.
                events.append(ActionExecutionRejected(self.name().removeprefix(VALIDATION_PREFIX)))
            return events

    run_or_apologise._answers_outages = True  # type: ignore[attr-defined]
    RemoteAction.run = run_or_apologise  # type: ignore[method-assign]
