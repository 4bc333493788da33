"""Restore diacritics of text typed without them, with a syllable bigram model of the catalogue's own text.

"dang ky khai sinh" → "đăng ký khai sinh": every plain syllable has a few accented candidates seen in
the catalogue; Viterbi picks the sequence with the best bigram probability (add-k smoothed, backing off
to unigrams). Unknown syllables stay as typed.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from bot.text.vietnamese import strip_diacritics

_MAX_CANDIDATES = 6


class DiacriticRestorer:
    """A syllable bigram model that puts back tone and vowel marks."""

    def __init__(self, unigrams: dict[str, int], bigrams: dict[tuple[str, str], int]) -> None:
        """Build from syllable and syllable-pair counts (accented, lower case)."""
        self.unigrams = unigrams
        self.bigrams = bigrams
        self.total = sum(unigrams.values()) or 1
        by_plain: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for syllable, count in unigrams.items():
            by_plain[strip_diacritics(syllable)].append((count, syllable))
        self.candidates = {
            plain: [s for _, s in sorted(options, reverse=True)[:_MAX_CANDIDATES]]
            for plain, options in by_plain.items()
        }
        self.vocabulary = len(unigrams) or 1

    @classmethod
    def train(cls, sentences: Iterable[list[str]]) -> DiacriticRestorer:
        """Count syllables and syllable pairs of tokenised, folded sentences."""
        unigrams: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        for tokens in sentences:
            unigrams.update(tokens)
            bigrams.update(zip(tokens, tokens[1:]))
        # Pairs seen once are mostly noise and double the model's size.
        return cls(dict(unigrams), {pair: n for pair, n in bigrams.items() if n > 1})

    def _log_unigram(self, syllable: str) -> float:
        return math.log((self.unigrams.get(syllable, 0) + 0.1) / (self.total + 0.1 * self.vocabulary))

    def _log_bigram(self, previous: str, syllable: str) -> float:
        pair = self.bigrams.get((previous, syllable), 0)
        base = self.unigrams.get(previous, 0)
        backoff = 0.4 * math.exp(self._log_unigram(syllable))
        return math.log((pair + backoff * 5) / (base + 5))

    def restore_tokens(self, tokens: list[str]) -> list[str]:
        """Restore a list of folded syllables; already accented syllables are kept."""
        if not tokens:
            return []
        lattice = [[t] if strip_diacritics(t) != t else (self.candidates.get(t) or [t]) for t in tokens]
        scores = {c: self._log_unigram(c) for c in lattice[0]}
        back: list[dict[str, str]] = []
        for column in lattice[1:]:
            new_scores: dict[str, float] = {}
            pointers: dict[str, str] = {}
            for candidate in column:
                best_prev, best = max(
                    ((p, s + self._log_bigram(p, candidate)) for p, s in scores.items()), key=lambda x: x[1]
                )
                new_scores[candidate], pointers[candidate] = best, best_prev
            scores = new_scores
            back.append(pointers)
        last = max(scores, key=lambda c: scores[c])
        path = [last]
        for pointers in reversed(back):
            path.append(pointers[path[-1]])
        return list(reversed(path))

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"unigrams": self.unigrams, "bigrams": [[a, b, n] for (a, b), n in self.bigrams.items()]}

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> DiacriticRestorer:
        """Rebuild from :meth:`to_dict`'s output."""
        unigrams = dict(raw["unigrams"])  # type: ignore[call-overload]
        bigrams = {(a, b): int(n) for a, b, n in raw["bigrams"]}  # type: ignore[attr-defined]
        return cls(unigrams, bigrams)
