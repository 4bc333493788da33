"""Hybrid retrieval over procedures and FAQ: field-aware BM25 (accented and accent-free) + dense vectors.

``SearchEngine.search(question, k)`` returns the best procedures with which field matched, a calibrated
confidence, an ``ambiguous`` flag (the top candidates are too close to choose) and ``abstain`` (nothing in
the knowledge base answers this question well enough to name it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.knowledge.accents import DiacriticRestorer
from bot.knowledge.analysis import (
    AnalyzedQuery,
    acronym_spans,
    acronym_terms,
    analyze_query,
    document_terms,
    looks_like_acronym,
    syllables,
    weighted_terms,
)
from bot.knowledge.bm25 import BM25Field
from bot.knowledge.embedding import Embedder
from bot.knowledge.faq_match import FaqMatcher
from bot.knowledge.model import FaqEntry, Procedure
from bot.text.vietnamese import strip_diacritics

MAX_QUERY_CHARS = 1000
DENSE_CANDIDATES = 100
CENTRAL_PENALTY = 0.05
CENTRAL_CUES = frozenset({"trung", "uong", "bo", "cuc"})
# Words that make a procedure a variant of a base one ("Cấp lại", "Cấp đổi", "Gia hạn" … of "Cấp …"): a
# question that does not say them is about the base procedure more likely than about the variant.
VARIANT_WORDS = frozenset({"lai", "doi", "gia", "han", "dieu", "chinh", "thu", "hoi", "huy", "xoa", "khoa"})
VARIANT_PENALTY = 0.1
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


def _variant_words(name: str) -> frozenset[str]:
    """The variant words in the action part of a procedure's name (its first four syllables)."""
    words = strip_diacritics(name.lower()).split()
    head = words[2:6] if words[:2] == ["thu", "tuc"] else words[:4]
    return frozenset(w.strip(",.():") for w in head) & VARIANT_WORDS


def procedure_fields(procedure: Procedure) -> dict[str, str]:
    """The text of each indexed field of a procedure."""
    return {
        "name": procedure.name,
        "results": " ; ".join(procedure.results),
        "sector": procedure.sector,
        "documents": " ; ".join(d.name for d in procedure.documents),
        "conditions": procedure.conditions[:2000],
        "applicants": procedure.applicants,
        "steps": " ".join(procedure.steps)[:2000],
    }


def dense_passage(procedure: Procedure) -> str:
    """What the dense index embeds: the name, then short glimpses of result and conditions (or applicants).

    Measured on the dev questions: name only hit@1 0.684 / MRR 0.768; with these glimpses 0.716 / 0.785.
    Kept short: encoding time grows with length and a cold build must stay under 3 minutes.
    """
    parts = [procedure.name]
    if procedure.results:
        parts.append("Kết quả: " + "; ".join(procedure.results)[:100])
    if procedure.conditions:
        parts.append("Điều kiện: " + procedure.conditions[:160])
    elif procedure.applicants:
        parts.append("Đối tượng: " + procedure.applicants[:100])
    return ". ".join(parts)


SECOND_STAGE_CANDIDATES = 50


@dataclass(frozen=True)
class _Stage:
    """First-stage signals of one question over all procedures."""

    query: AnalyzedQuery
    restored: AnalyzedQuery
    lexical_norm: np.ndarray
    dense: np.ndarray
    dense_norm: np.ndarray
    fused: np.ndarray
    per_field: dict[str, np.ndarray]
    query_plain: set[str]


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

    @property
    def top(self) -> SearchHit | None:
        """The best hit, if any."""
        return self.hits[0] if self.hits else None


@dataclass
class Calibration:
    """Turns retrieval signals into a confidence in [0, 1] and decides abstention and ambiguity.

    A logistic model of four signals; coefficients fitted once on the development questions (215 in the
    catalogue, 300 not in it; accented and stripped), rounded. ``make eval`` prints the trade-off curve.
    """

    abstain_below: float = 0.31
    ambiguous_margin: float = 0.04
    # bias, top dense cosine, name coverage of the question, margin to the 2nd candidate, fused score
    weights: tuple[float, ...] = (-4.38, 0.09, 2.09, 1.18, 2.56)

    def confidence(self, dense_top: float, coverage: float, margin: float, score: float) -> float:
        """Logistic combination of the signals."""
        bias, w_dense, w_cov, w_margin, w_score = self.weights
        z = bias + w_dense * dense_top + w_cov * coverage + w_margin * margin + w_score * score
        return 1.0 / (1.0 + math.exp(-z))


