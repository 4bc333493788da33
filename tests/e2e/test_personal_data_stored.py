"""A citizen types personal data into every form and free question: none of it is kept anywhere.

Nowhere means: the rows of Rasa's tracker store and the bytes of its file and write-ahead log, the records
store (except the contact of a ticket whose author consented to be contacted), what the Rasa API and the
staff API serve, and both servers' logs. Values are compared with diacritics and case folded, so a value
typed without marks ("o xom Moi") is looked for as typed. Where the texts are kept, the masks stand in
their place ("[số điện thoại]"): the checks would otherwise pass on a store that kept no text at all.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.text.vietnamese import strip_diacritics

pytestmark = pytest.mark.e2e

CCCD = "001203004567"
OTHER_CCCD = "034095001234"
PHONE = "0987654321"
UNCONSENTED_PHONE = "0977123456"
OWNER_PHONE = "0912 340 222"  # the demo dossier's owner: its last four digits open the status
EMAIL = "tranglan.hb@example.com"
HANDOFF_PHONE = "0966 111 222"
HANDOFF_EMAIL = "sang.lo@example.com"
NAMES = ["Nguyễn Văn Bảo", "Đinh Công Tráng", "Lò Văn Sáng", "Bùi Thị Hạnh", "tran van hung"]
ADDRESSES = ["số nhà 45 ngõ 12", "bản Lác", "xóm Mới", "thon Dong Tam"]
CONVERSATIONS = {
    "pii-free-question": [
        f"tôi tên là Nguyễn Văn Bảo, cccd {CCCD}, sdt {PHONE}, làm hộ chiếu cần giấy tờ gì",
        "nhà tôi ở số nhà 45 ngõ 12 phường Phương Lâm, muốn đăng ký thường trú thì nộp ở đâu",
        "em là Bùi Thị Hạnh o xom Moi xa Thong Nhat, ks cho con mat bao lau",
        "toi ten la tran van hung o thon Dong Tam, cap lai can cuoc mat bao nhieu tien",
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
        # Typed while the conversation is with a civil servant: the bot is paused, the text is still kept.
        f"em gửi thêm số {HANDOFF_PHONE} và mail {HANDOFF_EMAIL}, căn cước {OTHER_CCCD}",
    ],
}


def _fold(text: str) -> str:
    return strip_diacritics(text).lower()


@pytest.fixture(scope="module")
def typed(stack) -> dict[str, list[dict]]:
    return {sender: [reply for text in texts for reply in stack.say(sender, text)]
            for sender, texts in CONVERSATIONS.items()}  # fmt: skip


def _forbidden() -> list[str]:
    numbers = [CCCD, OTHER_CCCD, PHONE, UNCONSENTED_PHONE, OWNER_PHONE, HANDOFF_PHONE]
    # A phone typed with spaces may be kept as the form read it, without them.
    compact = [number.replace(" ", "") for number in numbers if " " in number]
    return [*numbers, *compact, EMAIL, HANDOFF_EMAIL, *NAMES, *ADDRESSES]


def _found(texts: list[str]) -> set[str]:
    folded = [_fold(text) for text in texts]
    return {value for value in _forbidden() for text in folded if _fold(value) in text}


def _encodings(value: str) -> set[bytes]:
    """``value``, lowered, as it may lie in the file: UTF-8 or JSON's ASCII escapes (Rasa's rows)."""
    texts = (value, value.lower(), _fold(value))  # typed with or without diacritics
    return {form.lower() for text in texts for form in (text.encode(), json.dumps(text)[1:-1].encode())}


def _raw_tracker_files(workdir: Path) -> bytes:
    """tracker.db and its write-ahead log as they lie on disk: a copy of the folder holds both."""
    wal = workdir / "tracker.db-wal"
    return (workdir / "tracker.db").read_bytes() + (wal.read_bytes() if wal.exists() else b"")


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
        # Deleted or rewritten rows must not linger in free pages or in the write-ahead log either; Rasa
        # writes JSON with non-ASCII letters escaped, so each value is looked for both ways.
        raw = _raw_tracker_files(stack.workdir).lower()
        leaked = [value for value in _forbidden() if any(form in raw for form in _encodings(value))]
        assert not leaked, f"the tracker store's files keep {leaked}"
    elif store == "records store":
        texts = _records_texts(stack.workdir / "citizenbot.db")
    else:
        log = stack.rasa_log if store == "rasa log" else stack.services_log
        texts = log.read_text(encoding="utf-8", errors="replace").splitlines()
    assert texts, f"nothing found in the {store}: the test would prove nothing"
    found = _found(texts)
    assert not found, f"{store} keeps {sorted(found)}"


def test_a_message_typed_during_a_handoff_is_kept_masked(stack, typed: dict[str, list[dict]]) -> None:
    rows = [json.loads(text) for text in _tracker_texts(stack.workdir / "tracker.db")]
    paused = [row["text"] for row in rows
              if row.get("event") == "user" and "em gửi thêm số" in (row.get("text") or "")]  # fmt: skip
    assert paused == ["em gửi thêm số [số điện thoại] và mail [email], căn cước [số định danh]"]
    # What the console's live transcript reads: the conversation as Rasa's API serves it.
    served = stack.rasa_api("GET", "/conversations/pii-handoff/tracker").json()
    texts = [event.get("text") or "" for event in served["events"] if event.get("event") == "user"]
    assert paused[0] in texts
    assert not _found(texts)


def test_the_records_keep_masks_where_citizens_wrote_personal_data(
    stack, typed: dict[str, list[dict]]
) -> None:
    handoffs = stack.staff("GET", "/handoffs").json()
    transcript = next(item["transcript"] for item in handoffs if item["sender_id"] == "pii-handoff")
    assert "[số điện thoại]" in transcript and "[họ tên]" in transcript
    assert not _found([json.dumps(handoffs, ensure_ascii=False)])
    texts = _records_texts(stack.workdir / "citizenbot.db")
    assert any("[số điện thoại]" in text for text in texts)
