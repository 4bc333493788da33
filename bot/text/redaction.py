"""Masking citizens' personal data in text that is kept or logged.

Two layers: regular expressions for what has a fixed shape (e-mails, CCCD/CMND and phone
numbers, vehicle plates, long account numbers) and spaCy ``Matcher`` rules for what needs
context (names, addresses, dates of birth, numbers after "stk" / "cccd"), in
:mod:`bot.text.personal_data`. Each kind is replaced by a mark in plain Vietnamese ("[họ tên]");
marks are never matched again, so redacting twice changes nothing.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Any

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


def find_personal_data(text: str, in_context: bool = True) -> list[PersonalSpan]:
    """Non-overlapping personal data in ``text``, in order; overlapping findings are merged.

    ``in_context=False`` looks only for what has a fixed shape (the regular expressions), not for names,
    addresses and other data that need the spaCy rules.
    """
    if not text:
        return []
    candidates: list[Candidate] = [
        (m.start(), m.end(), kind, priority)
        for pattern, kind, priority in _REGEXES
        for m in pattern.finditer(text)
        if kind != "bank_account" or not _is_dossier_number(text, m.start())
    ]
    if in_context:
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


def redact(text: str, in_context: bool = True) -> str:
    """``text`` with every piece of personal data replaced by its mark ("[họ tên]", "[địa chỉ]", ...).

    ``in_context=False``: only the data that has a fixed shape (see :func:`find_personal_data`).
    """
    pieces: list[str] = []
    position = 0
    for span in find_personal_data(text, in_context):
        pieces += [text[position : span.start], MARKS[span.kind]]
        position = span.end
    return "".join(pieces) + text[position:]


def contains_personal_data(text: str) -> bool:
    """True when :func:`redact` would change ``text``."""
    return bool(find_personal_data(text))


def redact_value(value: Any) -> Any:
    """``value`` with every string inside it redacted (lists and mappings are walked)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    return value


@functools.lru_cache(maxsize=512)
def _redact_assistant_text(text: str) -> str:
    # The assistant's own texts are composed from the catalogue, the province's settings and dossier
    # statuses: none carries a citizen's name or address, while the catalogue's agency names and addresses
    # would be masked by the context rules (and a 1,000-character answer costs them ~15 ms). The fixed
    # shapes (phone, CCCD, e-mail, accounts, plates) are still masked, against any echo of an input.
    # Cached: the assistant says the same long answers again and again.
    return redact(text, in_context=False)


@functools.lru_cache(maxsize=512)
def _redact_staff_text(text: str) -> str:
    # A civil servant writes freely, and may name the citizen or repeat their address.
    return redact(text)


def redact_event(data: dict[str, Any], keep_slot_values: bool = False) -> dict[str, Any]:
    """The stored form of one of Rasa's serialised events: citizens' personal data masked.

    Here rather than in the tracker store, which needs Rasa, so that ``bot.pii_eval`` can time a turn's
    redaction exactly as the Rasa server does it.
    """
    kind = data.get("event")
    if kind == "user":
        data = dict(data)
        text = data.get("text")
        redacted_text = redact(text) if isinstance(text, str) else None
        if redacted_text is not None:
            data["text"] = redacted_text
        parse_data = data.get("parse_data")
        if isinstance(parse_data, dict):
            parse_data = dict(parse_data)
            parsed = parse_data.get("text")
            if isinstance(parsed, str):
                # The NLU's copy of the message is nearly always the message itself: redacted once per turn.
                parse_data["text"] = redacted_text if parsed == text else redact(parsed)
            parse_data["entities"] = [
                {**entity, "value": redact_value(entity.get("value"))}
                for entity in parse_data.get("entities") or []
                if isinstance(entity, dict)
            ]
            data["parse_data"] = parse_data
        if data.get("metadata"):
            data["metadata"] = redact_value(data["metadata"])
        return data
    if kind == "bot" and isinstance(data.get("text"), str):
        from_staff = isinstance(data.get("metadata"), dict) and data["metadata"].get("from_staff")
        redact_bot_text = _redact_staff_text if from_staff else _redact_assistant_text
        return {**data, "text": redact_bot_text(data["text"])}
    if kind == "slot" and not keep_slot_values:
        return {**data, "value": redact_value(data.get("value"))}
    return data


# A token in a URL's query (Rasa's API takes its token as ?token=…): client libraries log the URLs they call.
_URL_TOKEN = re.compile(r"([?&](?:token|access_token)=)[^&\s\"'#]+")


def redact_log_message(message: str) -> str:
    """A log line as it may be kept: personal data masked, and tokens in URLs replaced by "[ẩn]"."""
    return redact(_URL_TOKEN.sub(r"\1[ẩn]", message))


class RedactingFilter(logging.Filter):
    """A logging filter that masks personal data (and URL tokens) in every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message by its redacted rendering; never drops a record."""
        message = record.getMessage()
        cleaned = redact_log_message(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction() -> None:
    """Attach :class:`RedactingFilter` to every handler of the root logger."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
