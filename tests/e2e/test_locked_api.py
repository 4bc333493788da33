"""Only the channels, the health checks and the widget's endpoints answer without a token."""

from __future__ import annotations

import httpx
import pytest

from tests.rasa_api_routes import RASA_API_ROUTES

pytestmark = pytest.mark.e2e

STAFF_ROUTES = [
    ("GET", "/handoffs"),
    ("GET", "/handoffs?status=open"),
    ("POST", "/handoffs/1/close"),
    ("POST", "/handoffs/1/messages"),
    ("GET", "/unanswered"),
]
# Harmless bodies: a request that got through would change something, so each must be refused unread.
BODY = {"text": "xin chào", "name": "utter_greet", "event": "user", "message": "xin chào"}


@pytest.mark.parametrize(("method", "path"), RASA_API_ROUTES)
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_rasa_api_refuses_requests_without_the_token(
    stack, method: str, path: str, token: str | None
) -> None:
    params = {"token": token} if token else None
    response = httpx.request(method, stack.rasa_url + path, params=params, json=BODY, timeout=30)
    assert response.status_code == 401, (method, path, response.status_code)


def test_rasa_api_answers_with_the_token(stack) -> None:
    assert stack.rasa_api("GET", "/status").status_code == 200
    assert stack.rasa_api("POST", "/model/parse", json={"text": "xin chào"}).json()["intent"]["name"]


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_staff_api_refuses_requests_without_the_token(
    stack, method: str, path: str, token: str | None
) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.request(
        method, f"{stack.services_url}/api/staff{path}", headers=headers, json={"text": "x"}, timeout=30
    )
    assert response.status_code == 401, (method, path, response.status_code)


@pytest.mark.parametrize(("method", "path"), [("POST", "/webhook"), ("GET", "/actions")])
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_action_endpoint_answers_only_the_rasa_server(
    stack, method: str, path: str, token: str | None
) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    call = {
        "next_action": "action_office_info",
        "sender_id": "x",
        "tracker": {"sender_id": "x"},
        "domain": {},
    }
    response = httpx.request(method, stack.services_url + path, headers=headers, json=call, timeout=30)
    assert response.status_code == 401


def test_public_routes_answer_without_a_token(stack) -> None:
    assert httpx.get(stack.rasa_url + "/", timeout=10).status_code == 200
    assert httpx.get(stack.rasa_url + "/webhooks/rest/", timeout=10).status_code == 200
    assert httpx.get(stack.services_url + "/health", timeout=10).status_code == 200
    assert httpx.get(stack.services_url + "/", timeout=10).status_code == 200
    staff_messages = httpx.get(
        stack.services_url + "/api/conversations/web-" + "0a" * 16 + "/staff-messages", timeout=10
    )
    assert staff_messages.status_code == 200 and staff_messages.json() == []


def test_unknown_services_urls_get_404_without_an_error_in_the_log(stack) -> None:
    log = stack.services_log
    before = log.read_text(errors="replace")
    for path in ("/nope", "/api/nope", "/static/nope.js", "/webhook/extra", "/../etc/passwd"):
        response = httpx.get(stack.services_url + path, timeout=10)
        assert response.status_code == 404, path
        assert response.json()["error"]
    assert httpx.delete(stack.services_url + "/health", timeout=10).status_code == 405
    added = log.read_text(errors="replace")[len(before) :]
    assert "ERROR" not in added


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [("http://localhost:5055", True), ("https://evil.example", False), ("null", False)],
)
def test_browsers_may_call_rasa_only_from_the_portal_origins(stack, origin: str, allowed: bool) -> None:
    preflight = httpx.options(
        stack.rasa_url + "/webhooks/rest/webhook",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    granted = preflight.headers.get("access-control-allow-origin")
    assert (granted == origin) is allowed
    assert granted != "*"
