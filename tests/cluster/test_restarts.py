"""Servers restarted under a running cluster: nothing lost, no manual step (private PostgreSQL and Redis)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest

from bot.cluster import Cluster, ClusterSpec, fresh_tokens, running_cluster
from tests.cluster.conftest import staff, texts, user_texts
from tests.cluster.servers import PrivatePostgres, PrivateRedis, private_servers

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[PrivatePostgres, PrivateRedis]]:
    with private_servers() as started:
        yield started


@pytest.fixture(scope="module")
def small_cluster(
    tmp_path_factory: pytest.TempPathFactory, servers: tuple[PrivatePostgres, PrivateRedis]
) -> Iterator[Cluster]:
    postgres, redis = servers
    spec = ClusterSpec(
        tmp_path_factory.mktemp("restarts"), database_url=postgres.url, redis_url=redis.url,
        rasa_servers=1, action_servers=1, demo=True, tokens=fresh_tokens(),
    )  # fmt: skip
    with running_cluster(spec) as running:
        yield running


def _ticket(cluster: Cluster, reference: str) -> tuple | None:
    with psycopg.connect(cluster.spec.database_url) as connection:
        query = "SELECT content, status FROM feedback_tickets WHERE ticket = %s"
        return connection.execute(query, (reference,)).fetchone()


def _open_handoffs(cluster: Cluster) -> list[str]:
    return [r["sender_id"] for r in staff(cluster, "GET", "/handoffs", params={"status": "open"}).json()]


def test_postgresql_and_redis_restarts_are_survived_without_a_manual_step(
    small_cluster: Cluster, servers: tuple[PrivatePostgres, PrivateRedis]
) -> None:
    postgres, redis = servers
    sender = f"restart-stores-{secrets.token_hex(3)}"
    assert "mã 1.001193" in texts(small_cluster.say(sender, "thủ tục đăng ký khai sinh cần giấy tờ gì"))
    postgres.restart()
    # Every pooled connection died with the server: the next turn gets fresh ones.
    assert "mã 1.001193" in texts(small_cluster.say(sender, "còn lệ phí thì sao?"))
    redis.restart()
    assert "mã 1.001193" in texts(small_cluster.say(sender, "thế mất bao lâu"))
    queued = texts(small_cluster.say(sender, "cho tôi gặp cán bộ"))
    assert "HT-" in queued and sender in _open_handoffs(small_cluster)
    assert user_texts(small_cluster, sender)[-4:] == [
        "thủ tục đăng ký khai sinh cần giấy tờ gì", "còn lệ phí thì sao?",
        "thế mất bao lâu", "cho tôi gặp cán bộ",
    ]  # fmt: skip


def test_restarted_rasa_and_services_lose_no_conversation_ticket_or_handoff(small_cluster: Cluster) -> None:
    sender = f"restart-servers-{secrets.token_hex(3)}"
    small_cluster.say(sender, "tôi muốn phản ánh")
    small_cluster.say(sender, "Điện thoại bộ phận một cửa không ai nghe máy")
    filed = texts(small_cluster.say(sender, "không"))
    reference = filed.split("mã ")[1].split()[0]
    assert "HT-" in texts(small_cluster.say(sender, "cho tôi gặp cán bộ"))
    said_before = user_texts(small_cluster, sender)
    for name in ("rasa-1", "services-1"):
        small_cluster.restart(name)
    assert user_texts(small_cluster, sender) == said_before
    assert _ticket(small_cluster, reference) == ("Điện thoại bộ phận một cửa không ai nghe máy", "new")
    assert sender in _open_handoffs(small_cluster)
    # The handoff still holds the conversation: the bot stays paused for it after the restart.
    assert "đang chờ" in texts(small_cluster.say(sender, "lệ phí đăng ký khai sinh"))
