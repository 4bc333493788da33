"""A cluster for the scale-out tests: 2 Rasa servers and 2 services processes behind nginx, on the
machine's PostgreSQL (127.0.0.1:5432, a database made for this run) and Redis (127.0.0.1:6379)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from bot.cluster import Cluster, ClusterSpec, drop_database, fresh_tokens, running_cluster
from bot.devstack import MODEL


def texts(messages: list[dict]) -> str:
    """The replies' texts, one per line."""
    return "\n".join(message.get("text", "") for message in messages)


def user_texts(cluster: Cluster, sender: str, base_url: str | None = None) -> list[str]:
    """What the citizen said, as the tracker store holds it (read through one Rasa server's API)."""
    response = httpx.get(
        f"{base_url or cluster.rasa_url(1)}/conversations/{sender}/tracker",
        params={"token": cluster.spec.tokens["RASA_AUTH_TOKEN"]},
        timeout=30,
    )
    response.raise_for_status()
    return [event["text"] for event in response.json()["events"] if event["event"] == "user"]


def staff(cluster: Cluster, method: str, path: str, **kwargs: object) -> httpx.Response:
    """The staff API through nginx (either services process may answer)."""
    headers = {"Authorization": f"Bearer {cluster.spec.tokens['CITIZENBOT_STAFF_TOKEN']}"}
    return httpx.request(
        method, f"{cluster.public_url}/api/staff{path}", headers=headers, timeout=30, **kwargs
    )  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make test` (it trains first)")
    database_url = f"postgresql://127.0.0.1:5432/citizenbot_test_{secrets.token_hex(4)}"
    spec = ClusterSpec(
        tmp_path_factory.mktemp("cluster"), database_url=database_url, demo=True, tokens=fresh_tokens()
    )
    try:
        with running_cluster(spec) as running:
            yield running
    finally:
        drop_database(database_url)
