"""Okapi BM25 over one field of the procedures, stored as a term-major sparse matrix (CSC).

Terms are looked up by a 64-bit hash in a sorted array rather than in a dict of strings: the 14 fields
of the whole catalogue have 582 k distinct terms (syllable bigrams mostly), whose dicts took ~67 MB of
the services process; the arrays take 7 MB. Two of them sharing a hash would merge their postings; at
this size the odds are ~1e-8 per build, and the build refuses such a vocabulary rather than merge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from itertools import chain
from typing import Any

import numpy as np


def term_hashes(terms: Iterable[str]) -> np.ndarray:
    """Stable 64-bit hashes of terms (Python's own ``hash`` of a str changes with every process)."""
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little") for t in terms),
        dtype=np.uint64,
    )


def _doc_id_type(documents: int) -> type[np.unsignedinteger[Any]]:
    """The smallest id type for this many documents: 2 bytes a posting for a catalogue under 65,536."""
    return np.uint16 if documents <= np.iinfo(np.uint16).max + 1 else np.uint32


class BM25Field:
    """BM25 scores of every document for a weighted bag of query terms."""

    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        """Index the term lists of all documents (one list per document, same order as the corpus)."""
        self.size = len(documents)
        # Term ids in order of first appearance, mapped in C (map over dict.__getitem__): a Python loop
        # over the catalogue's ~1 M postings per field was most of the 18 s all fields took.
        vocabulary = {term: index for index, term in enumerate(dict.fromkeys(chain.from_iterable(documents)))}
        self._index_vocabulary(vocabulary)
        n_terms = len(vocabulary)
        lengths = np.fromiter(map(len, documents), dtype=np.int64, count=self.size)
        total = int(lengths.sum())
        if not total:
            self._starts = np.zeros(n_terms + 1, dtype=np.int32)
            self._docs = np.zeros(0, dtype=np.uint16)
            self._values = np.zeros(0, dtype=np.float32)
            return
        term_ids = np.fromiter(
            map(vocabulary.__getitem__, chain.from_iterable(documents)), dtype=np.int64, count=total
        )
        doc_ids = np.repeat(np.arange(self.size, dtype=np.int64), lengths)
        keys = term_ids * self.size + doc_ids
        unique, counts = np.unique(keys, return_counts=True)  # sorted by term, then document
        terms = unique // self.size
        docs = (unique % self.size).astype(_doc_id_type(self.size))
        lengths = lengths.astype(np.float32)
        average = float(lengths.mean()) or 1.0
        df = np.bincount(terms, minlength=n_terms).astype(np.float32)
        idf = np.log1p((self.size - df + 0.5) / (df + 0.5))
        tf = counts.astype(np.float32)
        norm = k1 * (1 - b + b * lengths[docs] / average)
        # Each posting's contribution, precomputed: idf * tf (k1 + 1) / (tf + norm).
        self._values = (idf[terms] * tf * (k1 + 1) / (tf + norm)).astype(np.float32)
        self._docs = docs
        self._starts = np.searchsorted(terms, np.arange(n_terms + 1)).astype(np.int32)

    def _index_vocabulary(self, vocabulary: dict[str, int]) -> None:
        hashes = term_hashes(vocabulary)
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]  # sorted, for searchsorted
        self._term_ids = np.fromiter(vocabulary.values(), dtype=np.int32, count=len(vocabulary))[order]
        if self._hashes.size and bool((self._hashes[1:] == self._hashes[:-1]).any()):
            raise ValueError(
                "two terms of the catalogue share a 64-bit hash: the index cannot tell them apart"
            )

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle; an index written before the hashed vocabulary (a ``vocabulary`` dict) is converted."""
        vocabulary = state.pop("vocabulary", None)
        self.__dict__.update(state)
        if vocabulary is not None:
            self._index_vocabulary(vocabulary)

    def _term_ids_of(self, terms: list[str]) -> np.ndarray:
        """The id of each term, or -1 for a term the field does not hold."""
        if not terms or not self._hashes.size:
            return np.full(len(terms), -1, dtype=np.int64)
        hashes = term_hashes(terms)
        at = np.minimum(np.searchsorted(self._hashes, hashes), self._hashes.size - 1)
        return np.where(self._hashes[at] == hashes, self._term_ids[at], -1)

    def _posting(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self._starts[term_id], self._starts[term_id + 1]
        return self._docs[start:end], self._values[start:end]

    def idf_weight(self, term: str) -> float:
        """The largest contribution a term can make (0 for unknown terms)."""
        term_id = int(self._term_ids_of([term])[0])
        if term_id < 0:
            return 0.0
        values = self._posting(term_id)[1]
        return float(values.max()) if values.size else 0.0

    def scores(self, query: dict[str, float]) -> np.ndarray:
        """Scores of all documents for weighted query terms."""
        out = np.zeros(self.size, dtype=np.float32)
        terms = [term for term, weight in query.items() if weight > 0]
        for term, term_id in zip(terms, self._term_ids_of(terms)):
            if term_id >= 0:
                docs, values = self._posting(int(term_id))
                out[docs] += query[term] * values  # document ids are unique within a posting
        return out
