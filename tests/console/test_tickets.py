"""Feedback tickets: statuses, assignee, internal notes (all audited), and who sees the contact."""

from __future__ import annotations

import json

import httpx
import pytest

from bot.console import Console
from bot.services.records import CitizenRecords


@pytest.fixture
def tickets(records: CitizenRecords) -> dict[str, int]:
    consented = records.create_feedback("web-1", "Chờ lâu ở quầy số 3", "1.001193", "0912345678", True)
    anonymous = records.create_feedback("web-2", "Không đồng ý liên hệ", None, "0987654321", False)
    ids = {row["ticket"]: row["id"] for row in records.feedback_tickets()}
    return {"consented": ids[consented], "anonymous": ids[anonymous]}


async def test_new_tickets_are_listed_as_open(
    client: httpx.AsyncClient, viewer: str, tickets: dict[str, int]
) -> None:
    page = (await client.get("/console/tickets?status=open")).text
    assert page.count("Mới / đang mở</span>") == 2
    assert "Chờ lâu ở quầy số 3" in page
    assert "Đang xử lý</span>" not in (await client.get("/console/tickets")).text
    home = await client.get("/console/api/summary")
    assert home.json() == {"open_handoffs": 0, "open_tickets": 2, "in_progress_tickets": 0}


async def test_status_assignee_and_note_changes_are_audited(
    client: httpx.AsyncClient, editor: str, tickets: dict[str, int], records: CitizenRecords, console: Console
) -> None:
    ticket_id = tickets["consented"]
    number = records.feedback_ticket(ticket_id)["ticket"]
    url = f"/console/tickets/{ticket_id}"
    assert (
        await client.post(f"{url}/status", data={"csrf_token": editor, "status": "in_progress"})
    ).status_code == 302
    assert (
        await client.post(f"{url}/assignee", data={"csrf_token": editor, "assignee": "editor1"})
    ).status_code == 302
    note = "Đã gọi lại; hẹn <b>thứ Hai</b>."
    assert (await client.post(f"{url}/notes", data={"csrf_token": editor, "text": note})).status_code == 302
    ticket = records.feedback_ticket(ticket_id)
    assert (ticket["status"], ticket["assignee"]) == ("in_progress", "editor1")
    assert [n["text"] for n in records.feedback_notes(ticket_id)] == [note]
    entries = list(reversed(console.audit.entries()))
    assert [(e.actor, e.action, e.target) for e in entries] == [
        ("editor1", "ticket.status", number),
        ("editor1", "ticket.assignee", number),
        ("editor1", "ticket.note", number),
    ]
    assert (json.loads(entries[0].before), json.loads(entries[0].after)) == (
        {"status": "new"},
        {"status": "in_progress"},
    )
    assert (json.loads(entries[1].before), json.loads(entries[1].after)) == (
        {"assignee": None},
        {"assignee": "editor1"},
    )
    assert entries[2].before is None and json.loads(entries[2].after)["text"] == note
    page = (await client.get(url)).text
    assert "Đang xử lý" in page and "&lt;b&gt;thứ Hai&lt;/b&gt;" in page
    assert (await client.get("/console/api/summary")).json()["in_progress_tickets"] == 1


async def test_invalid_changes_are_refused_and_not_audited(
    client: httpx.AsyncClient, editor: str, tickets: dict[str, int], console: Console
) -> None:
    url = f"/console/tickets/{tickets['consented']}"
    assert (
        await client.post(f"{url}/status", data={"csrf_token": editor, "status": "new"})
    ).status_code == 400
    assert (
        await client.post(f"{url}/assignee", data={"csrf_token": editor, "assignee": "ai-do"})
    ).status_code == 400
    # A viewer cannot handle a ticket, so cannot be its assignee (nor is offered as one).
    assert (
        await client.post(f"{url}/assignee", data={"csrf_token": editor, "assignee": "viewer1"})
    ).status_code == 400
    assert 'value="viewer1"' not in (await client.get(url)).text
    assert (await client.post(f"{url}/notes", data={"csrf_token": editor, "text": "  "})).status_code == 400
    assert (
        await client.post("/console/tickets/999/notes", data={"csrf_token": editor, "text": "a"})
    ).status_code == 404
    assert console.audit.entries() == []


