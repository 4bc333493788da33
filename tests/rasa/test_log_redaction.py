"""The Rasa server's log: every record is redacted when it is made, whatever handler Rasa's CLI installs.

At INFO Rasa logs no message text; at DEBUG (`LOG_LEVEL=DEBUG`, asked for when a province debugs) it logs
each message and its entities, which is where a citizen's phone number or name would reach the disk.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.rasa_server import _redacting_record_factory

TYPED = "tôi tên là Nguyễn Văn An, sđt 0912 345 678, email an.nguyen@example.vn"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    factory = logging.getLogRecordFactory()
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    logger = logging.getLogger("rasa.core.processor")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    _redacting_record_factory()
    try:
        yield written
    finally:
        logging.setLogRecordFactory(factory)
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_a_message_logged_at_debug_is_masked(debug_log: io.StringIO) -> None:
    logger = logging.getLogger("rasa.core.processor")
    # Rasa formats its own messages before logging them, and other libraries pass arguments: both masked.
    logger.debug(f"Received user message '{TYPED}' with intent '{{'name': 'provide_contact'}}'")
    logger.debug("Logged UserUtterance - tracker now has %d events. Text: %s", 7, TYPED)
    written = debug_log.getvalue()
    assert written.count("Received user message") == 1 and "tracker now has 7 events" in written
    for value in ("0912 345 678", "an.nguyen@example.vn", "Nguyễn Văn An"):
        assert value not in written
    assert "[số điện thoại]" in written and "[họ tên]" in written


def test_a_record_without_personal_data_is_left_as_it_was(debug_log: io.StringIO) -> None:
    logging.getLogger("rasa.core.processor").debug("Predicted next action 'action_listen' with %.2f", 0.98)
    assert debug_log.getvalue() == "Predicted next action 'action_listen' with 0.98\n"
