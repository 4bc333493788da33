"""`citizenbot staff add` creates an account that can log in to the console."""

from __future__ import annotations

import io

import httpx
import pytest
from sanic import Sanic

from bot.cli import main
from bot.console import Console
from bot.services.records import CitizenRecords
from tests.console.conftest import login


def test_staff_add_reads_the_password_from_stdin(
    records: CitizenRecords, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("một mật khẩu dài\n"))
    code = main(["staff", "add", "Le.Van.C", "--role", "viewer", "--name", "Lê Văn C", "--password-stdin",
                 "--db", str(records.path)])  # fmt: skip
    assert code == 0 and "viewer account le.van.c" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("một mật khẩu dài\n"))
    assert (
        main(["staff", "add", "le.van.c", "--role", "editor", "--password-stdin", "--db", str(records.path)])
        == 1
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("ngắn\n"))
    assert (
        main(["staff", "add", "dung", "--role", "editor", "--password-stdin", "--db", str(records.path)]) == 1
    )
    assert "ít nhất 10 ký tự" in capsys.readouterr().err


async def test_the_created_account_logs_in(
    records: CitizenRecords, console_app: tuple[Sanic, Console], client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("CITIZENBOT_DB", str(records.path))
    monkeypatch.setattr("sys.stdin", io.StringIO("mật khẩu của Chi\n"))
    assert main(["staff", "add", "chi", "--role", "editor", "--password-stdin"]) == 0
    answer = await login(client, "chi", "mật khẩu của Chi")
    assert answer.status_code == 302 and answer.headers["location"] == "/console/"
    assert "Xin chào, chi" in (await client.get("/console/")).text
    [entry] = console_app[1].audit.entries()
    assert entry.action == "staff.add" and entry.target == "chi" and entry.actor.startswith("cli:")


def test_the_services_app_serves_the_console(
    records: CitizenRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services.application import Application, install, knowledge_service
    from bot.services.server import create_app
    from bot.settings import load_settings

    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setenv("RASA_AUTH_TOKEN", "t")
    monkeypatch.setenv("CITIZENBOT_STAFF_TOKEN", "s")
    monkeypatch.setenv("CITIZENBOT_ACTION_TOKEN", "a")
    try:
        app = create_app(
            Application(load_settings(), records, knowledge_service()), rasa_url="http://127.0.0.1:9"
        )
    finally:
        install(None)
    app.router.finalize()
    paths = {route.path for route in app.router.routes}
    assert {"console/login", "console/handoffs/<request_id:int>/reply", "api/staff/handoffs"} <= paths
