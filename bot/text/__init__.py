"""Vietnamese text layer shared by the Rasa server and the services (pure Python + PyYAML)."""

from bot.text.abbreviations import AbbreviationTable, expand_abbreviations, load_table
from bot.text.vietnamese import (
    fold,
    has_diacritics,
    normalize_syllable,
    normalize_tone_marks,
    strip_diacritics,
)

__all__ = [
    "AbbreviationTable",
    "expand_abbreviations",
    "fold",
    "has_diacritics",
    "load_table",
    "normalize_syllable",
    "normalize_tone_marks",
    "strip_diacritics",
]