async def test_unassigning_is_audited(
    client: httpx.AsyncClient, editor: str, tickets: dict[str, int], records: CitizenRecords, console: Console
) -> None:
    url = f"/console/tickets/{tickets['consented']}/assignee"
    await client.post(url, data={"csrf_token": editor, "assignee": "editor1"})
    await client.post(url, data={"csrf_token": editor, "assignee": ""})
    assert records.feedback_ticket(tickets["consented"])["assignee"] is None
    assert json.loads(console.audit.entries()[0].after) == {"assignee": None}


async def test_only_an_editor_sees_a_consented_contact(
    client: httpx.AsyncClient, tickets: dict[str, int], records: CitizenRecords
) -> None:
    from tests.console.conftest import EDITOR, VIEWER, login

    await login(client, *VIEWER)
    for url in (f"/console/tickets/{tickets['consented']}", "/console/tickets"):
        assert "0912345678" not in (await client.get(url)).text
    await login(client, *EDITOR)
    assert "0912345678" in (await client.get(f"/console/tickets/{tickets['consented']}")).text
    assert "0912345678" not in (await client.get("/console/tickets")).text  # only on the ticket's page
    # Without consent the store keeps no contact at all; the page says why.
    assert records.feedback_ticket(tickets["anonymous"])["contact"] is None
    assert "không đồng ý được liên hệ" in (await client.get(f"/console/tickets/{tickets['anonymous']}")).text


@pytest.fixture
def reply_tickets(records: CitizenRecords) -> dict[str, int]:
    """A consented web ticket, a consented Zalo ticket, and one without consent (no conversation kept)."""
    web = records.create_feedback("web-9", "Chờ lâu", None, "0912345678", True, reply_to="web-9")
    zalo = records.create_feedback("zalo:42", "Sai giấy hẹn", None, "0912345679", True, reply_to="zalo:42")
    none = records.create_feedback("web-8", "Không liên hệ", None, "0987654321", False, reply_to="web-8")
    ids = {row["ticket"]: row["id"] for row in records.feedback_tickets()}
    return {"web": ids[web], "zalo": ids[zalo], "anonymous": ids[none]}


def test_the_conversation_is_kept_only_with_consent(reply_tickets: dict[str, int], records) -> None:
    assert records.feedback_sender(reply_tickets["web"]) == "web-9"
    assert records.feedback_sender(reply_tickets["anonymous"]) is None
    assert records.add_feedback_reply(reply_tickets["anonymous"], "editor1", "A", "chào") is None


async def test_a_reply_to_a_web_ticket_reaches_the_widget_and_rasa(
    client: httpx.AsyncClient,
    editor: str,
    reply_tickets: dict[str, int],
    records: CitizenRecords,
    console: Console,
) -> None:
    from tests.fake_rasa import FakeRasa

    ticket_id = reply_tickets["web"]
    page = (await client.get(f"/console/tickets/{ticket_id}")).text
    assert "Trả lời công dân" in page and f"/tickets/{ticket_id}/reply" in page
    assert "web-9" not in page  # the conversation id is never shown
    text = "Chào anh/chị, bộ phận một cửa đã <b>xử lý</b>."
    answer = await client.post(
        f"/console/tickets/{ticket_id}/reply", data={"csrf_token": editor, "text": text}
    )
    assert answer.status_code == 302 and answer.headers["location"].endswith("?ok=reply")
    assert [m["text"] for m in records.staff_messages("web-9")] == [text]
    events = [
        body for path, body in FakeRasa.received if path.startswith("/conversations/web-9/tracker/events")
    ]
    assert events == [
        [{"event": "bot", "text": text, "metadata": {"from_staff": True, "staff": "Nguyễn Văn A"}}]
    ]
    assert not [path for path, _ in FakeRasa.received if "/webhooks/" in path]
    entry = console.audit.entries()[0]
    number = records.feedback_ticket(ticket_id)["ticket"]
    assert (entry.actor, entry.action, entry.target) == ("editor1", "ticket.reply", number)
    assert json.loads(entry.after)["text"] == text
    page = (await client.get(f"/console/tickets/{ticket_id}?ok=reply")).text
    assert "Đã gửi trả lời đến công dân." in page and "&lt;b&gt;xử lý&lt;/b&gt;" in page
    assert "Nguyễn Văn A (editor1)" in page


