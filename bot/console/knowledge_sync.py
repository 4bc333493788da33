"""Every services process answers with the knowledge staff last saved, also in a cluster.

The process that saves a change in the console gives it to its own search engine at once. Processes
sharing the store (``make run-cluster``: two services processes on one PostgreSQL database) learn of it
by looking at the knowledge tables every POLL_S seconds: a change in any table's row count, versions or
last update re-publishes the stored aliases, concept rules and FAQ, as at start-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.console.db import ConsoleDatabase
from bot.errors import CitizenBotError

logger = logging.getLogger(__name__)

POLL_S = 2.0
KNOWLEDGE_TABLES = ("console_faq", "console_aliases", "console_concepts")

KnowledgeState = tuple[tuple[object, ...], ...]


def knowledge_state(database: ConsoleDatabase) -> KnowledgeState:
    """What changes whenever an entry of the knowledge tables is added, edited or (de)activated."""
    with database.connect() as db:
        return tuple(
            tuple(
                db.execute(
                    f"SELECT COUNT(*), COALESCE(SUM(version), 0), COALESCE(MAX(updated_at), '') FROM {table}"
                ).fetchone()
            )
            for table in KNOWLEDGE_TABLES
        )


async def follow_knowledge_changes(
    database: ConsoleDatabase, publish: Callable[[], float | None], poll_s: float = POLL_S
) -> None:
    """Run for the life of the server: call ``publish()`` (blocking, in a thread) after each change."""
    last = await asyncio.to_thread(knowledge_state, database)
    while True:
        await asyncio.sleep(poll_s)
        try:
            state = await asyncio.to_thread(knowledge_state, database)
            if state != last:
                took = await asyncio.to_thread(publish)
                last = state
                logger.info("knowledge changed in the store: published again in %.2f s", took or 0.0)
        except CitizenBotError as error:  # the store unreachable for a while: try again next time
            logger.warning("knowledge changes not followed this time: %s", error)
