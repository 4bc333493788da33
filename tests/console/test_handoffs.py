"""The handoff queue: waiting time, reading, replying on the citizen's channel, closing, the audit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx

from bot.console import Console
from bot.console.app import waiting_time
from bot.services.handoff import HANDOFF_CLOSED, RESUME_EVENTS
from bot.services.records import CitizenRecords
from tests.console.conftest import RASA_TOKEN
from tests.fake_rasa import FakeRasa


def test_waiting_time_in_words() -> None:
    now = datetime(2026, 11, 30, 10, 0)
    assert waiting_time("2026-11-30T09:48:00", now) == "chờ 12 phút"
    assert waiting_time("2026-11-30T07:55:00", now) == "chờ 2 giờ 5 phút"
    assert waiting_time("2026-11-30T09:00:00", now) == "chờ 1 giờ"
    assert waiting_time("2026-11-27T09:00:00", now) == "chờ 3 ngày"
    assert waiting_time("2026-11-30T09:59:40", now) == "vừa gửi"


async def test_the_queue_shows_open_requests_with_their_waiting_time(
    client: httpx.AsyncClient, viewer: str, records: CitizenRecords
) -> None:
    first = records.open_handoff("zalo:42", "citizen_asked", "Công dân: cho tôi gặp cán bộ")
    records.open_handoff("web-7", "repeated_failures", "")
    closed = records.open_handoff("web-8", "citizen_asked", "")
    records.close_handoff(closed.id, "x")
    page = (await client.get("/console/handoffs")).text
    assert first.ticket in page and "Zalo" in page and "Công dân yêu cầu gặp cán bộ" in page
    assert "Trợ lý ảo nhiều lần chưa trả lời được" in page
    assert closed.ticket not in page
    assert "vừa gửi" in page or "chờ" in page
    assert "zalo:42" not in page  # staff see the channel, not the citizen's platform id
    assert closed.ticket in (await client.get("/console/handoffs?status=closed")).text


async def test_html_in_a_transcript_is_escaped(
    client: httpx.AsyncClient, viewer: str, records: CitizenRecords
) -> None:
    request = records.open_handoff(
        "web-1", "citizen_asked", 'Công dân: <script>alert("x")</script><img src=x onerror=alert(1)>'
    )
    page = (await client.get(f"/console/handoffs/{request.id}")).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page


async def test_reply_reaches_the_conversation_and_is_audited(
    client: httpx.AsyncClient, editor: str, records: CitizenRecords, console: Console
) -> None:
    request = records.open_handoff("messenger:99", "citizen_asked", "Công dân: lệ phí hộ chiếu")
    answer = await client.post(
        f"/console/handoffs/{request.id}/reply",
        data={"csrf_token": editor, "text": "  Chào anh/chị,\n tôi là cán bộ Trung tâm. <b>"},
    )
    assert answer.status_code == 302 and answer.headers["location"].endswith("?ok=replied")
    text = "Chào anh/chị, tôi là cán bộ Trung tâm. <b>"
    # Delivered on Messenger first, then into the conversation's history.
    assert FakeRasa.received == [
        ("/webhooks/messenger/staff_message", {"recipient": "messenger:99", "text": text}),
        (
            f"/conversations/messenger%3A99/tracker/events?token={RASA_TOKEN}",
            [{"event": "bot", "text": text, "metadata": {"from_staff": True, "staff": "Nguyễn Văn A"}}],
        ),
    ]
    assert records.staff_messages("messenger:99")[-1]["text"] == text
    page = (await client.get(answer.headers["location"])).text
    assert "Đã gửi tin nhắn đến công dân." in page and "tôi là cán bộ Trung tâm. &lt;b&gt;" in page
    [entry] = console.audit.entries()
    assert (entry.actor, entry.action, entry.target) == ("editor1", "handoff.reply", request.ticket)
    assert json.loads(entry.before) == {"status": "open"}
    assert json.loads(entry.after)["text"] == text


async def test_close_resumes_the_bot_and_is_audited(
    client: httpx.AsyncClient, editor: str, records: CitizenRecords, console: Console
) -> None:
    request = records.open_handoff("web-5", "citizen_asked", "")
    answer = await client.post(f"/console/handoffs/{request.id}/close", data={"csrf_token": editor})
    assert answer.status_code == 302
    assert FakeRasa.received == [(f"/conversations/web-5/tracker/events?token={RASA_TOKEN}", RESUME_EVENTS)]
    assert records.handoff(request.id).status == "closed"
    assert records.staff_messages("web-5")[-1]["text"] == HANDOFF_CLOSED  # the widget tells the citizen
    [entry] = console.audit.entries()
    assert (entry.action, entry.target) == ("handoff.close", request.ticket)
    assert (json.loads(entry.before), json.loads(entry.after)) == ({"status": "open"}, {"status": "closed"})
    # The audit page shows it, to a reader of any role.
    audit_page = (await client.get("/console/audit")).text
    assert "Kết thúc hỗ trợ" in audit_page and request.ticket in audit_page
    # Closing twice, or replying after closing, changes nothing.
    assert (
        await client.post(f"/console/handoffs/{request.id}/close", data={"csrf_token": editor})
    ).status_code == 409
    reply = await client.post(
        f"/console/handoffs/{request.id}/reply", data={"csrf_token": editor, "text": "a"}
    )
    assert reply.status_code == 409
    assert len(console.audit.entries()) == 1


async def test_when_rasa_fails_the_request_stays_open(
    client: httpx.AsyncClient, editor: str, records: CitizenRecords, console: Console
) -> None:
    request = records.open_handoff("web-6", "citizen_asked", "")
    FakeRasa.status = 500
    answer = await client.post(f"/console/handoffs/{request.id}/close", data={"csrf_token": editor})
    assert answer.status_code == 503 and "yêu cầu vẫn mở" in answer.text
    reply = await client.post(
        f"/console/handoffs/{request.id}/reply", data={"csrf_token": editor, "text": "Chào"}
    )
    assert reply.status_code == 503 and "Chào" in reply.text  # the draft is kept in the form
    assert records.handoff(request.id).status == "open"
    assert records.staff_messages("web-6") == [] and console.audit.entries() == []


async def test_an_empty_or_too_long_reply_is_refused(
    client: httpx.AsyncClient, editor: str, records: CitizenRecords
) -> None:
    request = records.open_handoff("web-3", "citizen_asked", "")
    for text in ("   ", "x" * 2001):
        answer = await client.post(
            f"/console/handoffs/{request.id}/reply", data={"csrf_token": editor, "text": text}
        )
        assert answer.status_code == 400
    assert FakeRasa.received == []


async def test_a_viewer_sees_the_conversation_without_the_forms(
    client: httpx.AsyncClient, viewer: str, records: CitizenRecords
) -> None:
    request = records.open_handoff("web-4", "citizen_asked", "Công dân: xin chào\nTrợ lý: Chào anh/chị")
    page = (await client.get(f"/console/handoffs/{request.id}")).text
    assert "xin chào" in page and "Chào anh/chị" in page
    assert "/reply" not in page and "/close" not in page
    assert (await client.get("/console/handoffs/999")).status_code == 404


def test_created_at_is_compared_in_local_time() -> None:
    # Handoff times are the server's naive local time; a request made now waits "vừa gửi", not hours.
    assert (
        waiting_time((datetime.now() - timedelta(seconds=5)).replace(microsecond=0).isoformat()) == "vừa gửi"
    )


async def test_the_officer_reads_what_the_citizen_wrote_after_asking(
    client: httpx.AsyncClient, viewer: str, records: CitizenRecords
) -> None:
    request = records.open_handoff("web-live", "citizen_asked", "Công dân: cho tôi gặp cán bộ")
    FakeRasa.tracker_events = [
        {"event": "user", "text": "cho tôi gặp cán bộ"},
        {"event": "bot", "text": "Tôi đã chuyển yêu cầu (mã HT-1)."},
        {"event": "bot", "text": "Tôi là cán bộ Trung tâm.", "metadata": {"from_staff": True}},
        {"event": "user", "text": "hồ sơ của tôi nộp từ tháng trước <b>vẫn chưa có</b>"},
    ]
    page = (await client.get(f"/console/handoffs/{request.id}")).text
    assert "hồ sơ của tôi nộp từ tháng trước &lt;b&gt;vẫn chưa có&lt;/b&gt;" in page
    assert '<span class="speaker">Cán bộ</span>Tôi là cán bộ Trung tâm.' in page
    FakeRasa.status = 500  # Rasa unreachable: the transcript kept with the request is shown
    assert "cho tôi gặp cán bộ" in (await client.get(f"/console/handoffs/{request.id}")).text
