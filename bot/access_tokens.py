"""The shared secrets of one installation: the staff token, Rasa's API token and the action-server token.

Each comes from its environment variable, else from a file under var/ generated once, readable by its owner
only. Both Pythons read these files (the Rasa server and the services process), so this module uses the
standard library alone.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SECRETS_DIR = PROJECT_ROOT / "var"


@dataclass(frozen=True)
class TokenSource:
    """Where one token is configured (``env``) and where it is kept when it is not (``file_name``)."""

    env: str
    file_name: str


STAFF = TokenSource("CITIZENBOT_STAFF_TOKEN", "staff_token")
# Rasa's HTTP API (--auth-token): conversations, events, model; callers pass ?token=…
RASA_API = TokenSource("RASA_AUTH_TOKEN", "rasa_api_token")
# The action endpoint answers only the Rasa server, which sends it as a Bearer header (endpoints.yml).
ACTIONS = TokenSource("CITIZENBOT_ACTION_TOKEN", "action_token")


def read_token(source: TokenSource, directory: Path | None = None) -> str:
    """The configured token, else the one kept in ``directory`` (var/), created there on first use."""
    configured = os.environ.get(source.env, "").strip()
    if configured:
        return configured
    directory = directory or SECRETS_DIR
    path = directory / source.file_name
    if not path.exists():
        _create_once(path)
    return path.read_text(encoding="utf-8").strip()


def _create_once(path: Path) -> None:
    # The Rasa server and the services process start together: write a private temporary file, then link it
    # into place, which fails if the other process won — both end up reading the same token.
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)


def export_all(directory: Path | None = None) -> dict[str, str]:
    """Every token by its variable name, for a launcher to pass to the processes it starts."""
    return {source.env: read_token(source, directory) for source in (STAFF, RASA_API, ACTIONS)}
