"""Text analysis for retrieval: syllable terms with and without diacritics, aspect and stop words, aliases.

Terms are syllable unigrams and bigrams, so matching does not depend on how a word segmenter splits
text typed without diacritics. Every term exists in two forms: accented ("đăng ký") and plain
("dang ky"); a question typed without diacritics still matches through the plain form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.text.abbreviations import default_table
from bot.text.vietnamese import fold, strip_diacritics

KB_DIR = Path(__file__).resolve().parents[2] / "knowledge_base"
_SYLLABLE = re.compile(r"[^\W_]+", re.UNICODE)
# An acronym glued to the next word by a missing space ("TBKTbị") is split off.
_GLUED_ACRONYM = re.compile(r"([A-ZĐ]{2,})(?=[a-zđà-ỹ])")


def syllables(text: str) -> list[str]:
    """Folded syllables (letters and digits) of a text."""
    return _SYLLABLE.findall(fold(_GLUED_ACRONYM.sub(r"\1 ", text)))


def terms(tokens: list[str]) -> list[str]:
    """Unigrams and bigrams ("a_b") of a syllable list."""
    return tokens + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:])]


_VOWELS = set("aeiouy")


def acronym_spans(tokens: list[str]) -> dict[str, frozenset[str]]:
    """Acronyms of 3–6 consecutive syllables ("tiến bộ kỹ thuật" → "#tbkt") and the syllables behind them."""
    plain = [strip_diacritics(t) for t in tokens]
    spans: dict[str, frozenset[str]] = {}
    for n in range(3, 7):
        for i in range(len(plain) - n + 1):
            spans.setdefault("#" + "".join(p[:1] for p in plain[i : i + n]), frozenset(plain[i : i + n]))
    return spans


def acronym_terms(tokens: list[str]) -> list[str]:
    """The acronym terms of a syllable list (see :func:`acronym_spans`)."""
    return list(acronym_spans(tokens))


def looks_like_acronym(token: str) -> bool:
    """A 3–7 letter token without vowels ("tbkt", "dvmtr") is an acronym, not a word."""
    plain = strip_diacritics(token)
    return 3 <= len(plain) <= 7 and plain.isalpha() and not (set(plain) & _VOWELS)


def document_terms(text: str) -> list[str]:
    """Indexed terms of a field: syllables and bigrams of the text with abbreviations written out."""
    return terms(syllables(default_table().expand(fold(text))))


@dataclass(frozen=True)
class QueryWords:
    """Aspect phrases (weighted down) and stop phrases (dropped), as folded syllable tuples."""

    aspect: tuple[tuple[str, ...], ...]
    stop: tuple[tuple[str, ...], ...]


@lru_cache(maxsize=2)
def query_words(path: str = str(KB_DIR / "query_words.yml")) -> QueryWords:
    """Read the aspect/stop word lists."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}

    def phrases(key: str) -> tuple[tuple[str, ...], ...]:
        items = {tuple(fold(str(p)).split()) for p in raw.get(key) or []}
        return tuple(sorted(items, key=len, reverse=True))

    return QueryWords(aspect=phrases("aspect"), stop=phrases("stop"))


SYNONYMS_FILE = str(KB_DIR / "synonyms.yml")
AliasPairs = tuple[tuple[tuple[str, ...], str], ...]


def aliases(path: str = SYNONYMS_FILE) -> AliasPairs:
    """(plain syllables of a citizen's phrase, catalogue phrase) pairs, longest phrase first.

    From the synonyms file, unless :func:`set_synonyms` replaced it (the default file only).
    """
    override = _override
    if override is not None and path == SYNONYMS_FILE:
        return override[0]
    return _file_aliases(path)


@lru_cache(maxsize=2)
def _file_aliases(path: str) -> AliasPairs:
    return _alias_pairs(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})


def _alias_pairs(raw: Mapping[str, Any]) -> AliasPairs:
    pairs = []
    for target, phrases in (raw.get("aliases") or {}).items():
        for phrase in phrases or []:
            pairs.append((tuple(strip_diacritics(fold(str(phrase))).split()), fold(str(target))))
    return tuple(sorted(pairs, key=lambda pair: len(pair[0]), reverse=True))


@dataclass(frozen=True)
class ConceptRule:
    """A need said in scattered words: every group has one of its phrases in the question, none of ``unless``.

    "sửa ngày sinh trong giấy khai sinh" names no procedure, yet a change word and a civil-status detail
    together mean the correction procedure; an alias phrase cannot express that, a rule can.
    """

    target: str  # the catalogue phrase searched for as well
    groups: tuple[tuple[tuple[str, ...], ...], ...]
    unless: tuple[tuple[str, ...], ...]


def concept_rules(path: str = SYNONYMS_FILE) -> tuple[ConceptRule, ...]:
    """The ``concepts`` section of the synonyms file (or of :func:`set_synonyms`' document)."""
    override = _override
    if override is not None and path == SYNONYMS_FILE:
        return override[1]
    return _file_concept_rules(path)


@lru_cache(maxsize=2)
def _file_concept_rules(path: str) -> tuple[ConceptRule, ...]:
    return _rules(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})


