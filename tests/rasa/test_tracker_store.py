"""The tracker store keeps conversations redacted, and slot values only as long as a form needs them."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import RedactingSQLTrackerStore, redact_event

ROOT = Path(__file__).resolve().parents[2]
PHONE = "0912345678"
CCCD = "001203004567"
EMAIL = "dinh.lan@example.com"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def _store(domain: Domain, path: Path) -> RedactingSQLTrackerStore:
    return RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))


def _rows(path: Path) -> list[dict]:
    return [
        json.loads(row[0]) for row in sqlite3.connect(path).execute("SELECT data FROM events ORDER BY id")
    ]


def _raw(path: Path) -> bytes:
    """The database file and its write-ahead log as they lie on disk (what a copy of the folder holds)."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _encodings(secret: str) -> set[bytes]:
    """How ``secret`` may lie in the file: UTF-8, or JSON's ASCII escapes (Rasa's rows), as typed or lower."""
    return {
        form for text in (secret, secret.lower()) for form in (text.encode(), json.dumps(text)[1:-1].encode())
    }


def _leaked(path: Path, secrets: list[str]) -> list[str]:
    """The ``secrets`` found in the database file and its write-ahead log, ASCII letters in any case."""
    raw = _raw(path).lower()
    return [secret for secret in secrets if any(form.lower() in raw for form in _encodings(secret))]


def _user(text: str, intent: str = "inform") -> UserUttered:
    return UserUttered(
        text,
        {"name": intent, "confidence": 1.0},
        entities=[{"entity": "phone", "value": PHONE, "start": 0, "end": 10}],
    )


def test_user_texts_entities_and_bot_texts_are_stored_redacted(domain: Domain, tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    tracker = DialogueStateTracker.from_events(
        "citizen-1",
        [
            ActionExecuted("action_listen"),
            _user(f"tôi tên là Nguyễn Văn An, cccd {CCCD}, sdt {PHONE}"),
            BotUttered(f"Cảm ơn, chúng tôi sẽ gọi số {PHONE}"),
        ],
        domain.slots,
    )
    asyncio.run(_store(domain, path).save(tracker))
    stored = json.dumps(_rows(path), ensure_ascii=False)
    for secret in (PHONE, CCCD, "Nguyễn Văn An"):
        assert secret not in stored
    assert "[số điện thoại]" in stored and "[số định danh]" in stored
    assert _leaked(path, [PHONE, CCCD, "Nguyễn Văn An"]) == []


FEEDBACK = (
    f"Bà Đinh Thị Lan ở xóm 3 trả hồ sơ chậm, toi la tran van hung o xom Moi, cccd {CCCD}, mail {EMAIL}"
)
FEEDBACK_SECRETS = [PHONE, CCCD, EMAIL, "Đinh Thị Lan", "tran van hung", "xom Moi"]


def test_a_form_keeps_its_slot_values_until_it_ends(domain: Domain, tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    store = _store(domain, path)
    tracker = DialogueStateTracker.from_events(
        "citizen-2",
        [
            ActionExecuted("action_listen"),
            _user("tôi muốn phản ánh", "give_feedback"),
            ActiveLoop("feedback_form"),
            SlotSet("feedback_content", FEEDBACK),
            ActionExecuted("action_listen"),
            _user(PHONE),
            SlotSet("feedback_contact", PHONE),
        ],
        domain.slots,
    )
    asyncio.run(store.save(tracker))
    # Next turn: the form reads the contact again, so it must come back as typed.
    again = asyncio.run(store.retrieve("citizen-2"))
    assert again is not None and again.get_slot("feedback_contact") == PHONE
    assert all(PHONE not in str(row.get("text", "")) for row in _rows(path))
    # Kept as typed for now, and on disk: the checks below would see them if redaction left them there.
    assert _leaked(path, FEEDBACK_SECRETS) == FEEDBACK_SECRETS

    for event in (ActionExecuted("action_listen"), _user("đồng ý"), SlotSet("feedback_consent", True),
                  ActiveLoop(None)):  # fmt: skip
        again.update(event)
    asyncio.run(store.save(again))
    stored = json.dumps(_rows(path), ensure_ascii=False)
    assert PHONE not in stored and "Đinh Thị Lan" not in stored
    assert _leaked(path, FEEDBACK_SECRETS) == []
    final = asyncio.run(store.retrieve("citizen-2"))
    assert final is not None and final.get_slot("feedback_contact") == "[số điện thoại]"


def test_redact_event_leaves_other_events_alone() -> None:
    action = {"event": "action", "name": "action_listen", "timestamp": 1.0}
    assert redact_event(action) == action
    slot = {"event": "slot", "name": "dossier_code", "value": "000.00.04.H51-261118-0002"}
    assert redact_event(slot) == slot


def test_a_form_abandoned_half_way_is_redacted_after_a_while(domain: Domain, tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    store = _store(domain, path)
    tracker = DialogueStateTracker.from_events(
        "citizen-3",
        [
            ActionExecuted("action_listen"),
            _user("tôi muốn phản ánh", "give_feedback"),
            ActiveLoop("feedback_form"),
            SlotSet("feedback_content", f"Ông Lò Văn Sáng ở bản Lác thu thêm tiền, mail {EMAIL}"),
            ActionExecuted("action_listen"),
            _user(PHONE),
            SlotSet("feedback_contact", PHONE),
        ],
        domain.slots,
    )
    asyncio.run(store.save(tracker))  # the citizen leaves before the consent question
    assert store.redact_abandoned_forms(idle_s=3600) == 0  # not idle long enough: the form may go on
    assert PHONE in json.dumps(_rows(path))
    assert store.redact_abandoned_forms(idle_s=0) == 1
    stored = json.dumps(_rows(path), ensure_ascii=False)
    assert PHONE not in stored and "Lò Văn Sáng" not in stored
    assert _leaked(path, [PHONE, EMAIL, "Lò Văn Sáng", "bản Lác"]) == []
    assert _store(domain, path).redact_abandoned_forms(idle_s=0) == 0  # nothing left pending


def test_the_write_ahead_log_is_emptied_once_a_form_ends(domain: Domain, tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    store = _store(domain, path)
    # Another connection open all along (a second Rasa server, the retention purge): without it SQLite
    # folds the log into the file whenever Rasa's last connection closes, and nothing would be tested.
    other = sqlite3.connect(path)
    other.execute("SELECT COUNT(*) FROM events").fetchall()  # sqlite3 opens the file on first use
    events = [
        ActionExecuted("action_listen"),
        _user("gửi phản ánh", "give_feedback"),
        ActiveLoop("feedback_form"),
        SlotSet("feedback_contact", PHONE),
    ]
    tracker = DialogueStateTracker.from_events("citizen-4", events, domain.slots)
    asyncio.run(store.save(tracker))
    wal = path.with_name("tracker.db-wal")
    assert PHONE.encode() in wal.read_bytes()  # a turn's commit goes to the log first
    tracker.update(ActiveLoop(None))
    asyncio.run(store.save(tracker))
    assert wal.exists() and wal.stat().st_size == 0
    assert _leaked(path, [PHONE]) == []
    assert store.flush_write_ahead_log()
    other.close()
