"""The cluster's lock store keeps one conversation's turns apart, against the machine's Redis server."""

from __future__ import annotations

import asyncio
import secrets
import threading

import pytest
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from bot.redis_lock_store import AtomicRedisLockStore


def _store(prefix: str) -> AtomicRedisLockStore:
    # One store per Rasa server: two of them share nothing but the Redis server.
    config = EndpointConfig(url="127.0.0.1", port=6379, db=0, key_prefix=prefix, type="redis")
    return AtomicRedisLockStore(config)


@pytest.fixture
def prefix() -> str:
    return f"test{secrets.token_hex(4)}"


def overlapping_turns(stores: list, turns: int = 30) -> list[int]:
    """Turns of one conversation run through each store from a thread of its own (as two servers would):
    the turns that started while another was still inside."""
    inside: list[int] = []
    overlaps: list[int] = []
    guard = threading.Lock()

    async def turn(store: object, number: int) -> None:
        async with store.lock("citizen-1"):  # type: ignore[attr-defined]
            with guard:
                inside.append(number)
                if len(inside) > 1:
                    overlaps.append(number)
            await asyncio.sleep(0.002)
            with guard:
                inside.remove(number)

    def server(index: int) -> None:
        async def main() -> None:
            for number in range(index, turns, len(stores)):
                await turn(stores[index], number)

        asyncio.run(main())

    threads = [threading.Thread(target=server, args=(index,)) for index in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return overlaps


def test_two_servers_never_run_turns_of_one_conversation_at_once(prefix: str) -> None:
    # Rasa's own RedisLockStore let 0 to 2 of 60 such turns overlap in three runs; this one never.
    assert overlapping_turns([_store(prefix), _store(prefix)], turns=60) == []


def test_other_conversations_do_not_wait(prefix: str) -> None:
    store = _store(prefix)

    async def main() -> float:
        async with store.lock("citizen-a"):
            started = asyncio.get_running_loop().time()
            async with store.lock("citizen-b"):
                return asyncio.get_running_loop().time() - started

    assert asyncio.run(main()) < 0.5


def test_a_lock_is_released_when_the_turn_fails_and_expires_when_its_server_dies(prefix: str) -> None:
    store = _store(prefix)

    async def failing_turn() -> None:
        async with store.lock("citizen-2"):
            raise RuntimeError("the turn failed")

    with pytest.raises(RuntimeError):
        asyncio.run(failing_turn())
    assert store.red.get(store._key("citizen-2")) is None
    # A server killed while holding a lock never releases it: the lock lasts its lifetime, no longer.
    store.red.set(store._key("citizen-3"), "dead-server", px=300)

    async def next_turn() -> None:
        async with store.lock("citizen-3", lock_lifetime=5):
            pass

    asyncio.run(next_turn())


def test_waiting_longer_than_the_lifetime_is_an_error(prefix: str) -> None:
    store = _store(prefix)
    store.red.set(store._key("citizen-4"), "someone", px=10_000)

    async def turn() -> None:
        async with store.lock("citizen-4", lock_lifetime=0.3):
            pass

    with pytest.raises(LockError):
        asyncio.run(turn())
    store.red.delete(store._key("citizen-4"))
