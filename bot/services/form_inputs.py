"""Reading what citizens type into forms: owner digits, contacts, yes/no — forgiving about how they write."""

from __future__ import annotations

import re

from bot.text.redaction import EMAIL, PHONE
from bot.text.vietnamese import strip_diacritics

NO_CONTACT = "không"

_YES = {"co", "dong y", "ok", "oke", "okay", "u", "uh", "vang", "da", "duoc", "dong y a", "co a", "yes", "dc"}
_NO = {"khong", "ko", "k", "khong dong y", "thoi", "khong can", "no", "kg", "khong a", "chua"}


def owner_digits(text: str) -> str | None:
    """The last 4 digits of a phone number: "1234", "số cuối 1234", or a whole number typed in full."""
    groups = [re.sub(r"\D", "", group) for group in re.findall(r"\d(?:[\d\s.-]*\d)?", text or "")]
    # "4 số cuối là 5678": the count written before the digits is not part of them.
    fitting = [digits for digits in groups if len(digits) == 4 or 9 <= len(digits) <= 12]
    return fitting[-1][-4:] if fitting else None


def contact(text: str) -> str | None:
    """A phone number or e-mail in ``text`` (normalised), NO_CONTACT when declined, None when neither."""
    text = (text or "").strip()
    email = EMAIL.search(text)
    if email:
        return email.group(0).lower()
    phone = PHONE.search(text)
    if phone:
        digits = re.sub(r"\D", "", phone.group(0))
        return "0" + digits[2:] if digits.startswith("84") else digits
    if yes_or_no(text) is False:
        return NO_CONTACT
    return None


def yes_or_no(text: str) -> bool | None:
    """True / False for an everyday yes / no ("có", "đồng ý", "ko", "thôi"); None when unclear."""
    plain = re.sub(r"[^\w\s]", " ", strip_diacritics((text or "").lower()))
    plain = re.sub(r"\s+", " ", plain).strip()
    if plain in _NO or plain.startswith(("khong ", "ko ")):
        return False
    if plain in _YES or plain.startswith(("co ", "dong y", "vang", "duoc ")):
        return True
    return None


def feedback_content(text: str, minimum_words: int = 3) -> str | None:
    """The feedback text if it says something (at least a few words), else None."""
    cleaned = re.sub(r"\s+", " ", text or "").strip()
    return cleaned if len(cleaned.split()) >= minimum_words else None


_NEGATIVE_WORDS = {"khong", "chua", "ko", "k", "sai", "te", "kem", "chang"}


def is_negative_rating(text: str) -> bool:
    """True for a typed thumbs-down ("không hữu ích", "chưa đúng ý", "sai rồi", "👎")."""
    words = set(re.findall(r"\w+", strip_diacritics((text or "").lower())))
    return "👎" in (text or "") or bool(words & _NEGATIVE_WORDS)


# Words with which people ask to be put through to a person; a complaint about "cán bộ" has none of them.
_PERSON_CUES = re.compile(
    r"\b(gap|noi chuyen|ket noi|noi may|chuyen may|chuyen cho|chuyen sang|goi lai|goi cho|nguoi that"
    r"|tu van vien|tong dai|ho tro vien|admin|truc tiep|huong dan truc tiep)\b"
)


def asks_for_a_person(text: str) -> bool:
    """True when the text asks to reach a person ("cho tôi gặp cán bộ"), not when it complains about one."""
    return bool(_PERSON_CUES.search(strip_diacritics((text or "").lower())))
