"""Rasa's SQL tracker store, keeping what citizens typed redacted (the Rasa server's environment).

Conversations are stored with the same redaction as the records store and the logs: user texts, entities,
bot texts and slot values lose CCCD, phone and account numbers, e-mails, names, addresses, dates of birth
and plates. A form may need a value over several turns (the feedback contact is confirmed one turn after it
is typed), so slot values are kept as typed while a form is active; when the form ends, this conversation's
stored slot values are redacted in place. The form's action has used them by then: the feedback ticket keeps
the contact the citizen consented to give, in the records store. A form abandoned half-way is redacted the
same way once nothing has happened in it for ABANDONED_FORM_S (``pending_redaction`` lists the
conversations that hold values as typed).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import sqlalchemy
import sqlalchemy.exc
import sqlalchemy.orm
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.text.redaction import redact_event

logger = logging.getLogger(__name__)


ABANDONED_FORM_S = 30 * 60
SWEEP_EVERY_S = 60
_PENDING_TABLE = (
    "CREATE TABLE IF NOT EXISTS pending_redaction (sender_id VARCHAR(255) PRIMARY KEY, since FLOAT NOT NULL)"
)
_MARK_PENDING = (
    "INSERT INTO pending_redaction (sender_id, since) VALUES (:sender, :now) "
    "ON CONFLICT (sender_id) DO UPDATE SET since = excluded.since"
)


def _form_ended(events: list[dict[str, Any]], tracker: DialogueStateTracker) -> bool:
    return tracker.active_loop_name is None and any(event.get("event") == "active_loop" for event in events)


def _configure_sqlite(connection: Any, _: Any) -> None:
    # Rewritten and purged rows must not survive in SQLite's free pages, where a copy of the file keeps them.
    connection.execute("PRAGMA secure_delete = ON")
    # A write-ahead log synced at checkpoints: a turn's commit no longer waits for the disk (a tenth of
    # the server's time under load). A crashed process loses nothing; a power cut may lose the last turns.
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")


class RedactingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose rows never hold a citizen's personal data once a form is done with it."""

    engine: Any  # set by Rasa's store, replaced below for a database server

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Rasa's SQL tracker store; on SQLite, freed pages are overwritten."""
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            sqlalchemy.event.listen(self.engine, "connect", _configure_sqlite)
        else:
            # A database server restarted under a running cluster leaves dead connections in the pool:
            # each is checked before use and replaced, so no citizen's message fails for it.
            engine_kwargs = {**create_engine_kwargs(self.engine.url), "pool_pre_ping": True}
            first = self.engine
            self.engine = sqlalchemy.create_engine(first.url, **engine_kwargs)
            first.dispose()
            self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)
        self._create_pending_table()
        self._last_sweep = 0.0
        self.redact_abandoned_forms()

    def _create_pending_table(self) -> None:
        try:
            with self.engine.begin() as connection:
                connection.execute(sqlalchemy.text(_PENDING_TABLE))
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            # Rasa servers started together race to create it on PostgreSQL; one of them wins.
            logger.debug("pending_redaction was created by another Rasa server")

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events added since the last save, redacted (Rasa 3.6's save, plus redaction)."""
        await self.stream_events(tracker)
        keep_slot_values = tracker.active_loop_name is not None
        with self.session_scope() as session:
            new_events = [event.as_dict() for event in self._additional_events(session, tracker)]
            for data in new_events:
                stored = redact_event(data, keep_slot_values)
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=stored.get("event"),
                        timestamp=stored.get("timestamp"),
                        intent_name=(stored.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=stored.get("name"),
                        data=json.dumps(stored),
                    )
                )
            form_ended = _form_ended(new_events, tracker)
            if form_ended:
                self._redact_stored_slots(session, tracker.sender_id)
                session.execute(
                    sqlalchemy.text("DELETE FROM pending_redaction WHERE sender_id = :sender"),
                    {"sender": tracker.sender_id},
                )
            elif keep_slot_values and any(event.get("event") == "slot" for event in new_events):
                session.execute(
                    sqlalchemy.text(_MARK_PENDING), {"sender": tracker.sender_id, "now": time.time()}
                )
            session.commit()
        if form_ended:
            self.flush_write_ahead_log()
        if time.time() - self._last_sweep > SWEEP_EVERY_S:
            self.redact_abandoned_forms()

    def redact_abandoned_forms(self, idle_s: float = ABANDONED_FORM_S) -> int:
        """Redact the slot values of forms left unfinished for ``idle_s``; how many conversations."""
        self._last_sweep = time.time()
        with self.session_scope() as session:
            stale = session.execute(
                sqlalchemy.text("SELECT sender_id FROM pending_redaction WHERE since < :limit"),
                {"limit": time.time() - idle_s},
            ).fetchall()
            for (sender_id,) in stale:
                self._redact_stored_slots(session, sender_id)
                session.execute(
                    sqlalchemy.text("DELETE FROM pending_redaction WHERE sender_id = :sender"),
                    {"sender": sender_id},
                )
            session.commit()
        if stale:
            self.flush_write_ahead_log()
        return len(stale)

    def flush_write_ahead_log(self) -> bool:
        """On SQLite, move the write-ahead log into the database and empty it; False if it stayed.

        Slot values typed during a form reach tracker.db-wal as typed; redacting the rows in place adds
        the redacted pages to the log but leaves the earlier frames in it until a checkpoint overwrites
        them, which may be never on a quiet server. Once per form end, a few milliseconds.
        """
        if self.engine.dialect.name != "sqlite":
            return True
        with self.engine.connect() as connection:
            busy, _, _ = connection.execute(sqlalchemy.text("PRAGMA wal_checkpoint(TRUNCATE)")).fetchone()
        if busy:
            # Another connection reads an older snapshot: the next form end or sweep empties the log.
            logger.warning("tracker store: write-ahead log not emptied (a reader was busy)")
        return not busy

    def _redact_stored_slots(self, session: Any, sender_id: str) -> None:
        rows = session.query(self.SQLEvent).filter(
            self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == "slot"
        )
        changed = 0
        for row in rows:
            data = json.loads(row.data)
            stored = redact_event(data)
            if stored != data:
                row.data = json.dumps(stored)
                changed += 1
        if changed:
            logger.debug("redacted %d slot values kept during a form", changed)
