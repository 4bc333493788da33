"""The embedded default (SQLite) restarted: conversations, tickets and handoffs are all still there."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from bot.devstack import running_stack

pytestmark = pytest.mark.e2e


def _texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def _user_texts(stack, sender: str) -> list[str]:
    events = stack.rasa_api("GET", f"/conversations/{sender}/tracker").json()["events"]
    return [event["text"] for event in events if event["event"] == "user"]


def test_both_servers_restarted_lose_nothing(tmp_path) -> None:
    sender = "restart-single"
    with running_stack(tmp_path) as stack:
        stack.say(sender, "tôi muốn phản ánh")
        stack.say(sender, "Điện thoại bộ phận một cửa không ai nghe máy")
        reference = _texts(stack.say(sender, "không")).split("mã ")[1].split()[0]
        assert "HT-" in _texts(stack.say(sender, "cho tôi gặp cán bộ"))
        said = _user_texts(stack, sender)
    with running_stack(tmp_path) as stack:  # the same files: a restart
        assert _user_texts(stack, sender) == said
        query = "SELECT content FROM feedback_tickets WHERE ticket = ?"
        stored = sqlite3.connect(stack.workdir / "citizenbot.db").execute(query, (reference,)).fetchone()
        assert stored == ("Điện thoại bộ phận một cửa không ai nghe máy",)
        handoffs = stack.staff("GET", "/handoffs", params={"status": "open"}).json()
        assert sender in [request["sender_id"] for request in handoffs]
        assert "đang chờ" in _texts(stack.say(sender, "lệ phí đăng ký khai sinh"))
        assert httpx.get(f"{stack.services_url}/health").status_code == 200