def _rules(raw: Mapping[str, Any]) -> tuple[ConceptRule, ...]:
    def phrases(items: list[object]) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(fold(str(item)).split()) for item in items)

    return tuple(
        ConceptRule(
            target=fold(str(rule["search"])),
            groups=tuple(phrases(group) for group in rule.get("when_all") or []),
            unless=phrases(rule.get("unless") or []),
        )
        for rule in raw.get("concepts") or []
        if rule.get("search") and rule.get("when_all")
    )


# A process-wide replacement of the synonyms file: (aliases, concept rules), or None to read the file.
# One tuple swapped in one assignment, so a question is analysed with either the old or the new set.
_override: tuple[AliasPairs, tuple[ConceptRule, ...]] | None = None


def set_synonyms(document: Mapping[str, Any] | None) -> None:
    """Use ``document`` (synonyms.yml's shape) instead of the synonyms file; None goes back to the file.

    Process-wide, from the next question analysed on. The staff console calls it after every change to
    its stored aliases and concept rules.
    """
    global _override
    _override = None if document is None else (_alias_pairs(document), _rules(document))
    _file_aliases.cache_clear()
    _file_concept_rules.cache_clear()


def _phrase_starts(tokens: list[str], phrase: tuple[str, ...]) -> list[int]:
    """Where a listed phrase occurs in the question's syllables (see :func:`_same`)."""
    size = len(phrase)
    return [
        i
        for i in range(len(tokens) - size + 1)
        if all(_same(t, p) for t, p in zip(tokens[i : i + size], phrase))
    ]


def _has_phrase(tokens: list[str], phrase: tuple[str, ...]) -> bool:
    return bool(_phrase_starts(tokens, phrase))


def _concepts(tokens: list[str]) -> list[str]:
    """Targets of the concept rules the question satisfies."""
    return [
        rule.target
        for rule in concept_rules()
        if all(any(_has_phrase(tokens, p) for p in group) for group in rule.groups)
        and not any(_has_phrase(tokens, p) for p in rule.unless)
    ]


@dataclass(frozen=True)
class AnalyzedQuery:
    """A question prepared for retrieval."""

    text: str  # folded, abbreviations expanded
    syllables: tuple[str, ...]  # accented syllables, in order
    weights: tuple[float, ...]  # per syllable: 1 topic word, <1 aspect word, 0 stop word
    expansions: tuple[str, ...]  # catalogue phrases found through aliases
    accented: bool  # the citizen typed diacritics

    @property
    def topic_text(self) -> str:
        """The question without aspect and stop words (what the procedure is about)."""
        kept = [s for s, w in zip(self.syllables, self.weights) if w >= 1.0]
        return " ".join(kept + list(self.expansions)) or self.text


def _same(typed: str, listed: str) -> bool:
    """A typed syllable is the listed one: exactly when typed with marks, accent-blind when typed without."""
    return typed == listed if strip_diacritics(typed) != typed else typed == strip_diacritics(listed)


def _mark(
    tokens: list[str], phrases: tuple[tuple[str, ...], ...], weights: list[float], value: float
) -> None:
    for phrase in phrases:
        size = len(phrase)
        for i in _phrase_starts(tokens, phrase):
            if all(w == 1.0 for w in weights[i : i + size]):
                for j in range(i, i + size):
                    weights[j] = value


ASPECT_WEIGHT = 0.25


def analyze_query(text: str) -> AnalyzedQuery:
    """Fold, expand abbreviations, weight aspect/stop words, find aliases."""
    folded = fold(default_table().expand(fold(text)))
    tokens = syllables(folded)
    plain = [strip_diacritics(t) for t in tokens]
    weights = [1.0] * len(tokens)
    words = query_words()
    _mark(tokens, words.aspect, weights, ASPECT_WEIGHT)
    _mark(tokens, words.stop, weights, 0.0)
    expansions: list[str] = []
    joined = f" {' '.join(plain)} "
    for phrase, target in aliases():
        if f" {' '.join(phrase)} " in joined and target not in expansions:
            expansions.append(target)
    expansions += [target for target in _concepts(tokens) if target not in expansions]
    return AnalyzedQuery(
        text=folded,
        syllables=tuple(tokens),
        weights=tuple(weights),
        expansions=tuple(expansions),
        accented=strip_diacritics(folded) != folded,
    )


def weighted_terms(query: AnalyzedQuery, plain: bool) -> dict[str, float]:
    """Query terms with weights: a bigram weighs the smaller of its two syllables."""
    tokens = [strip_diacritics(s) if plain else s for s in query.syllables]
    out: dict[str, float] = {}
    for token, weight in zip(tokens, query.weights):
        if weight > 0:
            out[token] = max(out.get(token, 0.0), weight)
    for (a, wa), (b, wb) in zip(zip(tokens, query.weights), zip(tokens[1:], query.weights[1:])):
        weight = min(wa, wb)
        if weight > 0:
            out[f"{a}_{b}"] = max(out.get(f"{a}_{b}", 0.0), weight)
    for token, weight in zip(tokens, query.weights):
        if weight > 0 and looks_like_acronym(token):
            out["#" + strip_diacritics(token)] = 1.0
    for expansion in query.expansions:
        exp_tokens = syllables(strip_diacritics(expansion) if plain else expansion)
        for term in terms(exp_tokens):
            out[term] = max(out.get(term, 0.0), 0.8)
    return out
