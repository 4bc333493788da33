"""Query time, stage 3: re-rank the first stage's best candidates by how their names fit the question.

The first stage finds names that share words with the question; here the order among the best few is
decided by the name's structure: does the question contain what the name says (precision), does it ask
for the name's action (issue, re-issue, extend, report lost…), does the name add a level or a qualifier
the question never mentioned, and does a curated FAQ entry link the procedure.
"""

from __future__ import annotations

import numpy as np

from bot.knowledge.catalogue_prior import (
    DEFAULT_CITIZEN_LEVELS,
    LEVEL_WEIGHT,
    SUBJECT_WEIGHT,
    CataloguePrior,
)
from bot.knowledge.first_stage import Candidates
from bot.knowledge.lexical import LexicalIndex
from bot.knowledge.name_structure import (
    SIBLING_QUALIFIER_PENALTY,
    NameStructure,
    QuestionStructure,
    parse_name,
    parse_question,
    unasked_qualifiers,
)
from bot.text.vietnamese import strip_diacritics

# Only the first stage's best candidates are re-ranked: the rest cannot climb to the top five anyway,
# and the structure features cost a few microseconds each.
SECOND_STAGE_CANDIDATES = 50
# A linked FAQ entry matched the question: its procedures move up by this much (about a third of the
# best fused score, enough to lead unless another name fits far better).
FAQ_BOOST = 0.3
# The citizen typed one of the FAQ's own questions: its procedures lead, above any name's fit.
EXACT_FAQ_BOOST = 2.0


class Reranker:
    """Second-stage scores from the names' structure; built once per engine from the catalogue."""

    def __init__(
        self, lexical: LexicalIndex, citizen_levels: tuple[str, ...] = DEFAULT_CITIZEN_LEVELS
    ) -> None:
        """Parse every procedure's name; read who each is for and at which level."""
        self.name_terms = lexical.name_terms
        self.name_acronyms = lexical.name_acronyms
        self.structures: list[NameStructure] = [parse_name(p.name, p.levels) for p in lexical.procedures]
        self.prior = CataloguePrior.build(lexical.procedures, citizen_levels)
        self.subject_weight = SUBJECT_WEIGHT
        self.level_weight = LEVEL_WEIGHT

    def name_precision(self, index: int, question_words: dict[str, float]) -> float:
        """Idf-weighted share of the name's words the question contains (an acronym counts as its words)."""
        name_terms = self.name_terms[index]
        words = dict(question_words)
        for acronym in [a for a in question_words if a.startswith("#") and a in self.name_acronyms[index]]:
            for word in self.name_acronyms[index][acronym]:
                words[word] = 1.0
        total = sum(name_terms.values())
        return sum(w * words.get(t, 0.0) for t, w in name_terms.items()) / total if total > 0 else 0.0

    def rerank(
        self, candidates: Candidates, precision_weight: float, faq_codes: list[int], exact_faq: bool = False
    ) -> tuple[np.ndarray, QuestionStructure]:
        """The re-ranked scores of every procedure (only the best candidates move, and the FAQ's procedures).

        ``exact_faq``: the FAQ was asked in one of its own wordings (see bot.knowledge.faq_match).
        """
        question = parse_question(candidates.query, candidates.restored)
        scores = candidates.fused.copy()
        best = [int(i) for i in np.argsort(-candidates.fused)[:SECOND_STAGE_CANDIDATES]]
        for index in unasked_qualifiers(best, self.structures, question, self.name_terms):
            scores[index] -= SIBLING_QUALIFIER_PENALTY
        asked = self.prior.asked_subjects(
            [strip_diacritics(s).lower() for s in candidates.restored.syllables]
        )
        for index in best:
            structure = self.structures[int(index)]
            scores[index] += precision_weight * self.name_precision(int(index), question.words)
            scores[index] += structure.fit(question)
            scores[index] += self.subject_weight * self.prior.subject_fit(index, asked)
        if self.level_weight:
            for index, steps in self.prior.level_preferences(best, self.structures).items():
                scores[index] += self.level_weight * steps
        for index in faq_codes:
            scores[index] += EXACT_FAQ_BOOST if exact_faq else FAQ_BOOST
        return scores, question
