"""Hybrid retrieval over procedures and FAQ: the query-time pipeline and its result.

``SearchEngine.search(question, k)`` runs four stages, each in its own module:

1. analyse the question (:mod:`bot.knowledge.analysis`): syllables, aspect and stop words, aliases;
2. first-stage candidates (:mod:`bot.knowledge.first_stage`): BM25 fields (accented and plain) + dense;
3. re-rank (:mod:`bot.knowledge.rerank`, :mod:`bot.knowledge.name_structure`): how each name fits;
4. calibrate (:mod:`bot.knowledge.calibrate`): confidence, margin, ``ambiguous`` and ``abstain``.

Build-time parts (indexed fields, dense passages, the lexical index) live in :mod:`bot.knowledge.fields`
and :mod:`bot.knowledge.lexical`; they are re-exported here for the index builder and old pickles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.knowledge.accents import DiacriticRestorer
from bot.knowledge.calibrate import FAQ_CONFIDENCE, LONE_CANDIDATE_MARGIN, Calibration, name_coverage
from bot.knowledge.embedding import Embedder
from bot.knowledge.faq_match import FaqMatcher
from bot.knowledge.fields import dense_passage, procedure_fields
from bot.knowledge.first_stage import FIELD_WEIGHTS, Candidates, FirstStage
from bot.knowledge.lexical import LexicalIndex
from bot.knowledge.model import FaqEntry
from bot.knowledge.rerank import Reranker

__all__ = [
    "Calibration",
    "LexicalIndex",
    "SearchEngine",
    "SearchHit",
    "SearchResult",
    "dense_passage",
    "procedure_fields",
]

# Longer input is cut: no question needs more, and analysis time grows with length.
MAX_QUERY_CHARS = 1000
# Share of the fused first-stage score that comes from the dense vectors (the rest from BM25).
DENSE_WEIGHT = 0.3
# Weight of the name-precision re-ranking signal (share of the name's words the question contains).
PRECISION_WEIGHT = 0.3
FIELD_LABELS = {
    "name": "tên thủ tục",
    "results": "kết quả",
    "sector": "lĩnh vực",
    "documents": "thành phần hồ sơ",
    "conditions": "điều kiện",
    "applicants": "đối tượng",
    "steps": "trình tự",
    "dense": "ý nghĩa câu hỏi",
    "faq": "câu hỏi thường gặp",
}


@dataclass(frozen=True)
class SearchHit:
    """One candidate procedure."""

    code: str
    name: str
    score: float
    matched_field: str
    faq_id: str | None = None


@dataclass(frozen=True)
class SearchResult:
    """The answer of one search."""

    query: str
    hits: tuple[SearchHit, ...]
    confidence: float
    ambiguous: bool
    abstain: bool
    restored_query: str = ""
    faq: FaqEntry | None = None
    # Score gap between the first and the second hit after re-ranking (0 when there are no hits).
    margin: float = 0.0

    @property
    def top(self) -> SearchHit | None:
        """The best hit, if any."""
        return self.hits[0] if self.hits else None


class SearchEngine:
    """Searches the knowledge base. Read-only after construction; a changed FAQ makes a new engine."""

    def __init__(
        self,
        lexical: LexicalIndex,
        embedder: Embedder | None,
        dense_index: Any | None,
        restorer: DiacriticRestorer | None,
        faq: list[FaqEntry] | None = None,
        calibration: Calibration | None = None,
        dense_weight: float = DENSE_WEIGHT,
        precision_weight: float = PRECISION_WEIGHT,
        reranker: Reranker | None = None,
    ) -> None:
        """Combine prebuilt indexes: BM25 fields and a FAISS inner-product index of procedure vectors."""
        from threadpoolctl import threadpool_limits

        # numpy's BLAS threads and the embedder's own threads fight for 2 cores: one BLAS thread is
        # 5x faster at p95 here (measured: 113 ms → 21 ms for encode + similarity).
        threadpool_limits(limits=1, user_api="blas")
        self.lexical = lexical
        self.procedures = lexical.procedures
        self.fields = lexical.fields
        self.by_code = {p.code: i for i, p in enumerate(self.procedures)}
        self.embedder = embedder
        self.restorer = restorer
        self.first_stage = FirstStage(
            self.fields, len(self.procedures), embedder, dense_index, restorer, lexical.acronyms
        )
        self.reranker = reranker or Reranker(lexical)
        self.calibration = calibration or Calibration()
        self.dense_weight = dense_weight if self.first_stage.has_dense else 0.0
        self.precision_weight = precision_weight
        self.faq = faq or []
        self.faq_matcher = FaqMatcher(self.faq, self.fields["name"][0])

    def with_faq(self, faq: list[FaqEntry]) -> SearchEngine:
        """A new engine sharing everything but the FAQ (cheap: the procedure indexes are reused)."""
        return SearchEngine(
            self.lexical,
            self.embedder,
            self.first_stage.dense_index,
            self.restorer,
            faq,
            self.calibration,
            self.dense_weight,
            self.precision_weight,
            self.reranker,
        )

    def search(self, question: str, k: int = 5) -> SearchResult:
        """The k best procedures for a question, with confidence and flags; never raises on bad input."""
        text = (question or "")[:MAX_QUERY_CHARS]
        candidates = self.first_stage.run(text, self.dense_weight)
        if candidates is None:
            return SearchResult(query=text, hits=(), confidence=0.0, ambiguous=False, abstain=True)
        faq = self.faq_matcher.match(candidates.restored)
        faq_entry = faq.entry if faq is not None else None
        faq_indexes = [self.by_code[c] for c in faq.procedure_codes if c in self.by_code] if faq else []
        scores, _ = self.reranker.rerank(
            candidates, self.precision_weight, faq_indexes, exact_faq=faq is not None and faq.exact
        )
        ranked = np.argsort(-scores)[: max(k, 2)]
        hits = self._hits(candidates, scores, ranked[:k], set(faq_indexes), faq_entry)
        if not hits:
            return SearchResult(query=text, hits=(), confidence=0.0, ambiguous=False, abstain=True)
        best = int(ranked[0])
        margin = float(scores[ranked[0]] - scores[ranked[1]]) if len(ranked) > 1 else LONE_CANDIDATE_MARGIN
        coverage = name_coverage(candidates.restored, self.reranker.name_terms[best], self.fields["name"][0])
        confidence = self.calibration.confidence(
            float(candidates.dense[best]), coverage, margin, float(scores[best])
        )
        if faq_entry is not None and best in faq_indexes:
            # Trusted only where the FAQ's own procedure leads: its answer is about that procedure, and a
            # matched FAQ must not lend its confidence to another procedure's answer.
            confidence = max(confidence, FAQ_CONFIDENCE)
        return SearchResult(
            query=text,
            hits=tuple(hits),
            confidence=round(confidence, 4),
            ambiguous=margin < self.calibration.ambiguous_margin and faq_entry is None,
            abstain=confidence < self.calibration.abstain_below,
            restored_query=candidates.restored.text if not candidates.query.accented else "",
            faq=faq_entry,
            margin=round(margin, 4),
        )

    def _hits(
        self,
        candidates: Candidates,
        scores: np.ndarray,
        ranked: np.ndarray,
        faq_indexes: set[int],
        faq_entry: FaqEntry | None,
    ) -> list[SearchHit]:
        """The hits in rank order, each with the field that contributed most to its first-stage score."""
        hits = []
        for index in ranked:
            if candidates.fused[index] <= 0:
                break
            contributions = {n: FIELD_WEIGHTS[n] * float(s[index]) for n, s in candidates.per_field.items()}
            best_field = max(contributions, key=lambda n: contributions[n])
            if contributions[best_field] <= 0:
                best_field = "dense"
            if int(index) in faq_indexes:
                best_field = "faq"
            procedure = self.procedures[index]
            hits.append(
                SearchHit(
                    code=procedure.code,
                    name=procedure.name,
                    score=round(float(scores[index]), 4),
                    matched_field=best_field,
                    faq_id=faq_entry.id if best_field == "faq" and faq_entry else None,
                )
            )
        return hits
