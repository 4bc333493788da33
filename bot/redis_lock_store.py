"""A Redis lock store that really keeps one conversation's messages apart across Rasa servers.

Rasa 3.6's ``RedisLockStore`` issues a ticket by reading the lock from Redis, adding a ticket and writing it
back: two servers receiving a message of the same conversation at the same moment both read the empty lock,
both get ticket 0 and both go ahead. Each then saves the tracker it loaded before the other's turn, and
Rasa's SQL store drops the second one's new events (the cluster test that sends two messages at once lost
one this way). This store takes the lock with one atomic ``SET NX PX`` and releases it with a
compare-and-delete script, so that exactly one turn of a conversation runs at a time, whichever server
it reaches. A lock whose server died expires after its lifetime.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# Deletes the lock only if it is still ours: a lock that expired and was taken by another turn stays.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
FIRST_WAIT_S = 0.01
LONGEST_WAIT_S = 0.1


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with an atomic lock, configured alike (url, port, db, key_prefix…)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """Connect as Rasa's Redis lock store does, from the endpoints file's ``lock_store`` section."""
        settings: dict[str, Any] = dict(endpoint_config.kwargs)
        settings.pop("type", None)
        super().__init__(host=endpoint_config.url or "localhost", **settings)
        self._release = self.red.register_script(_RELEASE)

    def _key(self, conversation_id: str) -> str:
        return f"{self.key_prefix}atomic:{conversation_id}"

    @asynccontextmanager
    async def lock(  # type: ignore[override]
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock | None]:
        """Hold the conversation's lock for the block; wait for it at most ``lock_lifetime`` seconds."""
        key, token = self._key(conversation_id), secrets.token_hex(16)
        deadline = time.monotonic() + lock_lifetime
        wait = FIRST_WAIT_S
        try:
            while not self.red.set(key, token, nx=True, px=int(lock_lifetime * 1000)):
                if time.monotonic() > deadline:
                    raise LockError(
                        f"conversation {conversation_id}: lock not free after {lock_lifetime:.0f} s"
                    )
                await asyncio.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT_S)
        except LockError:
            raise
        except Exception as error:  # Redis unreachable: the message cannot be handled safely now
            raise LockError(f"lock store unavailable: {type(error).__name__}") from error
        try:
            yield None
        finally:
            try:
                self._release(keys=[key], args=[token])
            except Exception as error:  # noqa: BLE001 - the lock then expires after its lifetime
                logger.warning(
                    "conversation lock not released (%s); it expires by itself", type(error).__name__
                )
