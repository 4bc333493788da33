"""Masking citizens' personal data in text that is kept or logged.

Two layers: regular expressions for what has a fixed shape (e-mails, CCCD/CMND and phone
numbers, vehicle plates, long account numbers) and spaCy ``Matcher`` rules for what needs
context (names, addresses, dates of birth, numbers after "stk" / "cccd"), in
:mod:`bot.text.personal_data`. Each kind is replaced by a mark in plain Vietnamese ("[họ tên]");
marks are never matched again, so redacting twice changes nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.text.personal_data import TRIGGERED, Candidate, find_candidates
from bot.text.personal_data_lexicon import MARKS
from bot.text.vietnamese import strip_diacritics

# EMAIL and PHONE are also how forms read a contact (bot.services.form_inputs).
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w.-])(?:\+?84|0)[\s.-]?[235789](?:[\s.-]?\d){8}(?![\w-])")
# "sđt0912345678", "(+84) 912 345 678": shapes the PHONE of the forms does not take.
_PHONE_GLUED = re.compile(
    r"(?<=[^\W\d_])(?:\+?84|0)[235789]\d{8}(?!\d)|\(\+?84\)\s?[235789](?:[\s.-]?\d){8}(?!\d)"
)
_LANDLINE = re.compile(r"(?<![\w.-])02\d{2}[\s.-]?\d{3,4}[\s.-]?\d{3,4}(?![\w-])")
_CCCD = re.compile(r"(?<![\w.-])(?:\d{12}|\d{9})(?![\w-])")
# A CCCD grouped 3-3-3-3 ("017 192 007 890", "017-180-002-468") is one anywhere: it starts with
# its province code (0..); other groupings and the 9-digit CMND need a trigger (personal_data).
_CCCD_GROUPED = re.compile(r"(?<![\w.-])0\d{2}([ .-])\d{3}\1\d{3}\1\d{3}(?![\w-]|[.-]\d)")
# Two-digit province code, series (letters, maybe a digit), 4-5 digits: 29A-123.45, 30E12345, 29B1-123.45.
# Dossier codes ("000.00.04.H51-200221-0001") start after a dot or a letter and are left alone.
_PLATE = re.compile(
    r"(?<![\w.-])\d{2}\s?-?\s?[A-Za-z]{1,2}\d?(?:\s?-\s?|\s|\.)?\d{3}\.?\d{1,2}(?![\w-]|\.\d)"
)
_LONG_NUMBER = re.compile(r"(?<![\w.-])\d{10,19}(?![\w-])")  # a bank account when not a phone or a CCCD
# ... unless it follows these (folded): then it is a dossier or receipt number.
_DOSSIER_BEFORE = re.compile(
    r"(?:\b(?:ma|so)\s+(?:ho\s+so|hs|bien\s+nhan|giao\s+dich|van\s+ban|tra\s+cuu)|\bma(?:\s+so)?)"
    r"\s*(?:la|:)?\s*$"
)

# Regex kinds by priority: when spans overlap, the higher wins ("stk 0912345678" is an account).
_REGEXES: list[tuple[re.Pattern[str], str, int]] = [
    (EMAIL, "email", 5),
    (_CCCD, "cccd", 4),
    (_CCCD_GROUPED, "cccd", 4),
    (PHONE, "phone", 4),
    (_PHONE_GLUED, "phone", 4),
    (_LANDLINE, "phone", 3),
    (_PLATE, "plate", 3),
    (_LONG_NUMBER, "bank_account", 2),
]
assert max(priority for _, _, priority in _REGEXES) < TRIGGERED

EMAIL_MARK = MARKS["email"]
CCCD_MARK = MARKS["cccd"]
PHONE_MARK = MARKS["phone"]
KINDS = tuple(MARKS)


@dataclass(frozen=True)
class PersonalSpan:
    """A piece of personal data: character offsets into the text and its kind (a key of MARKS)."""

    start: int
    end: int
    kind: str


def _is_dossier_number(text: str, start: int) -> bool:
    """True when the number at ``start`` follows "mã hồ sơ", "số biên nhận", ..."""
    return bool(_DOSSIER_BEFORE.search(strip_diacritics(text[max(0, start - 30) : start].lower())))


def find_personal_data(text: str) -> list[PersonalSpan]:
    """Non-overlapping personal data in ``text``, in order; overlapping findings are merged."""
    if not text:
        return []
    candidates: list[Candidate] = [
        (m.start(), m.end(), kind, priority)
        for pattern, kind, priority in _REGEXES
        for m in pattern.finditer(text)
        if kind != "bank_account" or not _is_dossier_number(text, m.start())
    ]
    candidates += find_candidates(text)
    candidates.sort(key=lambda c: (c[0], -c[1]))
    spans: list[PersonalSpan] = []
    best: Candidate | None = None
    for candidate in candidates:
        if spans and candidate[0] < spans[-1].end:
            # Overlap: one mark covers both; its kind is that of the strongest finding.
            assert best is not None
            if (candidate[3], candidate[1] - candidate[0]) > (best[3], best[1] - best[0]):
                best = candidate
            last = spans[-1]
            spans[-1] = PersonalSpan(last.start, max(last.end, candidate[1]), best[2])
        else:
            best = candidate
            spans.append(PersonalSpan(candidate[0], candidate[1], candidate[2]))
    return spans


def redact(text: str) -> str:
    """``text`` with every piece of personal data replaced by its mark ("[họ tên]", "[địa chỉ]", ...)."""
    pieces: list[str] = []
    position = 0
    for span in find_personal_data(text):
        pieces += [text[position : span.start], MARKS[span.kind]]
        position = span.end
    return "".join(pieces) + text[position:]


def contains_personal_data(text: str) -> bool:
    """True when :func:`redact` would change ``text``."""
    return bool(find_personal_data(text))


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
