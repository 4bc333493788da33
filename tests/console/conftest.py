"""A console app per test: a fresh records file, a fake Rasa tracker API, an editor and a viewer.

The app is driven in-process through its ASGI interface (httpx.ASGITransport), after the ASGI lifespan
start-up that Sanic needs to finalise its router; sanic-testing is not installed here.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from sanic import Sanic

from bot.console import Console, mount_console
from bot.services.records import CitizenRecords
from tests.fake_rasa import fake_rasa
from tests.store_backends import default_database_url, store_backend  # noqa: F401 - fixtures

EDITOR = ("editor1", "mật khẩu biên tập 1")
VIEWER = ("viewer1", "mật khẩu chỉ xem 1")
RASA_TOKEN = "rasa-api-secret"
_names = itertools.count()


@pytest.fixture
def rasa() -> Iterator[str]:
    with fake_rasa() as url:
        yield url


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Production argon2 settings cost ~50 ms a hash by design; the tests hash hundreds of times.
    monkeypatch.setattr(
        "bot.console.accounts._hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def database_url(monkeypatch: pytest.MonkeyPatch) -> str | None:
    """The SQLite file; store tests override this with ``store_backend`` to run on PostgreSQL too."""
    default_database_url(monkeypatch)
    return None


@pytest.fixture
def records(tmp_path: Path, database_url: str | None) -> CitizenRecords:
    return CitizenRecords(tmp_path / "citizenbot.db")


class Lifespan:
    """Sends the ASGI lifespan start-up and shut-down events to the app."""

    def __init__(self, app: Sanic) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict] = asyncio.Queue()

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        self.task = asyncio.create_task(self.app(scope, self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": "lifespan.startup"})
        message = await asyncio.wait_for(self.outbox.get(), 10)
        assert message["type"] == "lifespan.startup.complete", message

    async def stop(self) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(self.outbox.get(), 10)
        await self.task


def make_console_app(
    records: CitizenRecords, rasa: str, monkeypatch: pytest.MonkeyPatch, knowledge: Any = None
) -> tuple[Sanic, Console]:
    """An app with the console mounted (and the knowledge service, when given) and the two test accounts."""
    # Sanic rewrites some of its methods at each app's start-up; test mode lets many apps start in one run.
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = Sanic(f"console_test_{next(_names)}", configure_logging=False)
    console = mount_console(app, records, rasa, RASA_TOKEN, knowledge)
    console.accounts.add(*EDITOR, "editor", "Nguyễn Văn A")
    console.accounts.add(*VIEWER, "viewer", "Trần Thị B")
    return app, console


@pytest.fixture
def console_app(records: CitizenRecords, rasa: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Sanic, Console]:
    return make_console_app(records, rasa, monkeypatch)


@pytest.fixture
def console(console_app: tuple[Sanic, Console]) -> Console:
    return console_app[1]


@pytest.fixture
async def client(console_app: tuple[Sanic, Console]) -> AsyncIterator[httpx.AsyncClient]:
    app = console_app[0]
    lifespan = Lifespan(app)
    await lifespan.start()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as http:
        yield http
    await lifespan.stop()


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF_FIELD.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def login(http: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """Log in through the login form (with its pre-session token), as a browser does."""
    form = await http.get("/console/login")
    return await http.post(
        "/console/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_of(form.text),
            "next": "/console/",
        },
    )


async def session_csrf(http: httpx.AsyncClient) -> str:
    """The logged-in session's CSRF token, read from the home page's logout form."""
    page = await http.get("/console/")
    assert page.status_code == 200
    return csrf_of(page.text)


@pytest.fixture
async def editor(client: httpx.AsyncClient) -> str:
    """The client logged in as the editor; the session's CSRF token."""
    assert (await login(client, *EDITOR)).status_code == 302
    return await session_csrf(client)


@pytest.fixture
async def viewer(client: httpx.AsyncClient) -> str:
    """The client logged in as the viewer; the session's CSRF token."""
    assert (await login(client, *VIEWER)).status_code == 302
    return await session_csrf(client)
