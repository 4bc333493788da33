"""Word segmentation of Vietnamese text with offsets into the original string.

Vietnamese writes one syllable per space-separated chunk; words ("đăng ký", "khai sinh") span
several. underthesea groups syllables into words; we keep, for each word, where it stands in the
text the citizen typed, its canonical form (folded, abbreviations expanded, syllables joined
with "_") and its accent-free form (for matching text typed without diacritics).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.text.abbreviations import AbbreviationTable
from bot.text.vietnamese import fold, strip_diacritics

# A token: letters/digits possibly joined by code-like punctuation ("000.00.04.H51-200221-0001",
# "a@b.vn", "0912.345.678"), so identifiers stay whole for entity extraction.
_TOKEN = re.compile(r"\w+(?:[.\-/:@+]\w+)*", re.UNICODE)
_SYLLABLE = re.compile(r"[^\W\d_]+", re.UNICODE)

Segmenter = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Word:
    """One word of a text: its span in the original, canonical and accent-free forms."""

    start: int
    end: int
    original: str
    canonical: str  # folded, abbreviation expanded, syllables joined by "_"
    plain: str  # canonical without diacritics, syllables joined by " "


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    original: str
    folded: str
    is_syllable: bool
    expansion: str | None


def underthesea_segmenter() -> Segmenter:
    """Underthesea's CRF word segmentation, imported on first use (it takes a while)."""
    from underthesea import word_tokenize

    def _segment(text: str) -> Sequence[str]:
        return word_tokenize(text)

    return _segment


def _group(syllables: list[str], segmenter: Segmenter | None) -> list[int]:
    """How many syllables each word of the run has (falls back to one per word)."""
    if segmenter is None or len(syllables) < 2:
        return [1] * len(syllables)
    try:
        words = segmenter(" ".join(syllables))
    except Exception:  # noqa: BLE001 - a segmenter failure must never lose the message
        return [1] * len(syllables)
    sizes = [len(word.split()) for word in words]
    rebuilt = [s for word in words for s in word.split()]
    if rebuilt != syllables:
        return [1] * len(syllables)
    return sizes


def _make_word(pieces: Sequence[_Piece], text: str) -> Word:
    start, end = pieces[0].start, pieces[-1].end
    if len(pieces) == 1 and pieces[0].expansion:
        canonical_syllables = pieces[0].expansion.split()
    else:
        canonical_syllables = [p.folded for p in pieces]
    return Word(
        start=start,
        end=end,
        original=text[start:end],
        canonical="_".join(canonical_syllables),
        plain=strip_diacritics(" ".join(canonical_syllables)),
    )


def segment(
    text: str,
    abbreviations: AbbreviationTable | None = None,
    segmenter: Segmenter | None = None,
) -> list[Word]:
    """Split ``text`` into words with offsets into ``text`` itself."""
    pieces: list[_Piece] = []
    for match in _TOKEN.finditer(text):
        raw = match.group(0)
        folded = fold(raw)
        expansion = abbreviations.lookup(raw) if abbreviations else None
        pieces.append(
            _Piece(
                start=match.start(),
                end=match.end(),
                original=raw,
                folded=folded,
                is_syllable=bool(_SYLLABLE.fullmatch(raw)) and expansion is None,
                expansion=expansion,
            )
        )
    words: list[Word] = []
    run: list[_Piece] = []

    def flush() -> None:
        position = 0
        for size in _group([p.folded for p in run], segmenter):
            words.append(_make_word(run[position : position + size], text))
            position += size
        run.clear()

    for piece in pieces:
        joined = not run or text[run[-1].end : piece.start].isspace()
        if piece.is_syllable and joined:
            run.append(piece)
            continue
        flush()
        if piece.is_syllable:
            run.append(piece)
        else:
            words.append(_make_word([piece], text))
    flush()
    return words
