"""Dossier look-up, feedback, ratings and handoff over REST through both real servers and the real stores."""

import sqlite3
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e


def _texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def _db(stack) -> Path:
    return stack.workdir / "citizenbot.db"


def _stored_ticket(stack, reply: str) -> tuple:
    """The stored feedback row (content, contact, consent) of the ticket a reply announces."""
    ticket = reply.split("mã ")[1].split()[0]
    query = "SELECT content, contact, consent FROM feedback_tickets WHERE ticket = ?"
    return sqlite3.connect(_db(stack)).execute(query, (ticket,)).fetchone()


def test_the_owner_gets_the_dossier_status(stack) -> None:
    assert "mã hồ sơ" in _texts(stack.say("e2e-dossier", "tra cuu ho so"))
    assert "4 số cuối" in _texts(stack.say("e2e-dossier", "000.00.04.H51-261118-0002"))
    status = _texts(stack.say("e2e-dossier", "4 số cuối là 0222"))
    assert "Tình trạng: Đang xử lý" in status and "Công an xã Thống Nhất" in status


def test_a_malformed_code_is_explained_and_a_stranger_learns_nothing(stack) -> None:
    stack.say("e2e-stranger", "tra cứu hồ sơ")
    assert "chưa đúng dạng" in _texts(stack.say("e2e-stranger", "HS-2024-01"))
    stack.say("e2e-stranger", "mã là 000.00.04.H51-261118-0002")
    reply = _texts(stack.say("e2e-stranger", "1234"))
    assert "không tìm thấy hồ sơ" in reply and "Đang xử lý" not in reply


def test_repeated_wrong_digits_are_rate_limited(stack) -> None:
    replies = []
    for attempt in range(6):
        stack.say("e2e-guesser", "000.00.07.H51-261102-0015")
        replies.append(_texts(stack.say("e2e-guesser", f"{attempt:04d}")))
    assert "không tìm thấy hồ sơ" in replies[0]
    assert "nhiều lần" in replies[-1]


def test_feedback_gets_a_ticket_and_is_stored(stack) -> None:
    stack.say("e2e-feedback", "tôi muốn phản ánh")
    stack.say("e2e-feedback", "Cán bộ ở bộ phận một cửa xã trả hồ sơ chậm 5 ngày")
    assert "đồng ý" in _texts(stack.say("e2e-feedback", "0912345678"))
    reply = _texts(stack.say("e2e-feedback", "đồng ý"))
    assert _stored_ticket(stack, reply) == (
        "Cán bộ ở bộ phận một cửa xã trả hồ sơ chậm 5 ngày",
        "0912345678",
        1,
    )


def test_a_complaint_about_an_official_inside_the_form_is_not_a_handoff(stack) -> None:
    # The NLU may read a complaint naming an official as a request for one; it must stay the complaint.
    stack.say("e2e-feedback-official", "tôi muốn phản ánh")
    reply = _texts(stack.say("e2e-feedback-official", "chuyên viên ở phường không có mặt cả buổi sáng"))
    assert "số điện thoại hoặc email" in reply and "mã yêu cầu" not in reply
    reply = _texts(stack.say("e2e-feedback-official", "không"))
    assert _stored_ticket(stack, reply)[0] == "chuyên viên ở phường không có mặt cả buổi sáng"
    handoffs = sqlite3.connect(_db(stack)).execute(
        "SELECT 1 FROM handoff_requests WHERE sender_id = ?", ("e2e-feedback-official",)
    )
    assert not handoffs.fetchall()


def test_rating_buttons_are_stored(stack) -> None:
    answer = stack.say("e2e-rating", "lệ phí đăng ký khai sinh")
    payload = next(b["payload"] for m in answer for b in m.get("buttons", []) if "👎" in b["title"])
    assert "gặp cán bộ" in _texts(stack.say("e2e-rating", payload)).lower()
    rows = sqlite3.connect(_db(stack)).execute("SELECT procedure_code, rating FROM answer_ratings").fetchall()
    assert ("1.001193", -1) in rows


