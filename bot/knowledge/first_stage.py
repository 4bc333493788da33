"""Query time, stage 2: first-stage candidates — field-aware BM25 (accented and plain) fused with dense.

Every procedure gets a lexical score (weighted sum of its fields' BM25 scores, normalised by the best one)
and a dense score (cosine of question and passage, spread over the best candidates); the two are mixed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from bot.knowledge.accents import DiacriticRestorer
from bot.knowledge.acronyms import CatalogueAcronyms
from bot.knowledge.analysis import AnalyzedQuery, analyze_query, weighted_terms
from bot.knowledge.bm25 import BM25Field
from bot.knowledge.embedding import Embedder

# Field weights of the lexical score: the name decides, longer fields only help to break ties.
FIELD_WEIGHTS: dict[str, float] = {
    "name": 1.0,
    "results": 0.3,
    "sector": 0.2,
    "documents": 0.1,
    "conditions": 0.1,
    "applicants": 0.05,
    "steps": 0.05,
}
# How many nearest passages the dense index returns; the others get the farthest one's cosine.
DENSE_CANDIDATES = 100
# The dense scores are stretched to [0, 1] between the best and the 50th candidate: below that the
# cosines of e5 are all alike and carry no ranking information.
DENSE_SPREAD_RANK = 50
# Encoding time grows with length (~0.7 ms a token on 2 cores): the topic words suffice.
DENSE_MAX_SYLLABLES = 24
# Cached question vectors (a chat repeats questions; the cache is cleared when it grows past this).
QUERY_CACHE_SIZE = 2048


@dataclass(frozen=True)
class Candidates:
    """First-stage signals of one question over all procedures."""

    query: AnalyzedQuery  # as typed
    restored: AnalyzedQuery  # diacritics put back when typed without them (else the same)
    lexical_norm: np.ndarray
    dense: np.ndarray  # raw cosines
    dense_norm: np.ndarray
    fused: np.ndarray
    per_field: dict[str, np.ndarray]  # raw BM25 per field


class FirstStage:
    """Scores every procedure for a question with BM25 fields and (if configured) dense vectors."""

    def __init__(
        self,
        fields: dict[str, tuple[BM25Field, BM25Field]],
        size: int,
        embedder: Embedder | None,
        dense_index: Any | None,
        restorer: DiacriticRestorer | None,
        acronyms: CatalogueAcronyms | None = None,
    ) -> None:
        """Hold the indexes; ``size`` is the number of procedures."""
        self.fields = fields
        self.size = size
        self.embedder = embedder
        self.dense_index = dense_index if dense_index is not None and dense_index.ntotal else None
        self.restorer = restorer
        self.acronyms = acronyms
        self._query_cache: dict[str, np.ndarray] = {}

    @property
    def has_dense(self) -> bool:
        """Whether dense vectors can be used."""
        return self.embedder is not None and self.dense_index is not None

    def restore(self, query: AnalyzedQuery) -> AnalyzedQuery:
        """The question with diacritics put back (unchanged when typed with them)."""
        if query.accented or self.restorer is None:
            return query
        restored = analyze_query(" ".join(self.restorer.restore_tokens(list(query.syllables))))
        if len(restored.weights) != len(query.weights):
            return restored
        # A wrong restoration ("mat bao lau" → "mặt báo lâu") must not turn the aspect words the typed form
        # was matched to (accent-blind) into topic words: an aspect syllable keeps the lower weight. (Stop
        # words are left to the restored form: carrying them over too lost hit@1 on the tune half.)
        weights = tuple(min(a, b) if 0 < a < 1 else b for a, b in zip(query.weights, restored.weights))
        return replace(restored, weights=weights)

    def lexical(self, query: AnalyzedQuery, use_accents: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Weighted sum of the fields' BM25 scores, and each field's scores."""
        plain_terms = weighted_terms(query, plain=True)
        accented_terms = weighted_terms(query, plain=False) if use_accents else {}
        per_field: dict[str, np.ndarray] = {}
        total = np.zeros(self.size, dtype=np.float32)
        for name, weight in FIELD_WEIGHTS.items():
            plain_index, accented_index = self.fields[name]
            scores = plain_index.scores(plain_terms)
            if accented_terms:
                scores = scores + accented_index.scores(accented_terms)
            per_field[name] = scores
            total += weight * scores
        return total, per_field

    def run(self, text: str, dense_weight: float) -> Candidates | None:
        """Lexical and dense scores of every procedure, fused; None when the question has no words."""
        query = analyze_query(text)
        if not self.size or not any(w > 0 for w in query.weights) and not query.expansions:
            return None
        restored = self.restore(query)
        if self.acronyms is not None:
            written_out = self.acronyms.expansions(text, query)
            if written_out:
                query = replace(query, expansions=query.expansions + written_out)
                restored = replace(restored, expansions=restored.expansions + written_out)
        lexical, per_field = self.lexical(restored, use_accents=True)
        if not query.accented:
            # The restoration can be wrong: the typed (accent-free) form keeps its full say.
            plain_only, _ = self.lexical(query, use_accents=False)
            lexical = np.maximum(lexical, plain_only)
        top_lexical = float(lexical.max()) if lexical.size else 0.0
        lexical_norm = lexical / top_lexical if top_lexical > 0 else lexical
        dense = np.zeros(self.size, dtype=np.float32)
        dense_norm = np.zeros(self.size, dtype=np.float32)
        if dense_weight > 0 and self.has_dense:
            dense, dense_norm = self._dense(restored)
        fused = (1 - dense_weight) * lexical_norm + dense_weight * dense_norm
        return Candidates(query, restored, lexical_norm, dense, dense_norm, fused, per_field)

    def _dense(self, restored: AnalyzedQuery) -> tuple[np.ndarray, np.ndarray]:
        assert self.dense_index is not None
        vector = self.embed_query(
            " ".join((restored.topic_text or restored.text).split()[:DENSE_MAX_SYLLABLES])
        )
        wanted = min(DENSE_CANDIDATES, self.dense_index.ntotal)
        found, ids = self.dense_index.search(vector[None, :].astype(np.float32), wanted)
        dense = np.full(self.size, float(found[0][-1]), dtype=np.float32)
        dense[ids[0]] = found[0]
        order = np.argsort(-dense)[: min(DENSE_SPREAD_RANK, len(dense))]
        floor = float(dense[order[-1]])
        spread = max(float(dense[order[0]]) - floor, 1e-6)
        return dense, np.clip((dense - floor) / spread, 0, 1)

    def embed_query(self, text: str) -> np.ndarray:
        """The question's vector (cached)."""
        cached = self._query_cache.get(text)
        if cached is None:
            assert self.embedder is not None
            cached = self.embedder.embed_queries([text])[0]
            if len(self._query_cache) > QUERY_CACHE_SIZE:
                self._query_cache.clear()
            self._query_cache[text] = cached
        return cached
