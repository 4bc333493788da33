"""Which curated FAQ entry answers a question: close to one of its questions, covering the citizen's words."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from bot.knowledge.analysis import AnalyzedQuery, analyze_query, document_terms, syllables, weighted_terms
from bot.knowledge.bm25 import BM25Field
from bot.knowledge.model import FaqEntry
from bot.text.vietnamese import strip_diacritics

# Close enough to an entry: at least this share of what the closest of its questions scores against itself.
MIN_SELF_SCORE_RATIO = 0.75
# An entry answers a question only if its questions contain most of what the citizen said (idf-weighted):
# "sửa ngày sinh trong giấy khai sinh" shares "giấy khai sinh" with the fee FAQ but is not about fees.
MIN_COVERAGE = 0.7
# ... and the citizen's question holds nearly all the topic words of that one wording (idf-weighted): a
# wording's qualifier left out ("dưới 14 tuổi" asked as "14 tuổi") is another question.
MIN_WORDING_COVERAGE = 0.9
# The citizen typed one of the entry's own questions (up to diacritics, word order or a word): staff wrote
# the answer for exactly this, so its procedure leads whatever the catalogue's names say.
EXACT_RATIO = 0.95
EXACT_COVERAGE = 0.95


@dataclass(frozen=True)
class FaqMatch:
    """The entry that answers a question, its linked procedure codes, and whether it was asked as written."""

    entry: FaqEntry
    procedure_codes: tuple[str, ...]
    exact: bool


class FaqMatcher:
    """BM25 over the entries' questions plus a coverage check; built with the engine, cheap to rebuild."""

    def __init__(self, faq: list[FaqEntry], idf: BM25Field) -> None:
        """Index the entries; ``idf`` (the procedure names' index) weighs the words of a question."""
        self.faq = faq
        self._idf = idf
        # One document per question: an entry's short wording must not be judged against its longest one.
        self._entry_of = [index for index, entry in enumerate(faq) for _ in entry.questions]
        questions = [question for entry in faq for question in entry.questions]
        docs = [[strip_diacritics(t) for t in document_terms(q)] for q in questions]
        self._bm25 = BM25Field(docs) if questions else None
        self._words = [{strip_diacritics(s) for q in e.questions for s in syllables(q)} for e in faq]
        analysed = [analyze_query(q) for q in questions]
        self._topics = [
            {strip_diacritics(s) for s, w in zip(a.syllables, a.weights) if w >= 1.0} for a in analysed
        ]
        self._self_scores = np.array(
            [float(self._scores(analyze_query(q), topic_only=True)[i]) for i, q in enumerate(questions)],
            dtype=np.float32,
        )

    def _scores(self, query: AnalyzedQuery, topic_only: bool = False) -> np.ndarray:
        assert self._bm25 is not None
        terms = weighted_terms(query, plain=True)
        if topic_only:
            # A question's own score counts only its topic words: "thủ tục", "cho hỏi" and other fillers
            # (weighed below 1) are left out by citizens as often as not ("nuoi khung long").
            terms = {term: weight for term, weight in terms.items() if weight >= 1.0} or terms
        return self._bm25.scores(terms)

    def match(self, query: AnalyzedQuery) -> FaqMatch | None:
        """The entry that answers the question, or None when none does."""
        if self._bm25 is None:
            return None
        # The citizen's own words decide: an alias expansion says which procedure, not which question.
        own_words = replace(query, expansions=())
        scores = self._scores(own_words)
        ratios = np.divide(scores, self._self_scores, out=np.zeros_like(scores), where=self._self_scores > 0)
        asked = {strip_diacritics(s) for s, w in zip(own_words.syllables, own_words.weights) if w > 0}
        close = [
            int(i)
            for i in np.argsort(-ratios)
            if scores[i] > 0
            and ratios[i] >= MIN_SELF_SCORE_RATIO
            and self.wording_coverage(asked, int(i)) >= MIN_WORDING_COVERAGE
        ]
        if not close:
            return None
        closest = close[0]
        ratio = float(ratios[closest])
        entry_index = self._entry_of[closest]
        coverage = self.coverage(own_words, entry_index)
        if coverage < MIN_COVERAGE:
            return None
        entry = self.faq[entry_index]
        exact = ratio >= EXACT_RATIO and coverage >= EXACT_COVERAGE
        return FaqMatch(entry, entry.procedure_codes, exact)

    def wording_coverage(self, asked: set[str], question_index: int) -> float:
        """Idf-weighted share of one wording's topic words that the citizen's question contains."""
        topics = self._topics[question_index]
        total = sum(self._idf.idf_weight(word) for word in topics)
        got = sum(self._idf.idf_weight(word) for word in topics if word in asked)
        return got / total if total > 0 else 0.0

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