class LexicalIndex:
    """BM25 indexes of every field (plain and accented) plus per-name term weights; built once, pickled."""

    def __init__(
        self,
        procedures: list[Procedure],
        fields: dict[str, tuple[BM25Field, BM25Field]],
        name_terms: list[dict[str, float]],
        name_acronyms: list[dict[str, frozenset[str]]],
    ) -> None:
        """Hold prebuilt parts (use :meth:`build`)."""
        self.procedures = procedures
        self.fields = fields
        self.name_terms = name_terms
        self.name_acronyms = name_acronyms

    @classmethod
    def build(cls, procedures: list[Procedure]) -> LexicalIndex:
        """Index the procedures' fields."""
        texts = [procedure_fields(p) for p in procedures]
        fields: dict[str, tuple[BM25Field, BM25Field]] = {}
        for name in FIELD_WEIGHTS:
            accented = [document_terms(t[name]) for t in texts]
            if name == "name":
                accented = [doc + acronym_terms(syllables(t[name])) for doc, t in zip(accented, texts)]
            plain = [[strip_diacritics(term) for term in doc] for doc in accented]
            fields[name] = (BM25Field(plain), BM25Field(accented))
        name_index = fields["name"][0]
        name_terms = []
        for text in texts:
            unigrams = {strip_diacritics(s) for s in syllables(text["name"])}
            name_terms.append({t: name_index.idf_weight(t) for t in unigrams})
        name_acronyms = [acronym_spans(syllables(text["name"])) for text in texts]
        return cls(procedures, fields, name_terms, name_acronyms)


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
        dense_weight: float = 0.3,
        precision_weight: float = 0.3,
    ) -> None:
        """Combine prebuilt indexes: BM25 fields and a FAISS inner-product index of procedure vectors."""
        from threadpoolctl import threadpool_limits

        # numpy's BLAS threads and the embedder's own threads fight for 2 cores: one BLAS thread is
        # 5x faster at p95 here (measured: 113 ms → 21 ms for encode + similarity).
        threadpool_limits(limits=1, user_api="blas")
        self.lexical = lexical
        self.procedures = lexical.procedures
        self.fields = lexical.fields
        self._name_terms = lexical.name_terms
        self._name_acronyms = lexical.name_acronyms
        self._central = [
            "trung uong" in strip_diacritics(p.name.lower()) or p.levels == ("Cấp bộ",)
            for p in self.procedures
        ]
        self._variant_words = [_variant_words(p.name) for p in self.procedures]
        self.by_code = {p.code: i for i, p in enumerate(self.procedures)}
        self.embedder = embedder
        self._dense_index = dense_index if dense_index is not None and dense_index.ntotal else None
        self.restorer = restorer
        self.calibration = calibration or Calibration()
        self.dense_weight = dense_weight if embedder is not None and self._dense_index is not None else 0.0
        self.precision_weight = precision_weight
        # Encoding time grows with length (~0.7 ms a token on 2 cores): the topic words suffice.
        self.dense_max_syllables = 24
        self._query_cache: dict[str, np.ndarray] = {}
        self.faq = faq or []
        self.faq_matcher = FaqMatcher(self.faq, self.fields["name"][0])

    def with_faq(self, faq: list[FaqEntry]) -> SearchEngine:
        """A new engine sharing everything but the FAQ (cheap: the procedure indexes are reused)."""
        return SearchEngine(
            self.lexical,
            self.embedder,
            self._dense_index,
            self.restorer,
            faq,
            self.calibration,
            self.dense_weight,
            self.precision_weight,
        )

    # -- signals ---------------------------------------------------------------------------------
    def _restore(self, query: AnalyzedQuery) -> AnalyzedQuery:
        if query.accented or self.restorer is None:
            return query
        restored = " ".join(self.restorer.restore_tokens(list(query.syllables)))
        return analyze_query(restored)

    def _lexical(self, query: AnalyzedQuery, use_accents: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        plain_terms = weighted_terms(query, plain=True)
        accented_terms = weighted_terms(query, plain=False) if use_accents else {}
        per_field: dict[str, np.ndarray] = {}
        total = np.zeros(len(self.procedures), dtype=np.float32)
        for name, weight in FIELD_WEIGHTS.items():
            plain_index, accented_index = self.fields[name]
            scores = plain_index.scores(plain_terms)
            if accented_terms:
                scores = scores + accented_index.scores(accented_terms)
            per_field[name] = scores
            total += weight * scores
        return total, per_field

    def _coverage(self, query: AnalyzedQuery, best: int) -> float:
        """Share of the question's topic weight that the best procedure's name covers."""
        plain_terms = weighted_terms(query, plain=True)
        name_index = self.fields["name"][0]
        possible = sum(w * name_index.idf_weight(t) for t, w in plain_terms.items() if "_" not in t)
        if possible <= 0:
            return 0.0
        name_terms = self._name_terms[best]
        got = sum(
            w * name_index.idf_weight(t) for t, w in plain_terms.items() if "_" not in t and t in name_terms
        )
        return got / possible

    # -- search ----------------------------------------------------------------------------------
    def _first_stage(self, text: str) -> _Stage | None:
        """Lexical and dense scores of every procedure, fused; None when the question has no words."""
        query = analyze_query(text)
        if not self.procedures or not any(w > 0 for w in query.weights) and not query.expansions:
            return None
        restored = self._restore(query)
        lexical, per_field = self._lexical(restored, use_accents=True)
        if not query.accented:
            # The restoration can be wrong: the typed (accent-free) form keeps its full say.
            plain_only, _ = self._lexical(query, use_accents=False)
            lexical = np.maximum(lexical, plain_only)
        top_lexical = float(lexical.max()) if lexical.size else 0.0
        lexical_norm = lexical / top_lexical if top_lexical > 0 else lexical
        dense = np.zeros(len(self.procedures), dtype=np.float32)
        dense_norm = np.zeros(len(self.procedures), dtype=np.float32)
        if self.dense_weight > 0 and self.embedder is not None and self._dense_index is not None:
            vector = self._embed_query(
                " ".join((restored.topic_text or restored.text).split()[: self.dense_max_syllables])
            )
            wanted = min(DENSE_CANDIDATES, self._dense_index.ntotal)
            found, ids = self._dense_index.search(vector[None, :].astype(np.float32), wanted)
            dense[:] = float(found[0][-1])
            dense[ids[0]] = found[0]
            order = np.argsort(-dense)[: min(50, len(dense))]
            floor = float(dense[order[-1]])
            spread = max(float(dense[order[0]]) - floor, 1e-6)
            dense_norm = np.clip((dense - floor) / spread, 0, 1)
        fused = (1 - self.dense_weight) * lexical_norm + self.dense_weight * dense_norm
        query_plain = {strip_diacritics(s) for s, w in zip(restored.syllables, restored.weights) if w > 0}
        query_plain |= {strip_diacritics(s) for s in query.syllables}
        for expansion in restored.expansions:
            query_plain |= {strip_diacritics(s) for s in syllables(expansion)}
        query_plain |= {"#" + strip_diacritics(s) for s in query.syllables if looks_like_acronym(s)}
        return _Stage(query, restored, lexical_norm, dense, dense_norm, fused, per_field, query_plain)

    def _name_precision(self, index: int, query_plain: set[str]) -> float:
        """Share of the name's idf-weighted words the question contains (an acronym counts as its words)."""
        name_terms = self._name_terms[index]
        acronyms = [a for a in query_plain if a.startswith("#") and a in self._name_acronyms[index]]
        if acronyms:
            query_plain = query_plain.union(*(self._name_acronyms[index][a] for a in acronyms))
        total = sum(name_terms.values())
        return sum(w for t, w in name_terms.items() if t in query_plain) / total if total > 0 else 0.0

    def search(self, question: str, k: int = 5) -> SearchResult:
        """The k best procedures for a question, with confidence and flags; never raises on bad input."""
        text = (question or "")[:MAX_QUERY_CHARS]
        stage = self._first_stage(text)
        if stage is None:
            return SearchResult(query=text, hits=(), confidence=0.0, ambiguous=False, abstain=True)
        fused = stage.fused.copy()
        # Second stage: prefer names the question covers (not names with much the question never said),
        # and the local variant unless the question names the central level (a tie-breaker).
        central_asked = bool(CENTRAL_CUES & stage.query_plain)
        for index in np.argsort(-fused)[:SECOND_STAGE_CANDIDATES]:
            fused[index] += self.precision_weight * self._name_precision(int(index), stage.query_plain)
            if self._central[index] and not central_asked:
                fused[index] -= CENTRAL_PENALTY
            if self._variant_words[index] - stage.query_plain:
                fused[index] -= VARIANT_PENALTY
        faq_entry, faq_codes = self.faq_matcher.match(stage.restored)
        for code in faq_codes:
            if code in self.by_code:
                fused[self.by_code[code]] += 0.3
        ranked = np.argsort(-fused)[: max(k, 2)]
        hits = []
        for index in ranked[:k]:
            if stage.fused[index] <= 0:
                break
            contributions = {n: FIELD_WEIGHTS[n] * float(s[index]) for n, s in stage.per_field.items()}
            best_field = max(contributions, key=lambda n: contributions[n])
            if contributions[best_field] <= 0:
                best_field = "dense"
            if self.procedures[index].code in faq_codes:
                best_field = "faq"
            procedure = self.procedures[index]
            hits.append(
                SearchHit(
                    code=procedure.code,
                    name=procedure.name,
                    score=round(float(fused[index]), 4),
                    matched_field=best_field,
                    faq_id=faq_entry.id if best_field == "faq" and faq_entry else None,
                )
            )
        if not hits:
            return SearchResult(query=text, hits=(), confidence=0.0, ambiguous=False, abstain=True)
        best = int(ranked[0])
        margin = float(fused[ranked[0]] - fused[ranked[1]]) if len(ranked) > 1 else 1.0
        confidence = self.calibration.confidence(
            float(stage.dense[best]), self._coverage(stage.restored, best), margin, float(fused[best])
        )
        if faq_entry is not None:
            confidence = max(confidence, 0.9)
        return SearchResult(
            query=text,
            hits=tuple(hits),
            confidence=round(confidence, 4),
            ambiguous=margin < self.calibration.ambiguous_margin and faq_entry is None,
            abstain=confidence < self.calibration.abstain_below,
            restored_query=stage.restored.text if not stage.query.accented else "",
            faq=faq_entry,
        )

    def _embed_query(self, text: str) -> np.ndarray:
        cached = self._query_cache.get(text)
        if cached is None:
            assert self.embedder is not None
            cached = self.embedder.embed_queries([text])[0]
            if len(self._query_cache) > 2048:
                self._query_cache.clear()
            self._query_cache[text] = cached
        return cached
