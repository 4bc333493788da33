"""Finding names, addresses, dates of birth, bank accounts and ID numbers with spaCy's ``Matcher``.

The text is cut into syllables, digit runs and punctuation by one regular expression of our
own and handed to a blank Vietnamese pipeline as a ready-made ``Doc`` (no pyvi, no model).
Each token's ``NORM`` is its folded form ("Nguyễn" → "nguyen") so triggers match with or without
diacritics; ``LOWER`` keeps the accents so word lists can tell "thì" from "Thị"; ``IS_TITLE``
carries capitalisation; ``TAG`` and ``LEMMA`` carry word classes worked out once per token
(may be part of a name / of a place name). spaCy is imported, and the pipeline built, on
first use only.

Patterns are registered under keys ``"<label>:<n>"``: the first ``n`` tokens of a match are
its trigger ("tên là"), the rest the personal data. See :mod:`bot.text.personal_data_lexicon`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from bot.text import personal_data_lexicon as lex
from bot.text.personal_data_address import addresses
from bot.text.vietnamese import normalize_syllable, strip_diacritics

if TYPE_CHECKING:
    from spacy.matcher import Matcher
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

Pattern = list[dict[str, Any]]
# (start, end, kind, priority) in characters; the caller resolves overlaps by priority.
Candidate = tuple[int, int, str, int]

TRIGGERED = 6  # priority of numbers read after an explicit trigger ("stk", "cccd", "sinh ngày")
ADDRESS, NAME = 1, 0

# Marks already in the text become one opaque token; syllables may carry decomposed diacritics.
_MARK_RE = "|".join(re.escape(mark) for mark in lex.MARKS.values())
_TOKEN = re.compile(rf"{_MARK_RE}|(?:[^\W\d_]|[\u0300-\u036f])+|\d+|\S")
_OPAQUE = "[pii]"
_VOCAB_LIMIT = 200_000  # the StringStore grows with every new word: rebuild past this size
_PROCEDURE_CODE = re.compile(r"[12]\.\d{6}")  # "theo mẫu TK 1.001023": a procedure, no account
_NOT_BIRTH = {"khai", "hoc", "phat", "ve"}  # khai sinh, học sinh, phát sinh, vệ sinh


def _forms(word: str) -> list[str]:
    """A keyword and its accent-free spelling, unless it ends with "!" (accented only)."""
    return [word[:-1]] if word.endswith("!") else sorted({word, strip_diacritics(word)})


def _compile(phrase: str, attr: str = "NORM") -> list[Pattern]:
    """Token patterns for a phrase of :mod:`personal_data_lexicon`, matched on ``attr``.

    ``NORM`` phrases are folded already; ``LOWER`` phrases are accented keywords that also
    match their accent-free spelling.
    """
    patterns = []
    for slots in lex.expand(phrase):
        pattern: Pattern = []
        for words, optional in slots:
            forms = sorted({f for w in words for f in _forms(w)}) if attr == "LOWER" else list(words)
            token: dict[str, Any] = {attr: forms[0] if len(forms) == 1 else {"IN": forms}}
            pattern.append({**token, "OP": "?"} if optional else token)
        patterns.append(pattern)
    return patterns


def _forms_token(word: str) -> dict[str, Any]:
    return {"LOWER": {"IN": _forms(word)}}


def _repeat(token: dict[str, Any], most: int) -> Pattern:
    """One ``token`` then up to ``most - 1`` more (spaCy 3.4 has no ``{n,m}`` operator)."""
    return [token] + [{**token, "OP": "?"} for _ in range(most - 1)]


# Word classes are worked out once per token in _make_doc and stored in TAG and LEMMA (unused
# otherwise: the Doc never leaves this module), because NOT_IN over a long stop list is a Python
# call per token and pattern state, the matcher's hot path; an equality test on TAG is not.
_NAME_STOP_SET = frozenset(lex.NAME_STOPS)
# "trùng" (same), "bé", "đâu", "bố" end a name but are common place syllables: "trung minh", "cai be".
_VALUE_STOP_SET = (_NAME_STOP_SET - {"trung", "be", "dau", "bo"}) | frozenset(lex.ADDRESS_BREAKS)
# Capitalised words that still end a place name: keywords and pronouns ("xóm Mới, Tôi muốn ...").
_TITLE_VALUE_STOPS = frozenset(lex.ADDRESS_BREAKS) | set(
    "tôi mình tui em anh chị ông bà cháu con và là".split()
)
_NAME_WORD = {"TAG": "NW"}  # a word that may be part of a name
_NAME_TITLE = {**_NAME_WORD, "IS_TITLE": True}
_NAME_UPPER = {**_NAME_WORD, "IS_UPPER": True, "LENGTH": {">=": 2}}
_VALUE_WORD = {"LEMMA": "VW"}  # a word that may be part of a place name
_VALUE_TITLE = {**_VALUE_WORD, "IS_TITLE": True}
_NUMBER: Pattern = [
    {"IS_DIGIT": True},
    {"ORTH": {"IN": ["/", "-"]}, "OP": "?"},
    {"IS_DIGIT": True, "OP": "?"},
    {"IS_UPPER": True, "LENGTH": 1, "OP": "?"},  # "12A", "5B"
]
_DIGIT_GROUPS: Pattern = [{"IS_DIGIT": True}]
for _ in range(5):  # "1903 4567 8901 23", "001.203.004.567"
    _DIGIT_GROUPS += [{"ORTH": {"IN": [".", "-"]}, "OP": "?"}, {"IS_DIGIT": True, "OP": "?"}]
# Words between a trigger and the digits: "stk của tôi là", "tài khoản Vietcombank số".
_FILLER = {
    "NORM": {"IN": ["la", ":", "so", "cua", "toi", "em", "minh", "ngan", "hang", *lex.BANKS]},
    "OP": "*",
}

_SHORT = {"IS_DIGIT": True, "LENGTH": {"<=": 2}}
_YEAR = {"IS_DIGIT": True, "LENGTH": 4}
_SEP = {"ORTH": {"IN": ["/", "-", "."]}}
_DATES: list[Pattern] = [
    [_SHORT, _SEP, _SHORT, _SEP, {"IS_DIGIT": True, "LENGTH": {"IN": [2, 4]}}],  # 12/05/1990
    [_SHORT, _SEP, _YEAR],  # 05/1990
    [_SHORT, {"ORTH": "/"}, _SHORT],  # 12/3
    [_YEAR, _SEP, _SHORT, _SEP, _SHORT],  # 1990-05-12
    [_SHORT, {"NORM": "thang"}, _SHORT, {"NORM": "nam", "OP": "?"}, _YEAR],  # "sinh ngày" 5 tháng 3 năm 2020
    [_SHORT, {"NORM": "thang"}, _SHORT],
    [{"NORM": "thang"}, _SHORT, {"NORM": "nam", "OP": "?"}, _YEAR],
    [_YEAR],
]


def _patterns() -> dict[str, list[Pattern]]:
    """Every pattern, keyed ``"<label>:<trigger length>"``."""
    keyed: dict[str, list[Pattern]] = {}

    def add(label: str, trigger: Pattern, payloads: list[Pattern]) -> None:
        keyed.setdefault(f"{label}:{len(trigger)}", []).extend(trigger + p for p in payloads)

    def triggered(
        label: str, phrases: list[str], payloads: list[Pattern], extra: Pattern | None = None
    ) -> None:
        for phrase in phrases:
            for trigger in _compile(phrase):
                add(label, trigger + (extra or []), payloads)

    triggered("name", lex.NAME_TRIGGERS, [_repeat(_NAME_WORD, 5)])
    # "ông NGUYỄN VĂN AN"; one upper-case word alone is an acronym ("là TNXP").
    capitalised = [_repeat(_NAME_TITLE, 5), [_NAME_UPPER, *_repeat(_NAME_UPPER, 4)]]
    triggered("name", lex.NAME_TITLE_TRIGGERS, capitalised)
    add("name_honorific", [{"LOWER": {"IN": lex.HONORIFICS}}], capitalised)
    add("name_surname", [], [[{"LOWER": {"IN": lex.SURNAMES}, "IS_TITLE": True}, *_repeat(_NAME_TITLE, 3)]])
    triggered("name_role", lex.ROLE_TRIGGERS, [_repeat(_NAME_TITLE, 4)])
    # 2-4 syllables led by a family name; Hmong names have "a": "giang a pao".
    sur, more = {"LOWER": {"IN": sorted(lex.LOWER_SURNAMES)}}, _repeat(_NAME_WORD, 3)[1:]
    triggered("name_lower", lex.SURNAME_TRIGGERS, [[sur, _NAME_WORD, *more], [sur, {"NORM": "a"}, *more]])
    triggered("birth_date", lex.BIRTH_TRIGGERS, _DATES)
    triggered("birth_date", ["sn (:)?"], [_DATES[0], _DATES[3]])  # "sn" is "số nhà" too: full dates only
    triggered("bank_account", lex.BANK_TRIGGERS, [_DIGIT_GROUPS], [_FILLER])
    # A few words may come between: "cccd moi 017 192 007 890", "CCCD gắn chip ...".
    triggered("cccd", lex.ID_TRIGGERS, [_DIGIT_GROUPS], [_FILLER, *_repeat({"IS_ALPHA": True, "OP": "?"}, 4)])

    def keywords(phrases: list[str]) -> list[Pattern]:
        return [pattern for phrase in phrases for pattern in _compile(phrase, "LOWER")]

    words, title, number = _repeat(_VALUE_WORD, 4), _repeat(_VALUE_TITLE, 4), _NUMBER
    fine = [k + number for k in keywords(lex.ADDRESS_NUMBER_KEYWORDS)]
    fine += [k + v for k in keywords(lex.ADDRESS_WORD_KEYWORDS) for v in (words, number)]
    fine += [k + title for k in keywords(lex.ADDRESS_TITLE_KEYWORDS)]
    for street in keywords(lex.ADDRESS_STREET_KEYWORDS):
        # "số 45 đường trần hưng đạo", "45 phố Lê Lợi"; not "02 đường truyền" (two lines).
        fine += [[_forms_token("số"), *number, *street, *words], number + street + title]
    ambiguous = [{"ORTH": {"IN": lex.AMBIGUOUS_VILLAGE_KEYWORDS}}]
    fine += [ambiguous + title, ambiguous + number]
    add("addr_fine", [], fine)
    # Any lower-case words ("xom dung", "ban na phon"): they count only when a commune follows.
    loose = {"IS_ALPHA": True, "IS_LOWER": True, "NORM": {"NOT_IN": sorted(lex.ADDRESS_BREAKS)}}
    villages = [{"ORTH": {"IN": [*lex.AMBIGUOUS_VILLAGE_KEYWORDS, "xom", "thon", "xóm", "thôn"]}}]
    add("addr_amb", [], [villages + _repeat(loose, 3)])
    lower = {**_VALUE_WORD, "IS_LOWER": True}
    add("addr_lbare", [], [[lower, *_repeat(lower, 2)]])  # "..., xa phu vinh, tan lac"
    add("addr_admin", [], [k + v for k in keywords(lex.ADDRESS_ADMIN_KEYWORDS) for v in (words, number)])
    add("addr_street", [], [k + v for k in keywords(lex.ADDRESS_STREET_KEYWORDS) for v in (words, number)])
    # "số 8" joins an address ("số 8 ngõ 5") but is no address by itself ("thửa đất số 120").
    add("addr_number", [], [[_forms_token("số"), *number]])
    # "15 Trần Hưng Đạo"; a one-letter word would be a plate series ("88A 12345").
    add("addr_house", [], [number + [{**_VALUE_TITLE, "LENGTH": {">=": 2}}] + title[1:]])
    add("addr_bare", [], [title])
    add("addr_strong", [], [p for phrase in lex.ADDRESS_STRONG_TRIGGERS for p in _compile(phrase)])
    add("addr_weak", [], [p for phrase in lex.ADDRESS_WEAK_TRIGGERS for p in _compile(phrase)])
    return keyed


@dataclass
class _Pipeline:
    """The blank pipeline's vocabulary and the matcher built on it."""

    vocab: Vocab
    matcher: Matcher
    labels: dict[int, tuple[str, int]] = field(default_factory=dict)


