"""Masking citizens' personal data (CCCD/CMND numbers, phone numbers, e-mails) in text kept or logged."""

from __future__ import annotations

import logging
import re

# EMAIL and PHONE are also how forms read a contact (bot.services.form_inputs).
# Order matters: an e-mail may hold digits, a 12-digit CCCD must not be read as a phone number.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CCCD = re.compile(r"(?<![\w.-])\d{12}(?![\w-])")
PHONE = re.compile(r"(?<![\w.-])(?:\+?84|0)[\s.-]?[235789](?:[\s.-]?\d){8}(?![\w-])")
_CMND = re.compile(r"(?<![\w.-])\d{9}(?![\w-])")

EMAIL_MARK = "[email]"
CCCD_MARK = "[số định danh]"
PHONE_MARK = "[số điện thoại]"


def redact(text: str) -> str:
    """``text`` with e-mails, 12-digit CCCD / 9-digit CMND numbers and Vietnamese phone numbers masked."""
    text = EMAIL.sub(EMAIL_MARK, text)
    text = _CCCD.sub(CCCD_MARK, text)
    text = PHONE.sub(PHONE_MARK, text)
    return _CMND.sub(CCCD_MARK, text)


def contains_personal_data(text: str) -> bool:
    """True when :func:`redact` would change ``text``."""
    return redact(text) != text


class RedactingFilter(logging.Filter):
    """A logging filter that masks personal data in every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message by its redacted rendering; never drops a record."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction() -> None:
    """Attach :class:`RedactingFilter` to every handler of the root logger."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
