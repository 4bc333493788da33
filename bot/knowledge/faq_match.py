"""Which curated FAQ entry answers a question: close to one of its questions, covering the citizen's words."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from bot.knowledge.analysis import AnalyzedQuery, analyze_query, document_terms, syllables, weighted_terms
from bot.knowledge.bm25 import BM25Field
from bot.knowledge.model import FaqEntry
from bot.text.vietnamese import strip_diacritics

# Close enough to an entry: at least this share of what its own best question scores against it.
MIN_SELF_SCORE_RATIO = 0.75
# An entry answers a question only if its questions contain most of what the citizen said (idf-weighted):
# "sửa ngày sinh trong giấy khai sinh" shares "giấy khai sinh" with the fee FAQ but is not about fees.
MIN_COVERAGE = 0.7


class FaqMatcher:
    """BM25 over the FAQ entries' questions plus a coverage check; built with the engine, cheap to rebuild."""

    def __init__(self, faq: list[FaqEntry], idf: BM25Field) -> None:
        """Index the entries; ``idf`` (the procedure names' index) weighs the words of a question."""
        self.faq = faq
        self._idf = idf
        docs = [document_terms(" ; ".join(e.questions)) for e in faq]
        self._bm25 = BM25Field([[strip_diacritics(t) for t in d] for d in docs]) if faq else None
        self._words = [{strip_diacritics(s) for q in e.questions for s in syllables(q)} for e in faq]
        self._self_scores = [
            max(float(self._scores(analyze_query(q))[i]) for q in e.questions) for i, e in enumerate(faq)
        ]

    def _scores(self, query: AnalyzedQuery) -> np.ndarray:
        assert self._bm25 is not None
        return self._bm25.scores(weighted_terms(query, plain=True))

    def match(self, query: AnalyzedQuery) -> tuple[FaqEntry | None, tuple[str, ...]]:
        """The entry that answers the question, with its linked procedure codes; (None, ()) when none does."""
        if self._bm25 is None:
            return None, ()
        # The citizen's own words decide: an alias expansion says which procedure, not which question.
        own_words = replace(query, expansions=())
        scores = self._scores(own_words)
        best = int(np.argmax(scores))
        own = self._self_scores[best]
        if scores[best] <= 0 or own <= 0 or scores[best] / own < MIN_SELF_SCORE_RATIO:
            return None, ()
        if self.coverage(own_words, best) < MIN_COVERAGE:
            return None, ()
        entry = self.faq[best]
        return entry, entry.procedure_codes

    def coverage(self, query: AnalyzedQuery, entry_index: int) -> float:
        """Idf-weighted share of the question's words that the entry's questions contain."""
        words = self._words[entry_index]
        total = got = 0.0
        for syllable, weight in zip(query.syllables, query.weights):
            if weight <= 0:
                continue
            plain = strip_diacritics(syllable)
            value = weight * self._idf.idf_weight(plain)
            total += value
            got += value if plain in words else 0.0
        return got / total if total > 0 else 0.0