_PIPELINE: _Pipeline | None = None
_LOCK = threading.Lock()


def _pipeline() -> _Pipeline:
    """The shared pipeline, built on first use (and again when its vocabulary grew too large)."""
    global _PIPELINE
    current = _PIPELINE
    if current is not None and len(current.vocab.strings) < _VOCAB_LIMIT:
        return current
    with _LOCK:
        if _PIPELINE is None or len(_PIPELINE.vocab.strings) >= _VOCAB_LIMIT:
            import spacy  # lazily: importing bot.text must stay light
            from spacy.matcher import Matcher

            nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
            matcher = Matcher(nlp.vocab)
            labels: dict[int, tuple[str, int]] = {}
            for key, patterns in _patterns().items():
                matcher.add(key, patterns)
                label, trigger = key.split(":")
                labels[nlp.vocab.strings[key]] = (label, int(trigger))
            _PIPELINE = _Pipeline(nlp.vocab, matcher, labels)
        return _PIPELINE


def _make_doc(vocab: Vocab, text: str) -> tuple[Doc, list[tuple[int, int]]]:
    """Our own tokens of ``text`` as a Doc, with each token's character offsets."""
    from spacy.tokens import Doc

    words: list[str] = []
    norms: list[str] = []
    tags: list[str] = []  # NW: name word, ST: stop word, O: not a word
    lemmas: list[str] = []  # VW: place-name word, VS: not one
    offsets: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(text):
        piece = match.group(0)
        tag = lemma = "O"
        if piece in lex.MARKS.values():
            word = norm = _OPAQUE
        elif piece.isdigit():
            word = norm = "0" * len(piece)  # only digit count matters; keeps the vocabulary small
        else:
            word = piece if piece.isascii() else normalize_syllable(piece)
            lower = word.lower()
            norm = strip_diacritics(lower)
            if word.isalpha():
                # A capitalised accent-free word is a proper noun typed without accents ("thị trấn
                # Bo", "Nguyễn Văn A"), not the function word it folds to ("bố", "à").
                proper = word.istitle() and word.isascii()
                tag = "ST" if lower in _NAME_STOP_SET and not proper else "NW"
                if word.istitle():  # place names are capitalised: "Lý Thường Kiệt", "Tân Mai"
                    lemma = "VS" if lower in _TITLE_VALUE_STOPS else "VW"
                else:
                    lemma = "VS" if lower in _VALUE_STOP_SET else "VW"
        words.append(word)
        norms.append(norm)
        tags.append(tag)
        lemmas.append(lemma)
        offsets.append(match.span())
    spaces = [end < next_start for (_, end), (next_start, _) in zip(offsets, offsets[1:])] + [False]
    doc = Doc(vocab, words=words, spaces=spaces[: len(words)], tags=tags, lemmas=lemmas)
    for token, norm in zip(doc, norms):
        token.norm_ = norm
    return doc, offsets


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of overlapping token intervals, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Drop punctuation at both ends ("12 /" → "12")."""
    while start < end and not doc[start].is_alpha and not doc[start].is_digit:
        start += 1
    while end > start and not doc[end - 1].is_alpha and not doc[end - 1].is_digit:
        end -= 1
    return start, end


def _name_ok(doc: Doc, start: int, end: int, label: str) -> bool:
    """False for places ("Mai Châu"), streets and agencies ("đường Trần Phú") read as names."""
    if doc[start].lower_ in lex.AGENCY_WORDS:
        return False  # "Chi Cục Thủy sản", "Chủ tịch Ủy ban" are agencies
    if label == "name_role":
        return doc[start].lower_ not in lex.ROLE_NOT_NAME  # "cán bộ Tư pháp" is an office
    if (
        label == "name_lower"
        and end - start >= 2
        and f"{doc[start].norm_} {doc[start + 1].norm_}" in lex.NOT_NAME_PAIRS
    ):
        return False  # "toi la chu ho", "ten ho so"
    folded = " ".join(t.norm_ for t in doc[start:end])
    if any(folded == place or folded.startswith(place + " ") for place in lex.PLACES):
        return False
    # The word before the name ("đường Trần Phú") or before its honorific ("phố Bà Triệu").
    before_at = start - 1 if label == "name_surname" else start - 2 if label == "name_honorific" else -1
    if before_at >= 0:
        before = doc[before_at]
        if before.text == "-" and all(not t.is_alpha for t in doc[end:]):
            return True  # a signature: "... xin cảm ơn - Bùi Văn Nam"
        return not before.is_digit and before.norm_ not in lex.PLACE_CONTEXT
    return True


def _placeholder_initial(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Take in the initial of "nguyen van a" (the Vietnamese John Doe); "a" is a stop word otherwise."""
    if (
        end < len(doc)
        and len(doc[end].text) == 1
        and doc[end].is_alpha
        and doc[end - 1].norm_ in ("van", "thi")
    ):
        end += 1
    return start, end