async def test_a_reply_to_a_zalo_ticket_goes_through_the_channel(
    client: httpx.AsyncClient, editor: str, reply_tickets: dict[str, int], records: CitizenRecords
) -> None:
    from tests.console.conftest import RASA_TOKEN
    from tests.fake_rasa import FakeRasa

    ticket_id = reply_tickets["zalo"]
    assert "(Zalo)" in (await client.get(f"/console/tickets/{ticket_id}")).text
    answer = await client.post(
        f"/console/tickets/{ticket_id}/reply", data={"csrf_token": editor, "text": "Chào"}
    )
    assert answer.status_code == 302
    paths = [path for path, _ in FakeRasa.received]
    assert f"/conversations/zalo%3A42/tracker/events?token={RASA_TOKEN}" in paths
    assert ("/webhooks/zalo/staff_message", {"recipient": "zalo:42", "text": "Chào"}) in FakeRasa.received
    assert [r["text"] for r in records.feedback_replies(ticket_id)] == ["Chào"]


async def test_no_reply_without_consent_or_with_a_bad_text(
    client: httpx.AsyncClient,
    editor: str,
    reply_tickets: dict[str, int],
    tickets: dict[str, int],
    records: CitizenRecords,
    console: Console,
) -> None:
    from tests.fake_rasa import FakeRasa

    for ticket_id in (reply_tickets["anonymous"], tickets["consented"]):  # no consent / no conversation kept
        page = (await client.get(f"/console/tickets/{ticket_id}")).text
        assert f"/tickets/{ticket_id}/reply" not in page
        answer = await client.post(
            f"/console/tickets/{ticket_id}/reply", data={"csrf_token": editor, "text": "a"}
        )
        assert answer.status_code == 403
    url = f"/console/tickets/{reply_tickets['web']}/reply"
    assert (await client.post(url, data={"csrf_token": editor, "text": "  "})).status_code == 400
    assert (await client.post(url, data={"csrf_token": editor, "text": "x" * 2001})).status_code == 400
    assert (
        await client.post("/console/tickets/999/reply", data={"csrf_token": editor, "text": "a"})
    ).status_code == 404
    assert FakeRasa.received == [] and console.audit.entries() == []
    assert records.staff_messages("web-8") == [] and records.staff_messages("web-9") == []


async def test_a_failed_delivery_is_a_503_and_writes_nothing(
    client: httpx.AsyncClient,
    editor: str,
    reply_tickets: dict[str, int],
    records: CitizenRecords,
    console: Console,
) -> None:
    from tests.fake_rasa import FakeRasa

    FakeRasa.status = 500
    url = f"/console/tickets/{reply_tickets['web']}/reply"
    answer = await client.post(url, data={"csrf_token": editor, "text": "Chào anh/chị"})
    assert answer.status_code == 503 and "Chưa gửi được trả lời" in answer.text
    assert "Chào anh/chị</textarea>" in answer.text  # the draft is kept
    assert records.staff_messages("web-9") == [] and records.feedback_replies(reply_tickets["web"]) == []
    assert console.audit.entries() == []


async def test_a_viewer_sees_replies_but_no_form(
    client: httpx.AsyncClient, reply_tickets: dict[str, int], records: CitizenRecords
) -> None:
    from tests.console.conftest import VIEWER, login

    records.add_feedback_reply(reply_tickets["web"], "editor1", "Nguyễn Văn A", "Đã xử lý")
    await login(client, *VIEWER)
    page = (await client.get(f"/console/tickets/{reply_tickets['web']}")).text
    assert "Đã xử lý" in page and f"/tickets/{reply_tickets['web']}/reply" not in page
