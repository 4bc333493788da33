"""The build's word-by-word memo of the analysis gives exactly what the analysis functions give."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from bot.knowledge.analysis import acronym_spans, document_terms, syllables
from bot.knowledge.bm25 import BM25Field
from bot.knowledge.fields import procedure_fields
from bot.knowledge.lexical import BuildAnalysis, LexicalIndex, NameAcronyms, share_equal_values
from bot.knowledge.model import Procedure, SubmissionMethod
from bot.knowledge.store import PROCEDURES_FILE, read_procedures
from bot.text.vietnamese import strip_diacritics

# Text where a word-by-word analysis could differ from a whole-text one: glued acronyms, both tone-mark
# styles, decomposed marks, abbreviations with slashes, no-break and other Unicode spaces, case folding.
TRICKY = (
    "Cấp giấy TBKTbị cho hộ KD; Hoà Bình / Hòa Bình",
    "dk ks  và\u00a0cccd\tcho\u2000người  DN; gplx/ubnd",
    "Đăng ky\u0301 khai sinh – hs, ĐKKD (bản sao) 1.001193",
    "ΑΣ Σ ẞ İstanbul ŉ ﬁ",
    "",
    "   ;  ; ",
)


@pytest.fixture(scope="module")
def procedures() -> list[Procedure]:
    return read_procedures(PROCEDURES_FILE)[:300]


def _texts(procedures: list[Procedure]) -> list[str]:
    texts = [text for p in procedures for text in procedure_fields(p).values()]
    return texts + [part for text in texts for part in text.split(";")] + list(TRICKY)


def test_the_memo_analyses_like_the_analysis_functions(procedures: list[Procedure]) -> None:
    analysis = BuildAnalysis()
    for text in _texts(procedures):
        assert analysis.document_terms(text) == document_terms(text), text
        assert analysis.syllables(text) == syllables(text), text


def test_the_fields_index_the_analysed_terms_accented_and_stripped(procedures: list[Procedure]) -> None:
    lexical = LexicalIndex.build(procedures)
    for name in ("results", "documents", "steps"):
        accented = [document_terms(procedure_fields(p)[name]) for p in procedures]
        plain = [[strip_diacritics(term) for term in doc] for doc in accented]
        for built, expected in zip(lexical.fields[name], (BM25Field(plain), BM25Field(accented))):
            for part in ("_hashes", "_term_ids", "_starts", "_docs", "_values"):
                assert np.array_equal(getattr(built, part), getattr(expected, part)), (name, part)


def test_a_field_finds_its_terms_by_hash_and_reads_an_old_pickle() -> None:
    documents = [["dang", "ky", "khai", "sinh"], ["dang", "ky", "ket", "hon"], ["cap", "ho", "chieu"]]
    field = BM25Field(documents)
    assert field.idf_weight("khai") > field.idf_weight("dang") > 0 == field.idf_weight("không có")
    scores = field.scores({"ket": 1.0, "hon": 0.5, "zzz": 1.0, "cap": 0.0})
    assert scores[1] > 0 and scores[0] == scores[2] == 0
    old_state = {k: v for k, v in field.__dict__.items() if k not in ("_hashes", "_term_ids")}
    old_state["vocabulary"] = {t: i for i, t in enumerate(dict.fromkeys(t for d in documents for t in d))}
    old = BM25Field.__new__(BM25Field)
    old.__setstate__(old_state)
    assert np.array_equal(old.scores({"ket": 1.0, "hon": 0.5}), field.scores({"ket": 1.0, "hon": 0.5}))


def test_name_acronyms_are_the_spans_and_pickle_as_syllables(procedures: list[Procedure]) -> None:
    lexical = LexicalIndex.build(procedures[:20])
    for procedure, acronyms in zip(procedures, lexical.name_acronyms):
        spans = acronym_spans(syllables(procedure.name))
        assert dict(acronyms) == spans and len(acronyms) == len(spans)
        assert all(a in acronyms and acronyms[a] == s for a, s in spans.items())
        assert "#zzzzzz" not in acronyms
    copy = pickle.loads(pickle.dumps(lexical.name_acronyms[0]))
    assert isinstance(copy, NameAcronyms) and dict(copy) == dict(lexical.name_acronyms[0])


def test_equal_parts_of_procedures_are_shared_with_their_exact_values(procedures: list[Procedure]) -> None:
    five_days = Procedure.from_dict({**procedures[0].to_dict(), "code": "x.1"})
    five_days_float = Procedure.from_dict(
        {
            **procedures[0].to_dict(),
            "code": "x.2",
            "submission_methods": [{"method": "Trực tiếp", "working_days": 5.0}],
        }
    )
    five_days_int = dataclasses.replace(
        five_days_float, code="x.3", submission_methods=(SubmissionMethod("Trực tiếp", working_days=5),)
    )
    originals = [*procedures, five_days, five_days_float, five_days_int]
    shared = share_equal_values(originals)
    assert shared == originals
    assert shared[-3].documents is shared[0].documents and shared[-3].name is shared[0].name
    assert type(shared[-1].submission_methods[0].working_days) is int
    assert type(shared[-2].submission_methods[0].working_days) is float
