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
        await client.post(f"{url}/assignee", data={"csrf_token": editor, "assignee": "viewer1"})
    ).status_code == 302
    note = "Đã gọi lại; hẹn <b>thứ Hai</b>."
    assert (await client.post(f"{url}/notes", data={"csrf_token": editor, "text": note})).status_code == 302
    ticket = records.feedback_ticket(ticket_id)
    assert (ticket["status"], ticket["assignee"]) == ("in_progress", "viewer1")
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
        {"assignee": "viewer1"},
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
