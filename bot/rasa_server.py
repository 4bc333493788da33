"""Start the Rasa server locked down: API token, CORS for the province's portals, request size limit.

``python -m bot.rasa_server --model M --port P`` (Rasa's environment) replaces ``rasa run --enable-api
--cors "*"``. It runs ``rasa run`` in this process so that the API token never appears on a command line
that any local user can read in ``ps``. The settings it fills in:

- ``--auth-token``: $RASA_AUTH_TOKEN, else var/rasa_api_token (generated once, mode 600);
- ``--cors``: province.yml's ``web.allowed_origins`` plus ``--allow-origin`` (tests on random ports);
- endpoints.yml's ${…} variables ($CITIZENBOT_ACTION_TOKEN, $CITIZENBOT_ACTIONS_URL, $CITIZENBOT_TRACKER_DB),
  filled into a private copy that lives as long as the server (Rasa 3.6 does not expand them there);
- $SANIC_REQUEST_MAX_SIZE: bodies above it get 413 before they are read;
- log records are redacted before any handler sees them;
- a failing action server gets the citizen a "temporarily unavailable" line (bot/action_outage.py), and
  $CITIZENBOT_PROFILE_DIR turns on per-stage timings (bot/stage_profile.py).
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import re
import sys
import tempfile
import threading
from pathlib import Path

from bot.access_tokens import ACTIONS, RASA_API, read_token
from bot.settings import PROJECT_ROOT, browser_origin, load_settings
from bot.text.redaction import redact, redact_log_message

# Every route Rasa serves takes small JSON, except PUT /model (token-only; a province deploys models by file).
MAX_REQUEST_BYTES = 1024 * 1024
DEFAULT_ACTIONS_URL = "http://127.0.0.1:5055/webhook"
DEFAULT_TRACKER_DB = str(PROJECT_ROOT / "var" / "rasa_tracker.db")


def _redacting_record_factory() -> None:
    # Rasa's CLI replaces the root handlers when it configures logging, so a handler filter would be lost;
    # a record factory redacts every record, whatever handler later writes it.
    make_record = logging.getLogRecordFactory()
    inside = threading.local()  # a record logged while redacting (loading spaCy) is not redacted again

    def make_redacted_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if getattr(inside, "active", False):
            return record
        inside.active = True
        try:
            message = record.getMessage()
            cleaned = redact_log_message(message)
        except (TypeError, ValueError):
            return record
        finally:
            inside.active = False
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    logging.setLogRecordFactory(make_redacted_record)


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def resolve_variables(text: str) -> str:
    """``text`` with each ${NAME} replaced by the environment's value; an unset one is an error."""
    missing = sorted({name for name in _VARIABLE.findall(text) if name not in os.environ})
    if missing:
        raise SystemExit(f"endpoints: environment variables not set: {', '.join(missing)}")
    return _VARIABLE.sub(lambda match: os.environ[match.group(1)], text)


def resolved_endpoints(path: Path) -> Path:
    """A private copy of the endpoints file with its variables filled in, removed when the server exits."""
    resolved = resolve_variables(path.read_text(encoding="utf-8"))
    directory = PROJECT_ROOT / "var"
    directory.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=".endpoints.", suffix=".yml", dir=directory)  # mode 600
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(resolved)
    atexit.register(Path(name).unlink, missing_ok=True)
    return Path(name)


def rasa_arguments(args: argparse.Namespace, origins: list[str], token: str) -> list[str]:
    """The ``rasa run`` command line this launcher runs in-process."""
    command = [
        "rasa", "run", "--model", args.model, "--enable-api", "--auth-token", token,
        "--interface", args.interface, "--port", str(args.port),
        "--endpoints", args.endpoints, "--credentials", args.credentials,
    ]  # fmt: skip
    if origins:
        command += ["--cors", *origins]
    return command


def main(argv: list[str] | None = None) -> None:
    """Command line: run the Rasa server with the project's locks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(PROJECT_ROOT / "models" / "citizenbot.tar.gz"))
    parser.add_argument("--interface", default=os.environ.get("CITIZENBOT_RASA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", "5005")))
    parser.add_argument("--endpoints", default=str(PROJECT_ROOT / "endpoints.yml"))
    parser.add_argument("--credentials", default=str(PROJECT_ROOT / "credentials.yml"))
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        type=browser_origin,
        help="a browser origin allowed besides province.yml's",
    )
    args = parser.parse_args(argv)
    settings = load_settings()
    origins = list(dict.fromkeys([*settings.allowed_origins, *args.allow_origin]))
    os.environ.setdefault("CITIZENBOT_ACTION_TOKEN", read_token(ACTIONS))
    os.environ.setdefault("CITIZENBOT_ACTIONS_URL", DEFAULT_ACTIONS_URL)
    os.environ.setdefault("CITIZENBOT_TRACKER_DB", DEFAULT_TRACKER_DB)
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(MAX_REQUEST_BYTES))
    redact("khởi động")  # load the redaction pipeline before any record needs it
    _redacting_record_factory()
    args.endpoints = str(resolved_endpoints(Path(args.endpoints)))
    sys.argv = rasa_arguments(args, origins, read_token(RASA_API))

    # Rasa is imported only now: it reads the environment set above on import.
    from rasa.__main__ import main as rasa_main

    from bot import action_outage, rasa_speedups, stage_profile

    action_outage.install()
    rasa_speedups.install()
    stage_profile.install()
    rasa_main()


if __name__ == "__main__":
    main()
