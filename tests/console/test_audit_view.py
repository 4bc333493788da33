"""The audit log shows which fields changed, in Vietnamese, instead of raw JSON with English keys."""

from __future__ import annotations

import json

import httpx

from bot.console.app import Console
from bot.console.audit_view import FieldChange, field_changes


def test_only_the_changed_fields_are_shown_with_their_names_and_values_in_words() -> None:
    before = {"id": "ks", "questions": ["A?"], "answer": "Cũ.", "active": True, "version": 1}
    after = {"id": "ks", "questions": ["A?", "B?"], "answer": "Mới.", "active": False, "version": 2}
    assert field_changes(json.dumps(before), json.dumps(after)) == [
        FieldChange("Phiên bản", "1", "2"),
        FieldChange("Đang dùng", "có", "không"),
        FieldChange("Các cách hỏi", "A?", "A?; B?"),
        FieldChange("Câu trả lời", "Cũ.", "Mới."),
    ]
    status = field_changes('{"status": "new"}', '{"status": "in_progress"}')
    assert status == [FieldChange("Trạng thái", "mới", "đang xử lý")]
    # A note (nothing before) and bookkeeping ids, which say nothing to the reader.
    note = field_changes(None, '{"text": "Đã gọi lại.", "message_id": 7}')
    assert note == [FieldChange("Nội dung", "", "Đã gọi lại.")]


async def test_the_audit_page_names_what_changed(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    console.audit.record("editor1", "ticket.status", "PA-1", {"status": "new"}, {"status": "closed"})
    page = (await client.get("/console/audit")).text
    assert "<dt>Trạng thái</dt>" in page and "<del>mới</del> → <ins>đã đóng</ins>" in page
    assert "&#34;status&#34;" in page  # the full record stays available, folded (escaped)
