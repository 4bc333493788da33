"""The e2e route walk covers every route of Rasa's HTTP API, as Rasa 3.6 registers them itself."""

from __future__ import annotations

import re

import pytest
import rasa.server
from sanic import Sanic

from tests.rasa_api_routes import PUBLIC_RASA_ROUTES, RASA_API_ROUTES

# The route walk puts "walk" where Rasa's routes take a conversation id.
_PARAMETER = re.compile(r"<[^>]+>")


def _registered(app: Sanic) -> set[tuple[str, str]]:
    routes = set()
    for route in app.router.routes:
        path = "/" + _PARAMETER.sub("walk", route.path).lstrip("/")
        # OPTIONS and HEAD are the CORS preflight and Sanic's own additions, not API routes of Rasa.
        routes |= {(method, path) for method in route.methods if method not in ("OPTIONS", "HEAD")}
    return routes


def test_the_route_walk_lists_every_route_of_rasas_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)  # other tests of this process may build Rasa's app too
    app = rasa.server.create_app(auth_token="a-token", cors_origins=[])
    registered = {route for route in _registered(app) if not route[1].startswith("/webhooks/")} - set(
        PUBLIC_RASA_ROUTES
    )
    assert registered == set(RASA_API_ROUTES)
    assert len(RASA_API_ROUTES) == len(set(RASA_API_ROUTES))
