"""Query time, stage 4: calibration — a confidence in [0, 1], the margin, and the abstain/ambiguous flags."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.knowledge.analysis import AnalyzedQuery, weighted_terms
from bot.knowledge.bm25 import BM25Field

# A curated FAQ entry that matched is an answer written by staff for this question: trust it.
FAQ_CONFIDENCE = 0.9
# The margin reported when there is a single candidate (nothing to be confused with).
LONE_CANDIDATE_MARGIN = 1.0


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


def name_coverage(query: AnalyzedQuery, name_terms: dict[str, float], name_index: BM25Field) -> float:
    """Share of the question's topic weight (idf-weighted) that a procedure's name covers."""
    plain_terms = weighted_terms(query, plain=True)
    unigrams = {t: w for t, w in plain_terms.items() if "_" not in t}
    possible = sum(w * name_index.idf_weight(t) for t, w in unigrams.items())
    if possible <= 0:
        return 0.0
    got = sum(w * name_index.idf_weight(t) for t, w in unigrams.items() if t in name_terms)
    return got / possible