def _drop_copula(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Leave out an accent-free "la" (là) read as the family name La: "ten la giang a pao"."""
    if end - start >= 3 and doc[start].text == "la" and doc[start + 1].lower_ in lex.LOWER_SURNAMES:
        start += 1
    return start, end


def _digit_count(doc: Doc, start: int, end: int) -> int:
    return sum(len(t.text) for t in doc[start:end] if t.is_digit)


def _vetoed(label: str, doc: Doc, start: int, end: int) -> bool:
    """True for a match that the words around it show to be something else."""
    before = doc[start - 1] if start > 0 else None
    if label == "birth_date":
        if before is not None and before.norm_ in _NOT_BIRTH:
            return True  # "khai sinh ngày 5/3": a filing date
        # A year alone about anybody: "người sinh năm 1960 thì ...", "sinh năm 1990 thì bao nhiêu tuổi".
        after = doc[end].norm_ if end < len(doc) else ""
        year_only = doc[end - 1].is_digit and (end < 2 or doc[end - 2].norm_ == "nam")
        around = {t.norm_ for t in doc[max(0, start - 2) : start]}  # "trẻ em sinh năm 2020"
        generic = bool(around & lex.GENERIC_BORN) if before is not None else after == "thi"
        return year_only and generic
    if label == "name":
        # "không còn là Trưởng ..." and "chứng minh là" fold like "con là" / "mình là".
        return doc[start].lower_ == "còn" or (before is not None and before.norm_ == "chung")
    if label not in ("addr_fine", "addr_admin", "addr_amb"):
        return False
    if doc[start].norm_ == "ban" and start + 1 < len(doc) and doc[start + 1].norm_ in lex.BOARD_WORDS:
        return True  # "ban Giám đốc", "Ban Tiếp công dân": a board
    if doc[start].norm_ == "sn" and [t.text for t in doc[start + 2 : start + 5]][::2] == ["/", "/"]:
        return True  # "sn 12/3/1990": a date of birth, not a house number
    if doc[start].text == "Bản" and (before is None or before.norm_ in lex.NOT_VILLAGE_BEFORE):
        return True  # a heading: "Bản Thông báo ...", "Bản Thanh lý hợp đồng"
    if before is None:
        return False
    if " ".join(t.norm_ for t in doc[start : start + 3]).startswith(tuple(lex.NOT_ADDRESS_VALUES)):
        return True  # "o xa trung tam huyen": far from the centre
    if f"{before.norm_} {doc[start].norm_}" in lex.NOT_ADDRESS:
        return True  # "nông thôn" (countryside)
    if label == "addr_fine" and before.norm_ in lex.FACILITY_BEFORE:
        return True  # "Nhà văn hóa thôn Đồng Tâm ở đâu": a public place
    return doc[start].norm_ == "ban" and (before.is_digit or before.norm_ in lex.NOT_VILLAGE_BEFORE)


def find_candidates(text: str) -> list[Candidate]:
    """Names, addresses, dates of birth and triggered bank / ID numbers in ``text``."""
    pipeline = _pipeline()
    doc, offsets = _make_doc(pipeline.vocab, text)
    if not len(doc):
        return []
    found: dict[str, list[tuple[int, int]]] = {}
    # spaCy's stubs type matches as triples; with_alignments adds each token's index in its pattern.
    matches = cast("list[tuple[int, int, int, list[int]]]", pipeline.matcher(doc, with_alignments=True))
    for match_id, start, end, alignment in matches:
        label, trigger_tokens = pipeline.labels[match_id]
        if _vetoed(label, doc, start, end):
            continue
        # Optional pattern tokens make the trigger's length vary: count the tokens it matched.
        payload = start + sum(1 for index in alignment if index < trigger_tokens)
        if payload < end:
            found.setdefault(label, []).append((payload, end))

    def spans(label: str) -> list[tuple[int, int]]:
        trimmed = (_trim(doc, *span) for span in _merge(found.get(label, [])))
        return [(start, end) for start, end in trimmed if start < end]

    def text_of(span: tuple[int, int]) -> str:
        return text[offsets[span[0]][0] : offsets[span[1] - 1][1]]

    candidates: list[Candidate] = []

    def emit(kind: str, priority: int, found_spans: Iterable[tuple[int, int]]) -> None:
        for start, end in found_spans:
            if start < end:
                candidates.append((offsets[start][0], offsets[end - 1][1], kind, priority))

    for label in ("name", "name_honorific", "name_surname", "name_role", "name_lower"):
        names = [_placeholder_initial(doc, *_drop_copula(doc, *span)) for span in spans(label)]
        emit("name", NAME, [span for span in names if _name_ok(doc, *span, label)])
    emit("address", ADDRESS, [_trim(doc, *span) for span in addresses(doc, found, offsets, text)])
    emit("birth_date", TRIGGERED, spans("birth_date"))
    accounts = [span for span in spans("bank_account") if not _PROCEDURE_CODE.fullmatch(text_of(span))]
    emit("bank_account", TRIGGERED, [span for span in accounts if 6 <= _digit_count(doc, *span) <= 19])
    emit("cccd", TRIGGERED, [span for span in spans("cccd") if _digit_count(doc, *span) in (9, 12)])
    return candidates