def test_low_confidence_questions_are_recorded_redacted(stack) -> None:
    stack.say("e2e-unsure", "thủ tục xin phép nuôi khủng long, gọi tôi 0912345678")
    recorded = stack.staff("GET", "/unanswered").json()
    mine = [row for row in recorded if "khủng long" in row["question"]]
    assert mine and "0912345678" not in mine[0]["question"] and "[số điện thoại]" in mine[0]["question"]


def test_handoff_pauses_the_bot_until_staff_close_the_request(stack) -> None:
    sender = "web-" + "e2e0" * 8  # a widget's id: only those may poll staff messages
    queued = _texts(stack.say(sender, "cho tôi gặp cán bộ"))
    assert "HT-" in queued and "1800 1096" in queued
    waiting = _texts(stack.say(sender, "lệ phí đăng ký khai sinh"))
    assert "đang chờ" in waiting and "mã 1.001193" not in waiting  # paused: no bot answer
    assert stack.staff("GET", "/handoffs", params={"status": "open"}).status_code == 200
    [request] = [r for r in stack.staff("GET", "/handoffs?status=open").json() if r["sender_id"] == sender]
    reply = stack.staff(
        "POST", f"/handoffs/{request['id']}/messages", json={"text": "Chào anh, tôi là cán bộ A."}
    )
    assert reply.status_code == 201
    delivered = httpx.get(f"{stack.services_url}/api/conversations/{sender}/staff-messages").json()
    assert [m["text"] for m in delivered] == ["Chào anh, tôi là cán bộ A."]
    assert stack.staff("POST", f"/handoffs/{request['id']}/messages", json={"text": "  "}).status_code == 400
    assert httpx.get(f"{stack.services_url}/api/conversations/bad%20id!/staff-messages").status_code == 400
    closed = stack.staff("POST", f"/handoffs/{request['id']}/close", json={"staff": "cán bộ A"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert stack.staff("POST", f"/handoffs/{request['id']}/close").status_code == 404
    closed_reply = stack.staff("POST", f"/handoffs/{request['id']}/messages", json={"text": "còn đó không?"})
    assert closed_reply.status_code == 404
    assert "mã 1.001193" in _texts(stack.say(sender, "lệ phí đăng ký khai sinh"))


def test_staff_api_needs_the_token(stack) -> None:
    assert httpx.get(f"{stack.services_url}/api/staff/handoffs").status_code == 401
    forged = httpx.get(f"{stack.services_url}/api/staff/handoffs", headers={"Authorization": "Bearer x"})
    assert forged.status_code == 401
    assert stack.staff("GET", "/handoffs", params={"status": "weird"}).status_code == 400


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("làm thẻ căn cước cần giấy tờ gì", "1.014061"),
        ("thu tuc cap lai the can cuoc", "1.014064"),
        ("hồ sơ đăng ký tạm trú gồm những gì", "1.004194"),
        ("dang ky khai tu o dau", "1.000656"),
        ("xin giấy phép xây dựng nhà ở cần hồ sơ gì", "1.013225"),
    ],
)
def test_more_real_procedures_are_cited(stack, question: str, code: str) -> None:
    assert f"mã {code}" in _texts(stack.say(f"e2e-more-{code}", question))


def test_hostile_form_input_gets_a_clear_answer_and_is_stored_as_text(stack) -> None:
    stack.say("e2e-hostile", "tra cứu hồ sơ")
    # Not language: the clear "not understood" reply, then the form asks for the code again.
    reply = _texts(stack.say("e2e-hostile", "' OR 1=1 -- ; DROP TABLE dossiers"))
    assert "chưa hiểu" in reply and "mã hồ sơ" in reply
    stack.say("e2e-hostile", "thôi")
    stack.say("e2e-hostile", "gửi phản ánh")
    hostile = "<script>alert(1)</script> cán bộ hẹn tôi 3 lần, CCCD 001203004567"
    assert "để lại số điện thoại" in _texts(stack.say("e2e-hostile", hostile))
    reply = _texts(stack.say("e2e-hostile", "không"))
    ticket = reply.split("mã ")[1].split()[0]
    [content] = (
        sqlite3.connect(_db(stack))
        .execute("SELECT content FROM feedback_tickets WHERE ticket = ?", (ticket,))
        .fetchone()
    )
    assert content == "<script>alert(1)</script> cán bộ hẹn tôi 3 lần, CCCD [số định danh]"
