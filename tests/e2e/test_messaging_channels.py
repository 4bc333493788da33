"""Zalo and Messenger over the real Rasa server, against fake platforms on 127.0.0.1.

Signed events are answered through the platform's API; forged, stale or replayed ones cause nothing.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time

import httpx
import pytest

from bot.fake_platforms import (
    MESSENGER_VERIFY_TOKEN,
    FakeGraph,
    FakeZalo,
    messenger_event,
    messenger_signed,
    zalo_event,
    zalo_signed,
)
from bot.services.handoff import HANDOFF_CLOSED

pytestmark = pytest.mark.e2e
QUIET_S = 3  # how long "nothing was sent" is watched for


def _user() -> str:
    return secrets.token_hex(6)


def _zalo(stack, raw: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{stack.rasa_url}/webhooks/zalo/webhook", content=raw, headers=headers, timeout=30)


def _messenger(stack, raw: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{stack.rasa_url}/webhooks/messenger/webhook", content=raw, headers=headers, timeout=30
    )


def _zalo_says(stack, fake: FakeZalo, user: str, text: str) -> list[dict]:
    """Send a signed text and return what the OA sent back to the user for it."""
    before = len(fake.sent.to(user))
    assert _zalo(stack, *zalo_signed(zalo_event(user, text))).status_code == 200
    fake.sent.wait_for(user, before + 1)
    time.sleep(0.5)  # a reply may come in several messages
    return fake.sent.to(user)[before:]


def _zalo_text(sent: list[dict]) -> str:
    return "\n".join(item["message"]["text"] for item in sent)


def _zalo_buttons(sent: list[dict]) -> list[dict]:
    return [
        b
        for item in sent
        for b in item["message"].get("attachment", {}).get("payload", {}).get("buttons", [])
    ]


# ---------------------------------------------------------------- Zalo
def test_zalo_answers_a_signed_question_with_buttons_and_a_numbered_menu(stack, fake_zalo: FakeZalo) -> None:
    user = _user()
    sent = _zalo_says(stack, fake_zalo, user, "lệ phí đăng ký khai sinh")
    text = _zalo_text(sent)
    assert "1.001193" in text
    buttons = _zalo_buttons(sent)
    assert buttons and all(b["type"] == "oa.query.hide" and b["payload"] for b in buttons)
    assert "1. " in text and "nhắn số thứ tự" in text


def test_zalo_a_digit_chooses_from_the_last_menu(stack, fake_zalo: FakeZalo) -> None:
    user = _user()
    menu = _zalo_text(_zalo_says(stack, fake_zalo, user, "lệ phí đăng ký khai sinh"))
    # Zalo shows at most 5 buttons: the rating is the 7th choice, reachable only by its number.
    [unhelpful] = re.findall(r"(?m)^(\d+)\. 👎", menu)
    assert "gặp cán bộ" in _zalo_text(_zalo_says(stack, fake_zalo, user, unhelpful)).lower()
    # The candidates' message continues the numbering: no number means two things.
    numbers = [int(n) for n in re.findall(r"(?m)^(\d+)\. ", menu)]
    assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-ZEvent-Signature": "mac=" + "0" * 64},
        {"X-ZEvent-Signature": "sha256=abc"},
    ],
)
def test_zalo_unsigned_or_forged_events_are_refused_and_cause_nothing(
    stack, fake_zalo: FakeZalo, headers: dict[str, str]
) -> None:
    user = _user()
    raw, _ = zalo_signed(zalo_event(user, "xin chào"))
    response = _zalo(stack, raw, {"Content-Type": "application/json", **headers})
    assert response.status_code in (401, 403)
    time.sleep(QUIET_S)
    assert fake_zalo.sent.to(user) == []


def test_zalo_an_event_signed_with_another_key_or_tampered_is_refused(stack, fake_zalo: FakeZalo) -> None:
    user = _user()
    assert (
        _zalo(stack, *zalo_signed(zalo_event(user, "xin chào"), secret="not-the-secret")).status_code == 403
    )
    raw, headers = zalo_signed(zalo_event(user, "xin chào"))
    assert _zalo(stack, raw.replace(b"xin ch", b"tam bi"), headers).status_code == 403
    time.sleep(QUIET_S)
    assert fake_zalo.sent.to(user) == []


def test_zalo_a_replayed_event_is_processed_once(stack, fake_zalo: FakeZalo) -> None:
    user = _user()
    raw, headers = zalo_signed(zalo_event(user, "trung tâm làm việc mấy giờ"))
    assert _zalo(stack, raw, headers).status_code == 200
    answered = fake_zalo.sent.wait_for(user, 1)
    time.sleep(1)
    count = len(fake_zalo.sent.to(user))
    assert answered and count >= 1
    for _ in range(3):
        assert _zalo(stack, raw, headers).status_code == 200  # Zalo retries: acknowledged, not re-run
    time.sleep(QUIET_S)
    assert len(fake_zalo.sent.to(user)) == count


def test_zalo_a_stale_signed_event_is_acknowledged_and_dropped(stack, fake_zalo: FakeZalo) -> None:
    user = _user()
    old = int((time.time() - 25 * 3600) * 1000)  # beyond the 24-hour window
    # 200, not 403: a refusal makes Zalo retry, and repeated refusals may get the webhook disabled.
    assert _zalo(stack, *zalo_signed(zalo_event(user, "xin chào", at_ms=old))).status_code == 200
    time.sleep(QUIET_S)
    assert fake_zalo.sent.to(user) == []


def test_zalo_a_retry_after_an_outage_is_answered_once(stack, fake_zalo: FakeZalo) -> None:
    user = _user()
    hours_ago = int((time.time() - 20 * 3600) * 1000)  # Zalo retrying after a long outage
    raw, headers = zalo_signed(zalo_event(user, "trung tâm làm việc mấy giờ", at_ms=hours_ago))
    assert _zalo(stack, raw, headers).status_code == 200
    assert "Thứ Hai" in _zalo_text(fake_zalo.sent.wait_for(user, 1))
    time.sleep(1)
    count = len(fake_zalo.sent.to(user))
    assert _zalo(stack, raw, headers).status_code == 200
    time.sleep(QUIET_S)
    assert len(fake_zalo.sent.to(user)) == count


def test_zalo_signed_bodies_without_sender_or_message_cause_nothing(stack, fake_zalo: FakeZalo) -> None:
    user = _user()
    event = zalo_event(user, "xin chào")
    no_sender = {key: value for key, value in event.items() if key != "sender"}
    no_message = {key: value for key, value in zalo_event(user, "xin chào").items() if key != "message"}
    for body in (no_sender, no_message, {**zalo_event(user, "xin chào"), "message": "xin chào"}):
        assert _zalo(stack, *zalo_signed(body)).status_code == 200
    time.sleep(QUIET_S)
    assert fake_zalo.sent.to(user) == []


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'{"timestamp": "abc"}', b"", b"x" * 100_000])
def test_zalo_malformed_bodies_get_a_4xx(stack, raw: bytes) -> None:
    response = _zalo(stack, raw, {"Content-Type": "application/json", "X-ZEvent-Signature": "mac=00"})
    assert 400 <= response.status_code < 500


def test_zalo_other_events_get_one_polite_line_and_echoes_nothing(stack, fake_zalo: FakeZalo) -> None:
    user = _user()
    assert _zalo(stack, *zalo_signed(zalo_event(user, event_name="user_send_sticker"))).status_code == 200
    [polite] = fake_zalo.sent.wait_for(user, 1)
    assert "chỉ đọc được tin nhắn chữ" in polite["message"]["text"]
    for name in ("oa_send_text", "user_seen_message", "follow_oa_something_new"):
        assert _zalo(stack, *zalo_signed(zalo_event(user, "xin chào", event_name=name))).status_code == 200
    time.sleep(QUIET_S)
    assert len(fake_zalo.sent.to(user)) == 1


def test_zalo_an_expired_token_is_refreshed_and_the_new_pair_kept(stack, fake_zalo: FakeZalo) -> None:
    user = _user()
    fake_zalo.expire_access_token()
    refreshes = fake_zalo.refreshes
    assert "Thứ Hai" in _zalo_text(_zalo_says(stack, fake_zalo, user, "trung tâm làm việc mấy giờ"))
    assert fake_zalo.refreshes == refreshes + 1
    stored = json.loads((stack.workdir / "zalo_tokens.json").read_text())
    assert (stored["access_token"], stored["refresh_token"]) == (
        fake_zalo.access_token,
        fake_zalo.refresh_token,
    )
    assert oct((stack.workdir / "zalo_tokens.json").stat().st_mode & 0o777) == "0o600"


def test_zalo_a_temporary_error_is_retried(stack, fake_zalo: FakeZalo) -> None:
    user = _user()
    fake_zalo.fail_next = [-32]  # rate limited once
    assert "Thứ Hai" in _zalo_text(_zalo_says(stack, fake_zalo, user, "trung tâm làm việc mấy giờ"))


def test_zalo_a_whole_conversation_with_a_handoff(stack, fake_zalo: FakeZalo) -> None:
    user = _user()
    first = _zalo_says(stack, fake_zalo, user, "làm hộ chiếu cần giấy tờ gì")
    choice = next(b for b in _zalo_buttons(first) if b["payload"].startswith("/"))
    assert _zalo_text(_zalo_says(stack, fake_zalo, user, choice["payload"]))  # a button click
    assert "ngày" in _zalo_text(_zalo_says(stack, fake_zalo, user, "thế mất bao lâu")).lower()
    assert "HT-" in _zalo_text(_zalo_says(stack, fake_zalo, user, "cho tôi gặp cán bộ"))

    [request] = [
        r for r in stack.staff("GET", "/handoffs?status=open").json() if r["sender_id"] == f"zalo:{user}"
    ]
    before = len(fake_zalo.sent.to(user))
    reply = "Chào anh/chị, tôi là cán bộ Trung tâm, tôi hỗ trợ hồ sơ hộ chiếu."
    assert stack.staff("POST", f"/handoffs/{request['id']}/messages", json={"text": reply}).status_code == 201
    assert fake_zalo.sent.wait_for(user, before + 1)[-1]["message"]["text"] == reply
    assert stack.staff("POST", f"/handoffs/{request['id']}/close", json={"staff": "Lan"}).status_code == 200
    assert fake_zalo.sent.wait_for(user, before + 2)[-1]["message"]["text"] == HANDOFF_CLOSED


# ---------------------------------------------------------------- Messenger
def _messenger_says(stack, fake: FakeGraph, user: str, **event: dict) -> list[dict]:
    before = len(fake.sent.to(user))
    assert _messenger(stack, *messenger_signed(messenger_event(user, **event))).status_code == 200
    fake.sent.wait_for(user, before + 1)
    time.sleep(0.5)
    return fake.sent.to(user)[before:]


def _messenger_text(sent: list[dict]) -> str:
    return "\n".join(item["message"]["text"] for item in sent)


def test_messenger_verification_handshake(stack) -> None:
    url = f"{stack.rasa_url}/webhooks/messenger/webhook"
    good = {
        "hub.mode": "subscribe",
        "hub.verify_token": MESSENGER_VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    answer = httpx.get(url, params=good, timeout=10)
    assert answer.status_code == 200 and answer.text == "1158201444"
    assert httpx.get(url, params={**good, "hub.verify_token": "guess"}, timeout=10).status_code == 403
    assert httpx.get(url, timeout=10).status_code == 403


def test_messenger_answers_with_quick_replies_and_postbacks_work(stack, fake_graph: FakeGraph) -> None:
    user = _user()
    sent = _messenger_says(stack, fake_graph, user, message={"text": "lệ phí đăng ký khai sinh"})
    assert "1.001193" in _messenger_text(sent)
    quick = [q for item in sent for q in item["message"].get("quick_replies", [])]
    assert quick and all(len(q["title"]) <= 20 and q["content_type"] == "text" for q in quick)
    assert all(item["messaging_type"] == "RESPONSE" for item in sent)
    unhelpful = next(q for q in quick if "👎" in q["title"])
    clicked = _messenger_says(stack, fake_graph, user, message={"text": "👎", "quick_reply": unhelpful})
    assert "gặp cán bộ" in _messenger_text(clicked).lower()
    postback = _messenger_says(
        stack, fake_graph, user, postback={"title": "Giờ làm việc", "payload": "/office_info"}
    )
    assert "Thứ Hai" in _messenger_text(postback)


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Hub-Signature-256": "sha256=" + "0" * 64}, {"X-Hub-Signature": "sha1=" + "0" * 40}],
)
def test_messenger_unsigned_or_forged_events_get_403_and_cause_nothing(
    stack, fake_graph: FakeGraph, headers: dict[str, str]
) -> None:
    user = _user()
    raw, _ = messenger_signed(messenger_event(user, message={"text": "xin chào"}))
    assert _messenger(stack, raw, {"Content-Type": "application/json", **headers}).status_code == 403
    forged, forged_headers = messenger_signed(messenger_event(user, message={"text": "xin chào"}), secret="x")
    assert _messenger(stack, forged, forged_headers).status_code == 403
    time.sleep(QUIET_S)
    assert fake_graph.sent.to(user) == []


def test_messenger_a_replayed_message_is_processed_once(stack, fake_graph: FakeGraph) -> None:
    user = _user()
    raw, headers = messenger_signed(messenger_event(user, message={"text": "trung tâm làm việc mấy giờ"}))
    assert _messenger(stack, raw, headers).status_code == 200
    fake_graph.sent.wait_for(user, 1)
    time.sleep(1)
    count = len(fake_graph.sent.to(user))
    assert _messenger(stack, raw, headers).status_code == 200
    time.sleep(QUIET_S)
    assert len(fake_graph.sent.to(user)) == count


def test_messenger_a_stale_signed_event_is_acknowledged_and_dropped(stack, fake_graph: FakeGraph) -> None:
    user = _user()
    body = messenger_event(user, message={"text": "xin chào"})
    body["entry"][0]["messaging"][0]["timestamp"] = int((time.time() - 25 * 3600) * 1000)
    assert _messenger(stack, *messenger_signed(body)).status_code == 200
    time.sleep(QUIET_S)
    assert fake_graph.sent.to(user) == []


def test_messenger_signed_malformed_bodies_cause_nothing(stack, fake_graph: FakeGraph) -> None:
    user = _user()
    now = int(time.time() * 1000)
    bodies = [
        {"object": "page", "entry": "x"},
        {"object": "page", "entry": [{"messaging": [{"sender": user, "timestamp": now}]}]},
        {"object": "page", "entry": [{"messaging": [{"sender": {"id": user}, "message": "xin chào"}]}]},
        {"object": "page", "entry": [{"messaging": [{"sender": {"id": user}, "timestamp": now}]}]},
    ]
    for body in bodies:
        assert _messenger(stack, *messenger_signed(body)).status_code in (200, 400)
    time.sleep(QUIET_S)
    assert fake_graph.sent.to(user) == []


def test_messenger_attachments_get_a_polite_line_and_echoes_nothing(stack, fake_graph: FakeGraph) -> None:
    user = _user()
    image = {"attachments": [{"type": "image", "payload": {"url": "https://example.com/a.jpg"}}]}
    [polite] = _messenger_says(stack, fake_graph, user, message=image)
    assert "chỉ đọc được tin nhắn chữ" in polite["message"]["text"]
    echo = messenger_event(user, message={"text": "bot text", "is_echo": True})
    assert _messenger(stack, *messenger_signed(echo)).status_code == 200
    assert _messenger(stack, *messenger_signed({"object": "instagram", "entry": []})).status_code == 200
    time.sleep(QUIET_S)
    assert len(fake_graph.sent.to(user)) == 1


def test_messenger_a_handoff_reply_after_24_hours_carries_the_human_agent_tag(
    stack, fake_graph: FakeGraph
) -> None:
    user = _user()
    assert "HT-" in _messenger_text(
        _messenger_says(stack, fake_graph, user, message={"text": "cho tôi gặp cán bộ"})
    )
    [request] = [
        r for r in stack.staff("GET", "/handoffs?status=open").json() if r["sender_id"] == f"messenger:{user}"
    ]
    before = len(fake_graph.sent.to(user))
    assert (
        stack.staff(
            "POST", f"/handoffs/{request['id']}/messages", json={"text": "Tôi là cán bộ."}
        ).status_code
        == 201
    )
    inside = fake_graph.sent.wait_for(user, before + 1)[-1]
    assert inside["message"]["text"] == "Tôi là cán bộ." and inside["messaging_type"] == "RESPONSE"

    with sqlite3.connect(stack.workdir / "channels.db") as db:  # the citizen last wrote 2 days ago
        db.execute("UPDATE last_inbound SET at = ? WHERE user_id = ?", (time.time() - 2 * 86400, user))
    assert (
        stack.staff(
            "POST", f"/handoffs/{request['id']}/messages", json={"text": "Anh còn cần gì?"}
        ).status_code
        == 201
    )
    outside = fake_graph.sent.wait_for(user, before + 2)[-1]
    assert (outside["messaging_type"], outside.get("tag")) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert stack.staff("POST", f"/handoffs/{request['id']}/close", json={"staff": "Lan"}).status_code == 200
    assert fake_graph.sent.wait_for(user, before + 3)[-1]["message"]["text"] == HANDOFF_CLOSED


def test_the_staff_message_route_needs_the_rasa_token(stack) -> None:
    for channel in ("zalo", "messenger"):
        url = f"{stack.rasa_url}/webhooks/{channel}/staff_message"
        body = {"recipient": f"{channel}:123", "text": "giả mạo"}
        assert httpx.post(url, json=body, timeout=10).status_code == 401
        wrong = {"Authorization": "Bearer wrong"}
        assert httpx.post(url, json=body, headers=wrong, timeout=10).status_code == 401


def test_what_the_rest_channel_refuses_no_platform_accepts(
    stack, fake_zalo: FakeZalo, fake_graph: FakeGraph
) -> None:
    user = _user()
    [reply] = _zalo_says(stack, fake_zalo, user, "hồ sơ " * 600)
    assert "quá dài" in reply["message"]["text"]
    [reply] = _messenger_says(stack, fake_graph, user, message={"text": "a" * 2001})
    assert "quá dài" in reply["message"]["text"]
    odd = _user() + "/../x"  # not an id any platform sends
    assert _zalo(stack, *zalo_signed(zalo_event(odd, "xin chào"))).status_code == 200
    time.sleep(QUIET_S)
    assert fake_zalo.sent.to(odd) == []


def test_non_ascii_signatures_are_refused_not_a_server_error(stack) -> None:
    raw, _ = zalo_signed(zalo_event(_user(), "xin chào"))
    zalo = _zalo(stack, raw, {"Content-Type": "application/json", "X-ZEvent-Signature": b"mac=\xff\xfe"})
    assert zalo.status_code == 403
    raw, _ = messenger_signed(messenger_event(_user(), message={"text": "xin chào"}))
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": b"sha256=\xff" + b"0" * 63}
    assert _messenger(stack, raw, headers).status_code == 403


def test_a_handoff_on_zalo_sends_no_raw_json_and_says_the_request_is_waiting(
    stack, fake_zalo: FakeZalo
) -> None:
    user = _user()
    queued = _zalo_says(stack, fake_zalo, user, "cho tôi gặp cán bộ")
    assert "HT-" in _zalo_text(queued)
    assert not any(item["message"]["text"].lstrip().startswith("{") for item in queued)
    assert "đang chờ" in _zalo_text(_zalo_says(stack, fake_zalo, user, "lệ phí đăng ký khai sinh"))


def test_platform_conversations_cannot_be_reached_over_rest_or_the_widget_route(stack) -> None:
    for sender in ("zalo:1234567890", "messenger:1234567890", "Zalo:1"):
        answer = httpx.post(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": "xin chào"},
            timeout=30,
        )
        assert answer.status_code == 400
        polled = httpx.get(f"{stack.services_url}/api/conversations/{sender}/staff-messages", timeout=10)
        assert polled.status_code == 400
