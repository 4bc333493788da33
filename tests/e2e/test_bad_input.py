"""Bad input over REST gets a polite Vietnamese reply or a 4xx, never a 5xx."""

import httpx
import pytest

pytestmark = pytest.mark.e2e


def _post(stack, body: bytes | str, content_type: str = "application/json") -> httpx.Response:
    return httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        content=body if isinstance(body, bytes) else body.encode("utf-8"),
        headers={"Content-Type": content_type},
        timeout=60,
    )


@pytest.mark.parametrize(
    "body",
    [
        '{"sender": "bad", "message": ""}',
        '{"sender": "bad", "message": "   \\u0000\\u0007  "}',
        '{"sender": "bad"}',
        '{"sender": "bad", "message": 42}',
        '{"sender": "bad", "message": "x", "metadata": "not a dict"}',
        "{not json",
        "[1, 2, 3]",
        "",
        '{"sender": "<script>alert(1)</script>", "message": "xin chào"}',
    ],
)
def test_malformed_requests_get_a_4xx_with_a_reason(stack, body: str) -> None:
    response = _post(stack, body)
    if response.status_code == 200:  # metadata that is not an object is simply ignored
        assert response.json()
        return
    assert 400 <= response.status_code < 500
    assert response.json()["error"]


def test_ten_thousand_characters_are_refused_clearly(stack) -> None:
    response = _post(stack, '{"sender": "bad", "message": "' + "a" * 10_000 + '"}')
    assert response.status_code == 413
    assert "quá dài" in response.json()["error"]


@pytest.mark.parametrize(
    "message",
    [
        "😀😀😀",
        "<script>alert('x')</script>",
        "<b>đăng ký khai sinh</b>",
        "hồ sơ\u0000khai\u0008sinh",
        "?!?!...",
        "a" * 1999,
    ],
)
def test_odd_but_valid_messages_get_a_polite_reply(stack, message: str) -> None:
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": "odd", "message": message}, timeout=60
    )
    assert response.status_code == 200
    replies = response.json()
    assert replies, "expected a reply"
    for reply in replies:
        assert "<script>" not in reply.get("text", "")


def test_services_reject_malformed_action_calls(stack) -> None:
    as_rasa = {"Authorization": f"Bearer {stack.action_token}"}
    url = f"{stack.services_url}/webhook"
    assert httpx.post(url, content=b"{bad", headers=as_rasa, timeout=10).status_code == 400
    nested = b"[" * 100_000 + b"]" * 100_000
    assert httpx.post(url, content=nested, headers=as_rasa, timeout=10).status_code == 400
    unknown = httpx.post(url, json={"next_action": "action_nope", "tracker": {}}, headers=as_rasa, timeout=10)
    assert 400 <= unknown.status_code < 500


def test_deeply_nested_json_gets_400_not_500(stack) -> None:
    response = _post(stack, "[" * 5000 + "]" * 5000)
    assert response.status_code == 400
    nested_object = '{"sender": "deep", "message": "xin chào", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    assert _post(stack, nested_object).status_code == 400


def test_large_bodies_are_refused_with_413(stack) -> None:
    metadata = '{"sender": "big", "message": "xin chào", "metadata": {"blob": "' + "x" * 1_000_000 + '"}}'
    assert _post(stack, metadata).status_code == 413
    # Beyond the server-wide limit the body is not even read.
    assert _post(stack, b"x" * 2_000_000).status_code == 413


def test_metadata_is_not_kept_with_the_conversation(stack) -> None:
    body = '{"sender": "meta-e2e", "message": "xin chào", "metadata": {"tracking": "abc123"}}'
    assert _post(stack, body).status_code == 200
    tracker = stack.rasa_api("GET", "/conversations/meta-e2e/tracker").json()
    assert "abc123" not in str(tracker)


def test_portal_page_serves_the_widget(stack) -> None:
    page = httpx.get(stack.services_url + "/", timeout=10)
    assert page.status_code == 200
    assert "chat-widget" in page.text and "/static/widget.js" in page.text
    assert httpx.get(stack.services_url + "/static/widget.js", timeout=10).status_code == 200
