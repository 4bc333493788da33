"""Build time: BM25 per field (plain and accented), per-name term weights, learned acronyms; pickled."""

from __future__ import annotations

from bot.knowledge.acronyms import CatalogueAcronyms
from bot.knowledge.analysis import acronym_spans, acronym_terms, document_terms, syllables
from bot.knowledge.bm25 import BM25Field
from bot.knowledge.fields import INDEXED_FIELDS, procedure_fields
from bot.knowledge.model import Procedure
from bot.text.vietnamese import strip_diacritics


class LexicalIndex:
    """BM25 indexes of every field (plain and accented) plus per-name term weights; built once, pickled."""

    def __init__(
        self,
        procedures: list[Procedure],
        fields: dict[str, tuple[BM25Field, BM25Field]],
        name_terms: list[dict[str, float]],
        name_acronyms: list[dict[str, frozenset[str]]],
        acronyms: CatalogueAcronyms,
    ) -> None:
        """Hold prebuilt parts (use :meth:`build`)."""
        self.procedures = procedures
        self.fields = fields
        self.name_terms = name_terms
        self.name_acronyms = name_acronyms
        self.acronyms = acronyms

    @classmethod
    def build(cls, procedures: list[Procedure]) -> LexicalIndex:
        """Index the procedures' fields."""
        texts = [procedure_fields(p) for p in procedures]
        fields: dict[str, tuple[BM25Field, BM25Field]] = {}
        for name in INDEXED_FIELDS:
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
        acronyms = CatalogueAcronyms([p.name for p in procedures])
        return cls(procedures, fields, name_terms, name_acronyms, acronyms)
