"""Okapi BM25 over one field of the procedures, stored as a term-major sparse matrix (CSC)."""

from __future__ import annotations

import numpy as np


class BM25Field:
    """BM25 scores of every document for a weighted bag of query terms."""

    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        """Index the term lists of all documents (one list per document, same order as the corpus)."""
        self.size = len(documents)
        vocabulary: dict[str, int] = {}
        doc_ids: list[int] = []
        term_ids: list[int] = []
        for index, document in enumerate(documents):
            for term in document:
                term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
            doc_ids.extend([index] * len(document))
        self.vocabulary = vocabulary
        n_terms = len(vocabulary)
        if not term_ids:
            self._starts = np.zeros(n_terms + 1, dtype=np.int64)
            self._docs = np.zeros(0, dtype=np.int32)
            self._values = np.zeros(0, dtype=np.float32)
            return
        keys = np.asarray(term_ids, dtype=np.int64) * max(self.size, 1) + np.asarray(doc_ids, dtype=np.int64)
        unique, counts = np.unique(keys, return_counts=True)  # sorted by term, then document
        terms = unique // max(self.size, 1)
        docs = (unique % max(self.size, 1)).astype(np.int32)
        lengths = np.bincount(np.asarray(doc_ids), minlength=self.size).astype(np.float32)
        average = float(lengths.mean()) or 1.0
        df = np.bincount(terms, minlength=n_terms).astype(np.float32)
        idf = np.log1p((self.size - df + 0.5) / (df + 0.5))
        tf = counts.astype(np.float32)
        norm = k1 * (1 - b + b * lengths[docs] / average)
        # Each posting's contribution, precomputed: idf * tf (k1 + 1) / (tf + norm).
        self._values = (idf[terms] * tf * (k1 + 1) / (tf + norm)).astype(np.float32)
        self._docs = docs
        self._starts = np.searchsorted(terms, np.arange(n_terms + 1)).astype(np.int64)

    def _posting(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        index = self.vocabulary.get(term)
        if index is None:
            return None
        start, end = self._starts[index], self._starts[index + 1]
        return self._docs[start:end], self._values[start:end]

    def idf_weight(self, term: str) -> float:
        """The largest contribution a term can make (0 for unknown terms)."""
        posting = self._posting(term)
        return float(posting[1].max()) if posting is not None and posting[1].size else 0.0

    def scores(self, query: dict[str, float]) -> np.ndarray:
        """Scores of all documents for weighted query terms."""
        out = np.zeros(self.size, dtype=np.float32)
        for term, weight in query.items():
            posting = self._posting(term)
            if posting is not None and weight > 0:
                out[posting[0]] += weight * posting[1]  # document ids are unique within a posting
        return out
