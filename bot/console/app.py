"""The console's assembly: its stores, the Jinja2 renderer, the blueprint and mounting it on the app.

``mount_console(app, records, rasa_url, rasa_token, knowledge)`` is all the services process calls.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
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
from bot.console.faq_store import FaqStore
from bot.console.security import PREFIX, add_security_headers
from bot.console.sessions import Session, SessionStore
from bot.errors import CitizenBotError
from bot.knowledge.index import KnowledgeService
from bot.knowledge.store import read_faq, read_procedures
from bot.services.records import CitizenRecords

HERE = Path(__file__).resolve().parent
logger = logging.getLogger(__name__)


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
    faq: FaqStore
    # The assistant's search (the same object the actions use); None: FAQ changes reach no engine.
    knowledge: KnowledgeService | None = None
    _publishing: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _catalogue: dict[str, str] | None = field(default=None, repr=False)
    _catalogue_of: object = field(default=None, repr=False)

    @classmethod
    def over(
        cls,
        records: CitizenRecords,
        rasa_url: str,
        rasa_token: str | None,
        knowledge: KnowledgeService | None = None,
    ) -> Console:
        """The console over the records store's database (its own tables beside the records')."""
        database = ConsoleDatabase(records.database)
        faq = FaqStore(database)
        faq.seed(read_faq())
        return cls(
            records=records,
            accounts=StaffAccounts(database),
            sessions=SessionStore(database),
            audit=AuditLog(database),
            rasa_url=rasa_url.rstrip("/"),
            rasa_token=rasa_token,
            templates=make_templates(),
            faq=faq,
            knowledge=knowledge,
        )

    def catalogue(self) -> dict[str, str]:
        """Procedure names by code: the engine's catalogue, else (no engine) knowledge_base's file."""
        if self.knowledge is not None:
            procedures = self.knowledge.engine.procedures  # the same list across FAQ reloads
            if self._catalogue_of is not procedures:
                self._catalogue = {p.code: p.name for p in procedures}
                self._catalogue_of = procedures
            assert self._catalogue is not None
            return self._catalogue
        if self._catalogue is None:
            self._catalogue = {p.code: p.name for p in read_procedures()}
        return self._catalogue

    def is_procedure(self, code: str) -> bool:
        """Whether a procedure code exists in the catalogue."""
        return code in self.catalogue()

    def publish_faq(self) -> float | None:
        """Give the search engine the active entries now; the seconds it took (None without an engine).

        Blocking (0.1–1 s): call it through ``asyncio.to_thread``. Reading the entries and swapping the engine
        happen under one lock, so the last swap always carries the latest saved state.
        """
        if self.knowledge is None:
            return None
        with self._publishing:
            return self.knowledge.reload_faq(self.faq.active_entries())

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
    environment.filters["seconds"] = seconds
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


def seconds(value: float | None) -> str:
    """A duration for staff: "0,42 giây" (Vietnamese decimal comma)."""
    return "" if value is None else f"{value:.2f}".replace(".", ",") + " giây"


def console_blueprint(console: Console) -> Blueprint:
    """All console routes under /console, plus its static CSS and JS."""
    from bot.console import (
        views_aliases,
        views_faq,
        views_handoffs,
        views_insights,
        views_main,
        views_tickets,
    )

    blueprint = Blueprint("console", url_prefix=PREFIX)
    views_main.register(blueprint, console)
    views_handoffs.register(blueprint, console)
    views_tickets.register(blueprint, console)
    views_faq.register(blueprint, console)
    views_insights.register(blueprint, console)
    views_aliases.register(blueprint, console)
    blueprint.static("/static", str(HERE / "static"), name="console_static")
    return blueprint


def mount_console(
    app: Sanic,
    records: CitizenRecords,
    rasa_url: str,
    rasa_token: str | None,
    knowledge: KnowledgeService | None = None,
) -> Console:
    """Serve the console on ``app``; the security headers go on every /console response, errors included.

    With ``knowledge`` (the assistant's own service), the FAQ entries of the store replace the file's in
    the search engine at start-up and after every change made in the console.
    """
    console = Console.over(records, rasa_url, rasa_token, knowledge)
    app.blueprint(console_blueprint(console))

    if knowledge is not None:
        from bot.console import views_aliases
        from bot.console.knowledge_sync import follow_knowledge_changes
        from bot.knowledge.analysis import set_synonyms

        @app.after_server_start
        async def publish_stored_aliases(app: Sanic) -> None:
            # Before the FAQ: its questions are analysed with the aliases. Reset when the server stops.
            await asyncio.to_thread(views_aliases.publish_stored, console)

        @app.after_server_stop
        async def forget_stored_aliases(app: Sanic) -> None:
            set_synonyms(None)

        @app.after_server_start
        async def publish_stored_faq(app: Sanic) -> None:
            try:
                took = await asyncio.to_thread(console.publish_faq)
                logger.info("console FAQ published to the search engine in %.2f s", took or 0.0)
            except CitizenBotError as error:
                logger.warning("console FAQ not published: %s", error)
            # Other processes on the same store (a cluster) may change the knowledge: follow them.
            app.add_task(
                follow_knowledge_changes(console.faq.database, lambda: views_aliases.publish_stored(console)),
                name="follow_knowledge_changes",
            )

    @app.on_response
    async def console_headers(request: Request, reply: HTTPResponse) -> None:
        add_security_headers(request, reply)

    return console
