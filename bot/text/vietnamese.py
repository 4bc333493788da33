"""Vietnamese text normalisation: Unicode form, tone-mark placement, case and diacritics.

Citizens type the same word in several ways: composed or decomposed Unicode, the tone mark
on either vowel of "oa"/"oe"/"uy" ("hoà" and "hòa"), with or without diacritics. Everything
that compares text goes through :func:`fold` (or :func:`strip_diacritics` for accent-blind
matching) so that these spellings meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining marks in NFD: five tones and three vowel modifiers.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_MODIFIERS = frozenset("\u0302\u0306\u031b")  # circumflex, breve, horn
_VOWELS = frozenset("aeiouy")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _place_tone(letters: list[tuple[str, str]], tone: str) -> int:
    """Index of the letter that carries the tone, by the traditional ("old style") rule.

    ``letters`` holds (base letter lower-cased, modifiers) pairs of one syllable.
    """
    bases = [base for base, _ in letters]
    start = 0
    # "qu" and "gi" + vowel begin with a consonant cluster whose u/i is no vowel.
    if len(bases) >= 2 and bases[0] == "q" and bases[1] == "u":
        start = 2
    elif len(bases) >= 3 and bases[0] == "g" and bases[1] == "i" and bases[2] in _VOWELS:
        start = 2
    vowel_idx = [i for i in range(start, len(bases)) if bases[i] in _VOWELS]
    if not vowel_idx:
        vowel_idx = [i for i, b in enumerate(bases) if b in _VOWELS]
        if not vowel_idx:
            return -1
    # Only the first contiguous vowel run is the nucleus.
    run = [vowel_idx[0]]
    for i in vowel_idx[1:]:
        if i == run[-1] + 1:
            run.append(i)
        else:
            break
    with_modifier = [i for i in run if letters[i][1]]
    if with_modifier:
        return with_modifier[-1]  # "ươ" → ơ; "uê" → ê
    if len(run) == 1:
        return run[0]
    closed = run[-1] < len(bases) - 1
    if closed:
        return run[-1]  # hoàng, thuyền, toán
    if len(run) == 3:
        return run[1]  # ngoài, khuya
    return run[0]  # hòa, thúy, khỏe, mùa


@lru_cache(maxsize=131072)  # the vocabulary is small; this is the hot path of indexing
def normalize_syllable(word: str) -> str:
    """Put the tone mark of one syllable where the traditional rule puts it."""
    decomposed = unicodedata.normalize("NFD", word)
    tone = ""
    letters: list[tuple[str, str]] = []  # (base, modifiers) with original case
    for ch in decomposed:
        if ch in TONE_MARKS:
            tone = ch
        elif unicodedata.combining(ch):
            if letters:
                base, mods = letters[-1]
                letters[-1] = (base, mods + ch)
        else:
            letters.append((ch, ""))
    if not tone or len(letters) > 8:
        return unicodedata.normalize("NFC", word)
    lowered = [(base.lower(), mods) for base, mods in letters]
    target = _place_tone(lowered, tone)
    if target < 0:
        return unicodedata.normalize("NFC", word)
    parts = [base + mods + (tone if i == target else "") for i, (base, mods) in enumerate(letters)]
    return unicodedata.normalize("NFC", "".join(parts))


def normalize_tone_marks(text: str) -> str:
    """Apply :func:`normalize_syllable` to every word of a text."""
    return _WORD.sub(lambda m: normalize_syllable(m.group(0)), unicodedata.normalize("NFC", text))


def fold(text: str) -> str:
    """NFC, one tone-mark convention, lower case, single spaces: the canonical form for matching."""
    return " ".join(normalize_tone_marks(text).lower().split())


def _build_strip_table() -> dict[int, int | None]:
    table: dict[int, int | None] = {ord("đ"): ord("d"), ord("Đ"): ord("D")}
    for code in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii():
            table[code] = ord(base)
    for code in range(0x0300, 0x0370):  # stray combining marks
        table[code] = None
    return table


_STRIP_TABLE = _build_strip_table()


def strip_diacritics(text: str) -> str:
    """Remove every tone and vowel mark and turn đ into d ("Hòa Bình" → "Hoa Binh")."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text).translate(_STRIP_TABLE)


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese mark (so it was not typed accent-free)."""
    return strip_diacritics(text) != unicodedata.normalize("NFC", text)
