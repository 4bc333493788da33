"""A citizen types personal data into every form and free question: none of it is kept anywhere.

Nowhere means: the rows of Rasa's tracker store, the records store (except the contact of a ticket whose
author consented to be contacted) and both servers' logs.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CCCD = "001203004567"
OTHER_CCCD = "034095001234"
PHONE = "0987654321"
UNCONSENTED_PHONE = "0977123456"
OWNER_PHONE = "0912 340 222"  # the demo dossier's owner: its last four digits open the status
EMAIL = "tranglan.hb@example.com"
NAMES = ["Nguyễn Văn Bảo", "Đinh Công Tráng", "Lò Văn Sáng", "Bùi Thị Hạnh"]
ADDRESSES = ["số nhà 45 ngõ 12", "bản Lác", "xóm Mới"]
CONVERSATIONS = {
    "pii-free-question": [
        f"tôi tên là Nguyễn Văn Bảo, cccd {CCCD}, sdt {PHONE}, làm hộ chiếu cần giấy tờ gì",
        "nhà tôi ở số nhà 45 ngõ 12 phường Phương Lâm, muốn đăng ký thường trú thì nộp ở đâu",
        "em là Bùi Thị Hạnh o xom Moi xa Thong Nhat, ks cho con mat bao lau",
    ],
    "pii-feedback-consent": [
        "tôi muốn phản ánh",
        "Ông Đinh Công Tráng ở số nhà 45 ngõ 12 hẹn trả hồ sơ sai ngày, cccd của tôi " + OTHER_CCCD,
        EMAIL,
        "đồng ý",
    ],
    "pii-feedback-no-consent": [
        "gửi phản ánh",
        "cán bộ một cửa xã không nghe máy",
        UNCONSENTED_PHONE,
        "không",
    ],
    "pii-dossier": [
        "tra cứu hồ sơ",
        CCCD,
        "000.00.04.H51-261118-0002",
        f"số điện thoại của tôi là {OWNER_PHONE}",
    ],
    "pii-handoff": [
        "cho tôi gặp cán bộ, tôi là Lò Văn Sáng ở bản Lác, số " + PHONE,
    ],
}


@pytest.fixture(scope="module")
def typed(stack) -> dict[str, list[dict]]:
    return {sender: [reply for text in texts for reply in stack.say(sender, text)]
            for sender, texts in CONVERSATIONS.items()}  # fmt: skip


def _forbidden() -> list[str]:
    return [CCCD, OTHER_CCCD, PHONE, UNCONSENTED_PHONE, OWNER_PHONE, EMAIL, *NAMES, *ADDRESSES]


def _tracker_texts(path: Path) -> list[str]:
    rows = sqlite3.connect(path).execute("SELECT data FROM events").fetchall()
    return [json.dumps(json.loads(row[0]), ensure_ascii=False) for row in rows]


def _records_texts(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    texts = []
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for row in db.execute(f"SELECT * FROM {table}").fetchall():  # noqa: S608 - names from sqlite_master
            texts.append(" | ".join(str(value) for value in row if value != EMAIL))
    return texts


def test_the_conversations_went_through(typed: dict[str, list[dict]]) -> None:
    texts = {
        sender: " ".join(reply.get("text", "") for reply in replies) for sender, replies in typed.items()
    }
    assert "PA-" in texts["pii-feedback-consent"] and "PA-" in texts["pii-feedback-no-consent"]
    assert "Đang xử lý" in texts["pii-dossier"]
    assert "HT-" in texts["pii-handoff"]


def test_the_consented_contact_still_reaches_the_ticket(stack, typed: dict[str, list[dict]]) -> None:
    contacts = sqlite3.connect(stack.workdir / "citizenbot.db").execute(
        "SELECT contact, consent FROM feedback_tickets"
    )
    rows = contacts.fetchall()
    assert (EMAIL, 1) in rows
    assert all(UNCONSENTED_PHONE != contact for contact, _ in rows)


@pytest.mark.parametrize("store", ["tracker store", "records store", "rasa log", "services log"])
def test_no_personal_data_is_kept(stack, typed: dict[str, list[dict]], store: str) -> None:
    if store == "tracker store":
        texts = _tracker_texts(stack.workdir / "tracker.db")
        raw = (stack.workdir / "tracker.db").read_bytes()
        # Deleted or rewritten rows must not linger in the file's free pages either (digits are ASCII).
        assert not [value for value in (CCCD, OTHER_CCCD, PHONE, UNCONSENTED_PHONE) if value.encode() in raw]
    elif store == "records store":
        texts = _records_texts(stack.workdir / "citizenbot.db")
    else:
        log = stack.rasa_log if store == "rasa log" else stack.services_log
        texts = log.read_text(encoding="utf-8", errors="replace").splitlines()
    assert texts, f"nothing found in the {store}: the test would prove nothing"
    found = {value for value in _forbidden() for text in texts if value.lower() in text.lower()}
    assert not found, f"{store} keeps {sorted(found)}"
