"""The services process: rasa-sdk's action endpoint plus the demo portal page with the chat widget.

One Sanic app, built by :func:`create_app`, started by ``python -m bot.services.server``.
It runs in a single process: models and indexes are loaded lazily inside it (a Sanic worker
process would otherwise clash with libraries that fix the multiprocessing start method).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import os
import re
import threading
from html import escape
from pathlib import Path

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import (
    ActionExecutionRejection,
    ActionMissingDomainException,
    ActionNotFoundException,
)
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.access_tokens import ACTIONS, RASA_API, STAFF, read_token
from bot.console import mount_console
from bot.errors import CitizenBotError
from bot.services import stage_timings
from bot.services.application import Application, install
from bot.services.retention import purge_daily
from bot.services.staff_api import staff_blueprint
from bot.settings import browser_origin
from bot.text.redaction import install_log_redaction, redact

logger = logging.getLogger(__name__)
WEB_ROOT = Path(__file__).resolve().parent / "web"
DEFAULT_RASA_URL = "http://localhost:5005"
# The widget's conversation id: "web-" and 128 random bits in hex (widget.js). Only such ids may poll staff
# messages: an id a REST client chose ("me", "test") could be guessed, and it is all that guards them.
WIDGET_SENDER_ID = re.compile(r"web-[0-9a-f]{32}")
# The largest call Rasa makes is the action call with the whole tracker; a long conversation stays well
# under this, and anything bigger is refused with 413 before it is read.
MAX_REQUEST_BYTES = 4 * 1024 * 1024
ERROR_NOT_RASA = "chỉ máy chủ Rasa được gọi điểm này (thiếu hoặc sai mã action_endpoint)"
_CLIENT_ERRORS = {
    404: "không có trang này",
    405: "phương thức không được hỗ trợ ở địa chỉ này",
    413: "yêu cầu quá lớn",
}


def create_app(
    application: Application | None = None,
    rasa_url: str = DEFAULT_RASA_URL,
    actions_package: str = "actions",
    demo: bool = False,
    allowed_origins: tuple[str, ...] = (),
) -> Sanic:
    """Build the services app: /webhook, /actions, /health, / (portal), /static, /api/staff.

    ``application`` (default: built from the environment) becomes the one the actions look up;
    ``demo`` asks it for the demo dossiers; ``allowed_origins`` are portals, besides province.yml's, whose
    pages embedding the widget may poll staff messages from a browser (CORS).
    """
    application = application or Application.from_environment(demo=demo)
    install(application)
    if application.demo:
        # Seed (or say why not) at start-up, where the log is read, not at the first citizen's look-up.
        application.dossier_lookup  # noqa: B018
    settings = application.settings
    executor = ActionExecutor()
    executor.register_package(actions_package)
    app = Sanic("citizenbot_services", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.ctx.settings = settings
    app.ctx.rasa_url = rasa_url.rstrip("/")
    action_token = read_token(ACTIONS)
    portal_origins = frozenset([*settings.allowed_origins, *allowed_origins])
    app.blueprint(
        staff_blueprint(application.records, app.ctx.rasa_url, read_token(STAFF), read_token(RASA_API))
    )
    # The staff console; its FAQ edits go to the same knowledge service the actions answer with.
    mount_console(app, application.records, app.ctx.rasa_url, read_token(RASA_API), application.knowledge)

    @app.exception(SanicException)
    async def _client_error(request: Request, exception: SanicException) -> HTTPResponse:
        # Unknown URL, wrong method, body too large: the client's mistake, a 4xx and no ERROR line.
        status = int(getattr(exception, "status_code", 400) or 400)
        if status >= 500:
            logger.error("server error on %s %s: %s", request.method, request.path, type(exception).__name__)
        return response.json({"error": _CLIENT_ERRORS.get(status, "yêu cầu không hợp lệ")}, status=status)

    @app.exception(Exception)
    async def _internal_error(request: Request, exception: Exception) -> HTTPResponse:
        # Unlike rasa-sdk's own server, never echo the request (citizens' messages) back or into logs.
        logger.error("unhandled error on %s %s: %s", request.method, request.path, type(exception).__name__)
        return response.json({"error": "internal error"}, status=500)

    def from_rasa(request: Request) -> bool:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return bool(given) and hmac.compare_digest(given.encode(), action_token.encode())

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/actions")
    async def list_actions(request: Request) -> HTTPResponse:
        if not from_rasa(request):
            return response.json({"error": ERROR_NOT_RASA}, status=401)
        return response.json([item.model_dump() for item in executor.list_actions()])

    @app.post("/webhook")
    async def action_webhook(request: Request) -> HTTPResponse:
        """rasa-sdk's action endpoint contract: run the named action on the sent tracker (Rasa only)."""
        if not from_rasa(request):
            return response.json({"error": ERROR_NOT_RASA}, status=401)
        try:
            action_call = json.loads(request.body or b"")
        except (ValueError, UnicodeDecodeError, RecursionError):
            action_call = None
        if not isinstance(action_call, dict):
            return response.json({"error": "Invalid body request"}, status=400)
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as error:
            return response.json({"error": error.message, "action_name": error.action_name}, status=400)
        except ActionNotFoundException as error:
            logger.error("unknown action %s", error.action_name)
            return response.json({"error": error.message, "action_name": error.action_name}, status=404)
        except ActionMissingDomainException as error:
            return response.json({"error": error.message, "action_name": error.action_name}, status=449)
        return response.json(result.model_dump() if result else None)

    @app.get("/api/conversations/<sender_id:str>/staff-messages")
    async def staff_messages(request: Request, sender_id: str) -> HTTPResponse:
        """A civil servant's replies during a handoff, polled by the widget (its sender id is its secret)."""
        # A portal on another origin embeds the widget (README): its page may read the answer, no other.
        origin = request.headers.get("origin", "")
        headers = {"Vary": "Origin"}
        if origin in portal_origins:
            headers["Access-Control-Allow-Origin"] = origin
        # Zalo and Messenger citizens get staff replies on their platform: their ids never match.
        if not WIDGET_SENDER_ID.fullmatch(sender_id):
            return response.json({"error": "mã người gửi không hợp lệ"}, status=400, headers=headers)
        try:
            after = max(int(request.args.get("after", "0")), 0)
        except ValueError:
            return response.json({"error": "after phải là số"}, status=400, headers=headers)
        return response.json(application.records.staff_messages(sender_id, after), headers=headers)

    @app.get("/")
    async def portal_page(_: Request) -> HTTPResponse:
        html = (WEB_ROOT / "index.html").read_text(encoding="utf-8")
        html = html.replace("{{PROVINCE}}", escape(settings.full_name)).replace(
            "{{CENTRE}}", escape(settings.centre.name)
        )
        html = html.replace("{{RASA_URL}}", escape(app.ctx.rasa_url))
        return response.html(html)

    app.static("/static", str(WEB_ROOT), name="web_static")

    @app.after_server_start
    async def warm_up(app: Sanic) -> None:
        # Load the index and embedding model before the first citizen asks (in a thread: ~2 s).
        def load() -> None:
            try:
                application.knowledge.engine.search("khởi động", 1)
                logger.info("knowledge base loaded")
            except CitizenBotError as error:
                logger.warning("knowledge base not loaded: %s", error)

        threading.Thread(target=load, name="kb-warm-up", daemon=True).start()
        app.add_task(purge_daily(application.records, settings.retention_days), name="purge_daily")

    @app.before_server_stop
    async def stop_background_tasks(app: Sanic) -> None:
        # The daily purge and the knowledge follower sleep forever: cancelled and awaited here, they end
        # quietly instead of being destroyed pending (an ERROR line in every stop's log).
        running = [task for task in app.tasks if task.get_name() != "RunServer" and not task.done()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    return app


def main() -> None:
    """Command line: run the services process."""
    parser = argparse.ArgumentParser(description="Action server, portal page and chat widget")
    parser.add_argument("--host", default=os.environ.get("CITIZENBOT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CITIZENBOT_ACTIONS_PORT", "5055")))
    parser.add_argument("--rasa-url", default=os.environ.get("CITIZENBOT_RASA_URL", DEFAULT_RASA_URL))
    parser.add_argument(
        "--demo",
        action="store_true",
        help="add the demo dossiers (knowledge_base/demo_dossiers.csv) unless real ones are loaded;"
        " or CITIZENBOT_DEMO=1",
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        type=browser_origin,
        help="a portal origin (scheme://host[:port]) embedding the widget, besides province.yml's",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request's URL at INFO: calls to Rasa's API carry its token there, and one line per
    # staff action or console page is noise in the log a province reads.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    redact("khởi động")  # load the redaction pipeline before any record needs it
    install_log_redaction()
    stage_timings.install()  # only with $CITIZENBOT_PROFILE_DIR (make bench-load)
    app = create_app(rasa_url=args.rasa_url, demo=args.demo, allowed_origins=tuple(args.allow_origin))
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
