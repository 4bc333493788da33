"""Fees in Vietnamese style: "160.000 đồng", "Miễn phí", the kind (lệ phí / phí / giá dịch vụ), the rule.

The portal's records type each fee and give its value; a value of 0 with no description is shown by the
portal as "Miễn phí", while a value of 0 with a description means the amount is set elsewhere (by the
provincial council, per page, per item…): then the description is the answer, never "free".
A value below 1.000 is not an amount in đồng: the records put US dollars there for visas and residence
cards ("10 USD/lần") and thousands of đồng for some customs and bar procedures ("20.000 vnđ /tờ khai" with
value 20). Such a value is said as the record gives it, with its description, never as "20 đồng".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.knowledge.model import Fee

FEE_KINDS = {"FEE": "Lệ phí", "SERVICE_FEE": "Phí", "PRICE_LEVEL": "Giá dịch vụ"}
# A description is cut at a sentence or word end past this length (the answer links to the full page).
MAX_DESCRIPTION_CHARS = 220
# How far into a description an amount may stand to count as the one a small value means.
STATED_WITHIN = 60
# The smallest value read as đồng (see the module docstring for what smaller values are).
MIN_DONG_VALUE = 1000
# Thousands written the English way ("160,000"): shown the Vietnamese way ("160.000").
_ENGLISH_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,]|\.\d)")
# "320.000đ", "20.000 vnđ", "150.000VNĐ", "50.000 đồng": one way, "… đồng".
_CURRENCY = re.compile(r"(\d[\d.]*)\s*(?:đồng|vnđ|đ)(?!\w)", re.IGNORECASE)
# "160.000/hộ chiếu": an amount with thousands and a per-item unit but no currency word.
_BARE_AMOUNT_PER = re.compile(r"(?<![\d./])(\d{1,3}(?:\.\d{3})+)(?=\s*/\s*[^\d\s])")
# What makes a description worth showing beside a value: another amount, or a case it depends on.
_MORE_THAN_VALUE = re.compile(
    r"\d[\d.,]*\s*(?:đ\b|đồng|vnđ|usd|%)|trường hợp|đối với|mỗi|/\s*(?:lần|trang|bản)", re.IGNORECASE
)
_FREE_WORDS = re.compile(r"\bmiễn\b|\bkhông thu\b", re.IGNORECASE)
# Descriptions that only say "nothing to pay".
# "Đồng" alone is the portal's "0 Đồng" without its number.
_NOTHING = re.compile(
    r"(?:không|không có|không thu|miễn phí|miễn|0|(?:0\s*)?(?:đồng|vnđ|đ))\.?", re.IGNORECASE
)
# A description that names its own kind ("Lệ phí cấp giấy chứng nhận: …", "Mức lệ phí cụ thể do …").
_OWN_LABEL = re.compile(r"^(?:lệ phí|phí|mức (?:thu|phí|lệ phí)|giá)\b", re.IGNORECASE)
# An amount with its currency, in đồng or abroad ("10 USD/lần", "20.000 đồng /tờ khai").
_AMOUNT = re.compile(r"(\d[\d.,]*)\s*(?:đồng|usd|\$|euro|eur)(?!\w)", re.IGNORECASE)


def format_vnd(value: int) -> str:
    """160000 → "160.000 đồng"."""
    return f"{value:,}".replace(",", ".") + " đồng"


def vietnamese_numbers(text: str) -> str:
    """Rewrite English-style thousands ("160,000") in a text the Vietnamese way ("160.000")."""
    return _ENGLISH_THOUSANDS.sub(lambda m: m.group(0).replace(",", "."), text)


def vietnamese_amounts(text: str) -> str:
    """Amounts said one way: "160,000" → "160.000", "320.000đ" / "20.000 vnđ" → "… đồng"."""
    text = _CURRENCY.sub(lambda m: f"{m.group(1).rstrip('.')} đồng", vietnamese_numbers(text))
    text = re.sub(r"(\d)(USD)\b", r"\1 \2", _BARE_AMOUNT_PER.sub(r"\1 đồng", text))
    return re.sub(r"đồng\s*/\s*", "đồng/", text)


def short_description(text: str, limit: int = MAX_DESCRIPTION_CHARS) -> str:
    """The description on one line, without list marks, cut at a word end when long."""
    text = vietnamese_amounts(" ".join(text.split())).lstrip("+-•* ").strip()
    if text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip()  # a bracket the record closes without opening ("… 1 lần)")
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    sentence = max(cut.rfind(". "), cut.rfind("; "))
    return (cut[: sentence + 1] if sentence > limit // 2 else cut.rsplit(" ", 1)[0]) + " …"


def kind_label(kind: str) -> str:
    """FEE → "Lệ phí" (the portal's types; an unknown type reads as "Phí")."""
    return FEE_KINDS.get(kind, "Phí")


def in_dong(fee: Fee) -> bool:
    """Whether the fee's value is an amount in đồng (see the module docstring)."""
    return fee.value >= MIN_DONG_VALUE


def is_free(fee: Fee) -> bool:
    """No value and nothing more than "free" said about it."""
    description = fee.description.strip(" .+-*")
    return fee.value == 0 and (not description or bool(_NOTHING.fullmatch(description)))


def _odd_value(fee: Fee, label: str, description: str) -> str:
    """A value below 1.000: the description when it states that amount ("10 USD/lần"), else the number."""
    if states_its_currency(fee):
        return f"{label}: {description}"
    said = f"{label}: mức {fee.value} (Cổng không ghi đơn vị tiền)"
    return f"{said} — {description}" if description else said


def describe_fee(fee: Fee, limit: int = MAX_DESCRIPTION_CHARS) -> str:
    """One fee as a citizen reads it: "Lệ phí 160.000 đồng (…)", "Miễn phí", or the rule the record gives."""
    label = kind_label(fee.kind)
    description = short_description(fee.description, limit).rstrip(" .") if fee.description else ""
    if fee.value > 0 and not in_dong(fee):
        return _odd_value(fee, label, description)
    if fee.value > 0:
        amount = format_vnd(fee.value)
        # "200.000 đồng/hồ sơ" says only the amount and what it is per: one phrase.
        per = re.fullmatch(rf"{re.escape(amount)}\s*(/\s*[^\d.;:()]{{1,30}})", description)
        if per:
            return f"{label} {amount}{per.group(1).strip()}"
        if description and _MORE_THAN_VALUE.search(description):
            return f"{label} {amount} — {description}"
        return f"{label} {amount}"
    if is_free(fee):
        return "Miễn phí"
    if _FREE_WORDS.search(description) and not _MORE_THAN_VALUE.search(description):
        return description if _FREE_WORDS.match(description) else f"Miễn phí — {description}"
    return description if has_own_label(description) else f"{label}: {description}"


def has_own_label(text: str) -> bool:
    """The text names its kind itself ("Lệ phí cấp giấy chứng nhận: …", "Phí thẩm định …")."""
    return bool(_OWN_LABEL.match(text.lstrip("+-•* ")))


def fee_item(fee: Fee, limit: int) -> str:
    """One fee of a list under one method ("2.000.000 đồng: X-quang chụp răng", "mức 25: Thị thực 1 lần").

    The list's heading says the kind, and a value below 1.000 is said as a bare "mức"; the caller says
    once that the record gives no currency for it.
    """
    description = short_description(fee.description, limit).rstrip(" .:;") if fee.description else ""
    if fee.value > 0:
        amount = format_vnd(fee.value) if in_dong(fee) else f"mức {fee.value}"
        return f"{amount}: {description}" if description else amount
    return description or "Miễn phí"


def states_its_currency(fee: Fee) -> bool:
    """A value below 1.000 whose description opens with it and its currency ("10 USD/lần", "20.000 đồng").

    Only the description's opening counts: an amount deep in a long rule would be cut from the answer.
    """
    if in_dong(fee) or fee.value <= 0:
        return False
    opening = vietnamese_amounts(fee.description)[:STATED_WITHIN]
    return str(fee.value) in {re.split(r"[.,]", m.group(1))[0] for m in _AMOUNT.finditer(opening)}


def describe_fees(fees: Iterable[Fee]) -> str:
    """All fees of one submission method on one line ("" when the record lists none)."""
    shown = list(dict.fromkeys(describe_fee(fee) for fee in fees))
    if len(shown) > 1 and "Miễn phí" in shown:
        shown.remove("Miễn phí")  # a free part beside a priced one says nothing
    return "; ".join(shown)


def _words(text: str) -> str:
    """The words of a text, numbers without leading zeros ("03 tháng" is "3 tháng")."""
    return " ".join(w.lstrip("0") or "0" for w in re.findall(r"\w+", text.lower()))


def same_fees(first: Sequence[Fee], second: Sequence[Fee]) -> bool:
    """The same amounts for the same cases, whatever the punctuation (methods that may share a line).

    The portal retypes the list for each method, so one copy may lose a bracket or carry the list's
    heading ("Phí thẩm định: + Sử dụng thiết bị …"): a description that ends like the other one matches.
    """
    if len(first) != len(second):
        return False
    for a, b in zip(first, second, strict=True):
        if (a.kind, a.value) != (b.kind, b.value):
            return False
        x, y = _words(a.description), _words(b.description)
        if not (x.endswith(y) or y.endswith(x)):
            return False
    return True
