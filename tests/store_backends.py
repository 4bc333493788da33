"""Running the store tests on both backends: the SQLite file and a real PostgreSQL server.

The PostgreSQL variants talk to $CITIZENBOT_TEST_PG (default postgresql://127.0.0.1:5432/test, trust auth)
in a fresh schema per test, dropped afterwards. They never skip: an unreachable server fails the test.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from bot.pg_store import PostgresDatabase
from bot.store_database import DATABASE_URL_ENV

BACKENDS = ("sqlite", "postgresql")
_server: str | None = None


def server_url() -> str:
    """The test server's URL, as the OS user (root) or else as postgres; raises when unreachable."""
    global _server
    if _server is None:
        url = os.environ.get("CITIZENBOT_TEST_PG", "postgresql://127.0.0.1:5432/test")
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.OperationalError as error:
            if "postgres@" in url or "role" not in str(error):
                raise
            url = url.replace("://", "://postgres@", 1)
            psycopg.connect(url, connect_timeout=5).close()
        _server = url
    return _server


def with_search_path(url: str, schema: str) -> str:
    """The URL with the schema as the connection's search path."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def admin(sql: str, *params: Any) -> None:
    """One statement on the test server outside any schema (autocommit)."""
    with psycopg.connect(server_url(), autocommit=True) as connection:
        connection.execute(sql, params or None)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema on the test server: its URL; the schema and its connections go afterwards."""
    name = f"cb_{secrets.token_hex(6)}"
    admin(f"CREATE SCHEMA {name}")
    url = with_search_path(server_url(), name)
    try:
        yield url
    finally:
        PostgresDatabase(url).close()
        admin(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture(params=BACKENDS)
def store_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """The stores on SQLite (None), then on PostgreSQL (its URL, set as $CITIZENBOT_DATABASE_URL)."""
    if request.param == "sqlite":
        monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
        yield None
        return
    with postgres_schema() as url:
        monkeypatch.setenv(DATABASE_URL_ENV, url)
        yield url


def default_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that are not about the store use the SQLite file, whatever the environment says."""
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)


def table_dump(database: Any) -> str:
    """Every row of every table of a store, as text (to check what is and is not stored)."""
    with database.transaction() as db:
        if database.is_postgres:
            query = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        tables = [row[0] for row in db.execute(query).fetchall()]
        return "\n".join(
            f"{table}: {tuple(row)}" for table in tables for row in db.execute(f"SELECT * FROM {table}")
        )
