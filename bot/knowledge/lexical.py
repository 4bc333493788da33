"""Build time: BM25 per field (plain and accented), per-name term weights, learned acronyms; pickled.

The whole catalogue's fields hold ~14 M characters and ~3.2 M words but only ~18 k distinct words: the
analysis (fold, abbreviations, syllables, diacritics stripped) runs once per distinct word through
:class:`BuildAnalysis` (the 4,818 procedures in scope, measured side by side: the lexical stage of
``kb build`` 24 → 14 s, of which 3 s are :class:`CatalogueAcronyms`; the restorer's 6 → 2 s).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from bot.knowledge.acronyms import CatalogueAcronyms
from bot.knowledge.analysis import acronym_spans, acronym_terms, syllables, terms
from bot.knowledge.bm25 import BM25Field
from bot.knowledge.fields import INDEXED_FIELDS, procedure_fields
from bot.knowledge.model import Procedure
from bot.text.abbreviations import default_table
from bot.text.vietnamese import fold, strip_diacritics


class BuildAnalysis:
    """The analysis functions of :mod:`bot.knowledge.analysis`, memoised per whitespace-separated word.

    Every step is local to a word: ``fold`` (NFC, tone marks per word, lower case, spaces), abbreviation
    expansion (whole tokens), the glued-acronym split and the syllable pattern (neither crosses a space).
    So analysing a text word by word and joining the results gives exactly what the functions give on the
    whole text (tests/unit/test_build_analysis.py checks it on catalogue text), and each distinct word is
    analysed once per build instead of once per occurrence.
    """

    def __init__(self) -> None:
        """Start with empty memos (one object per build: they hold the catalogue's vocabulary)."""
        self._document: dict[str, list[str]] = {}
        self._syllables: dict[str, list[str]] = {}
        self._plain: dict[str, str] = {}
        self._expand = default_table().expand

    def document_syllables(self, text: str) -> list[str]:
        """The syllables :func:`~bot.knowledge.analysis.document_terms` builds its terms from."""
        out: list[str] = []
        for word in text.split():
            found = self._document.get(word)
            if found is None:
                found = self._document[word] = syllables(self._expand(fold(word)))
            out += found
        return out

    def document_terms(self, text: str) -> list[str]:
        """:func:`~bot.knowledge.analysis.document_terms` of ``text``."""
        return terms(self.document_syllables(text))

    def syllables(self, text: str) -> list[str]:
        """:func:`~bot.knowledge.analysis.syllables` of ``text``."""
        out: list[str] = []
        for word in text.split():
            found = self._syllables.get(word)
            if found is None:
                found = self._syllables[word] = syllables(word)
            out += found
        return out

    def plain(self, term: str) -> str:
        """:func:`~bot.text.vietnamese.strip_diacritics` of one term (a catalogue has few distinct terms)."""
        found = self._plain.get(term)
        if found is None:
            found = self._plain[term] = strip_diacritics(term)
        return found


class NameAcronyms(Mapping[str, frozenset[str]]):
    """:func:`~bot.knowledge.analysis.acronym_spans` of one name, computed when asked.

    Stored as the name's syllables: the spans themselves (~90 per name, a key string and a frozenset
    each) took 188 MB of the services process for 4,818 names, and are read only for a question holding
    a vowel-less acronym ("tbkt"), for the re-ranked candidates.
    """

    __slots__ = ("tokens",)

    def __init__(self, tokens: tuple[str, ...]) -> None:
        """Hold the name's syllables (as :func:`~bot.knowledge.analysis.syllables` gives them)."""
        self.tokens = tokens

    def _spans(self) -> dict[str, frozenset[str]]:
        return acronym_spans(list(self.tokens))

    def __getitem__(self, acronym: str) -> frozenset[str]:
        """The syllables behind ``acronym`` (KeyError when the name has no such run)."""
        return self._spans()[acronym]

    def __contains__(self, acronym: object) -> bool:
        """Whether a run of the name's syllables has these initials."""
        return acronym in self._spans()

    def __iter__(self) -> Iterator[str]:
        """The acronyms of the name."""
        return iter(self._spans())

    def __len__(self) -> int:
        """How many distinct acronyms the name has."""
        return len(self._spans())

    def __getstate__(self) -> tuple[str, ...]:
        """Pickled as its syllables only."""
        return self.tokens

    def __setstate__(self, tokens: tuple[str, ...]) -> None:
        """Restore from :meth:`__getstate__`."""
        self.tokens = tokens


def share_equal_values(procedures: list[Procedure]) -> list[Procedure]:
    """The same procedures, equal strings and equal parts (fees, documents, legal bases…) one object each.

    The catalogue repeats itself (a procedure at province and ward level, the same legal documents and
    agencies everywhere): pickled with equal values shared, the 4,818 procedures in scope take 62 MB of
    the services process instead of 112 MB. Every part is frozen, so sharing one is safe. Parts are
    matched on exact values (types included: 5 and 5.0 days stay apart, though Python calls them equal).
    """
    strings: dict[str, str] = {}
    parts: dict[tuple[object, ...], Any] = {}
    names: dict[type, tuple[str, ...]] = {}

    def shared(value: Any) -> Any:  # noqa: ANN401 - any part of a procedure
        if isinstance(value, str):
            return strings.setdefault(value, value)
        if isinstance(value, dict):  # mutable (Procedure.fallback): its own, with shared strings
            return {shared(k): shared(v) for k, v in value.items()}
        if isinstance(value, tuple):
            members = tuple(shared(v) for v in value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            kind = type(value)
            if kind not in names:
                names[kind] = tuple(f.name for f in dataclasses.fields(value))
            members = tuple(shared(getattr(value, name)) for name in names[kind])
        else:
            return value
        unique = any(isinstance(m, dict) for m in members)  # a Procedure (its fallback dict)
        key = () if unique else (type(value), *map(_member_key, members))
        found = None if unique else parts.get(key)
        if found is None:
            if isinstance(value, tuple):
                found = members
            elif any(m is not getattr(value, n) for m, n in zip(members, names[type(value)])):
                found = dataclasses.replace(value, **dict(zip(names[type(value)], members)))
            else:
                found = value
            if not unique:
                parts[key] = found
        return found

    return [shared(p) for p in procedures]


def _member_key(member: object) -> object:
    """A shared member by identity, a scalar by type and repr (5 and 5.0 are equal in Python)."""
    if isinstance(member, (str, tuple)) or dataclasses.is_dataclass(member):
        return id(member)
    return type(member), repr(member)


class LexicalIndex:
    """BM25 indexes of every field (plain and accented) plus per-name term weights; built once, pickled."""

    def __init__(
        self,
        procedures: list[Procedure],
        fields: dict[str, tuple[BM25Field, BM25Field]],
        name_terms: list[dict[str, float]],
        name_acronyms: list[Mapping[str, frozenset[str]]],
        acronyms: CatalogueAcronyms,
    ) -> None:
        """Hold prebuilt parts (use :meth:`build`)."""
        self.procedures = procedures
        self.fields = fields
        self.name_terms = name_terms
        self.name_acronyms = name_acronyms
        self.acronyms = acronyms

    @classmethod
    def build(cls, procedures: list[Procedure], analysis: BuildAnalysis | None = None) -> LexicalIndex:
        """Index the procedures' fields (``analysis`` may be shared with the rest of the build)."""
        analysis = analysis or BuildAnalysis()
        procedures = share_equal_values(procedures)
        texts = [procedure_fields(p) for p in procedures]
        name_syllables = [analysis.syllables(t["name"]) for t in texts]
        fields: dict[str, tuple[BM25Field, BM25Field]] = {}
        for name in INDEXED_FIELDS:
            accented, plain = [], []
            for text, tokens in zip(texts, name_syllables):
                words = analysis.document_syllables(text[name])
                # Stripping is letter by letter, so the plain bigrams are the bigrams of the plain
                # syllables: 7 M strip look-ups of distinct bigrams become 3.5 M of syllables.
                accented.append(terms(words))
                plain.append(terms([analysis.plain(w) for w in words]))
                if name == "name":
                    extra = acronym_terms(tokens)
                    accented[-1] += extra
                    plain[-1] += [analysis.plain(a) for a in extra]
            fields[name] = (BM25Field(plain), BM25Field(accented))
        name_index = fields["name"][0]
        name_terms = []
        for tokens in name_syllables:
            unigrams = {analysis.plain(s) for s in tokens}
            name_terms.append({t: name_index.idf_weight(t) for t in unigrams})
        name_acronyms: list[Mapping[str, frozenset[str]]] = [
            NameAcronyms(tuple(tokens)) for tokens in name_syllables
        ]
        acronyms = CatalogueAcronyms([p.name for p in procedures])
        return cls(procedures, fields, name_terms, name_acronyms, acronyms)
