"""Acronyms a citizen types for a phrase of the catalogue ("DVMTR" → "dịch vụ môi trường rừng").

Learned from the procedure names, not listed: every run of 3–6 syllables of a name yields its initials;
an acronym the question contains is written out as the run most names share, when most of them agree.
The written-out phrase joins the question's alias expansions, so BM25 and the dense vectors both see it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from bot.knowledge.analysis import AnalyzedQuery, looks_like_acronym, syllables
from bot.text.abbreviations import default_table
from bot.text.vietnamese import fold, strip_diacritics

# Shortest and longest phrase an acronym is learned for: two letters are too ambiguous, seven too rare.
MIN_LETTERS = 3
MAX_LETTERS = 6
# An acronym is written out only when one phrase accounts for at least this share of the names' runs
# with those initials (otherwise it is ambiguous and searching for one reading would mislead).
MIN_AGREEMENT = 0.5
# A token typed in capitals ("ABTC", "ATTP") is an acronym even with vowels in it.
_CAPITALS = re.compile(r"\b[A-ZĐ]{3,7}\b")


class CatalogueAcronyms:
    """Initials → the catalogue phrase they stand for."""

    def __init__(self, names: list[str]) -> None:
        """Count the runs of syllables of every name by their initials."""
        runs: dict[str, Counter[str]] = defaultdict(Counter)
        # A token the names use as a word ("ABTC", "AMO", "con") is that word, not initials to write out.
        self.words: set[str] = set()
        for name in names:
            words = syllables(name)
            self.words.update(strip_diacritics(w) for w in words)
            for size in range(MIN_LETTERS, MAX_LETTERS + 1):
                for start in range(len(words) - size + 1):
                    run = words[start : start + size]
                    initials = "".join(strip_diacritics(w)[:1] for w in run)
                    runs[initials][" ".join(run)] += 1
        self.phrases: dict[str, str] = {}
        for initials, counter in runs.items():
            phrase, count = counter.most_common(1)[0]
            if count / sum(counter.values()) >= MIN_AGREEMENT:
                self.phrases[initials] = phrase

    def expansions(self, raw_text: str, query: AnalyzedQuery) -> tuple[str, ...]:
        """Catalogue phrases for the question's acronyms that no abbreviation or alias already wrote out."""
        candidates = {strip_diacritics(s) for s in query.syllables if looks_like_acronym(s)}
        candidates |= {strip_diacritics(fold(t)) for t in _CAPITALS.findall(raw_text)}
        table = default_table()
        found = []
        for acronym in sorted(candidates):
            phrase = self.phrases.get(acronym)
            if acronym in self.words or table.lookup(acronym) is not None:
                continue
            if phrase and phrase not in query.expansions:
                found.append(phrase)
        return tuple(found)
