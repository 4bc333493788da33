"""The audit log as a civil servant reads it: which fields changed, named in Vietnamese, before → after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# The fields the console's changes record (faq, aliases, rules, tickets, handoffs, accounts, reviews).
FIELD_NAMES = {
    "id": "Mã",
    "version": "Phiên bản",
    "active": "Đang dùng",
    "questions": "Các cách hỏi",
    "answer": "Câu trả lời",
    "procedure_codes": "Mã thủ tục",
    "tags": "Nhãn",
    "target": "Tên trong danh mục",
    "phrases": "Cách gọi của người dân",
    "search": "Tìm thêm",
    "when_all": "Khi câu hỏi có đủ",
    "unless": "Trừ khi có",
    "status": "Trạng thái",
    "assignee": "Người phụ trách",
    "text": "Nội dung",
    "channel": "Kênh",
    "role": "Vai trò",
    "display_name": "Tên hiển thị",
    "reason": "Lý do",
    "questions_reviewed": "Số câu hỏi đã xem xét",
}
# Stored values that are codes, in words.
VALUE_NAMES = {
    "new": "mới",
    "in_progress": "đang xử lý",
    "closed": "đã đóng",
    "open": "đang mở",
    "editor": "biên tập",
    "viewer": "chỉ xem",
    "out_of_scope": "ngoài phạm vi",
    "spam": "spam",
    "web": "trang web",
}
# Bookkeeping that says nothing to a reader of the log.
HIDDEN = frozenset({"message_id", "reply_id", "updated_at", "updated_by"})


@dataclass(frozen=True)
class FieldChange:
    """One field of an audited change: its name and its value before and after ("" when absent)."""

    name: str
    before: str
    after: str


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, list | tuple):
        return "; ".join(_shown(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{FIELD_NAMES.get(k, k)}: {_shown(v)}" for k, v in value.items())
    return VALUE_NAMES.get(str(value), str(value))


def _loaded(stored: str | None) -> dict[str, Any]:
    if not stored:
        return {}
    try:
        value = json.loads(stored)
    except ValueError:
        return {"text": stored}
    return value if isinstance(value, dict) else {"text": value}


def field_changes(before: str | None, after: str | None) -> list[FieldChange]:
    """The fields whose value differs between the stored before/after JSON, in a stable order."""
    old, new = _loaded(before), _loaded(after)
    keys = [k for k in FIELD_NAMES if k in old or k in new]
    keys += sorted(k for k in {*old, *new} if k not in FIELD_NAMES)
    return [
        FieldChange(FIELD_NAMES.get(key, key), _shown(old.get(key)), _shown(new.get(key)))
        for key in keys
        if key not in HIDDEN and old.get(key) != new.get(key)
    ]
