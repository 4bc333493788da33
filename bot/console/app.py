"""The console's assembly: its stores, the Jinja2 renderer, the blueprint and mounting it on the app.

``mount_console(app, records, rasa_url, rasa_token)`` is all the services process calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.accounts import StaffAccounts, StaffUser
from bot.console.audit import AuditLog
from bot.console.db import ConsoleDatabase
from bot.console.security import PREFIX, add_security_headers
from bot.console.sessions import Session, SessionStore
from bot.services.records import CitizenRecords

HERE = Path(__file__).resolve().parent


@dataclass
class Console:
    """Everything the console's routes share."""

    records: CitizenRecords
    accounts: StaffAccounts
    sessions: SessionStore
    audit: AuditLog
    rasa_url: str
    rasa_token: str | None
    templates: Environment

    @classmethod
    def over(cls, records: CitizenRecords, rasa_url: str, rasa_token: str | None) -> Console:
        """The console over the records store's SQLite file (its own tables beside the records')."""
        database = ConsoleDatabase(records.path)
        return cls(
            records=records,
            accounts=StaffAccounts(database),
            sessions=SessionStore(database),
            audit=AuditLog(database),
            rasa_url=rasa_url.rstrip("/"),
            rasa_token=rasa_token,
            templates=make_templates(),
        )

    def render(
        self,
        template: str,
        user: StaffUser | None = None,
        session: Session | None = None,
        status: int = 200,
        **context: Any,
    ) -> HTTPResponse:
        """A page from ``templates/``, HTML-escaped throughout, with the user and the CSRF token."""
        page = self.templates.get_template(template).render(
            user=user, csrf_token=session.csrf_token if session else "", prefix=PREFIX, **context
        )
        return response.html(page, status=status)


def make_templates() -> Environment:
    """Jinja2 with autoescaping on for every template: transcripts and tickets are citizens' text."""
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["waiting"] = waiting_time
    environment.filters["when"] = when
    return environment


def waiting_time(created_at: str, now: datetime | None = None) -> str:
    """How long a request has waited, in words: "chờ 12 phút", "chờ 2 giờ 5 phút", "chờ 3 ngày"."""
    # Handoff times are written in the server's local time without a zone (CitizenRecords._now).
    minutes = max(
        int(((now or datetime.now()) - datetime.fromisoformat(created_at)).total_seconds() // 60), 0
    )
    if minutes < 1:
        return "vừa gửi"
    if minutes < 60:
        return f"chờ {minutes} phút"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"chờ {hours} giờ" + (f" {rest} phút" if rest else "")
    return f"chờ {minutes // (24 * 60)} ngày"


def when(stamp: str | None) -> str:
    """A stored time as the staff read it (dd/mm/yyyy hh:mm, local time)."""
    if not stamp:
        return ""
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is not None:  # the console's own tables are in UTC
        moment = moment.astimezone()
    return f"{moment:%d/%m/%Y %H:%M}"


def console_blueprint(console: Console) -> Blueprint:
    """All console routes under /console, plus its static CSS and JS."""
    from bot.console import views_handoffs, views_main, views_tickets

    blueprint = Blueprint("console", url_prefix=PREFIX)
    views_main.register(blueprint, console)
    views_handoffs.register(blueprint, console)
    views_tickets.register(blueprint, console)
    blueprint.static("/static", str(HERE / "static"), name="console_static")
    return blueprint


def mount_console(app: Sanic, records: CitizenRecords, rasa_url: str, rasa_token: str | None) -> Console:
    """Serve the console on ``app``; the security headers go on every /console response, errors included."""
    console = Console.over(records, rasa_url, rasa_token)
    app.blueprint(console_blueprint(console))

    @app.on_response
    async def console_headers(request: Request, reply: HTTPResponse) -> None:
        add_security_headers(request, reply)

    return console
