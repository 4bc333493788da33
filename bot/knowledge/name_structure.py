"""The structure of a procedure's name — action, object, qualifiers, level — and what a question asks for.

Names of the catalogue follow one pattern: "[Thủ tục] <action(s)> <object> [qualifiers] [(level)]", e.g.
"Cấp lại | thẻ căn cước | (thực hiện tại cấp tỉnh)" or "Đăng ký lại | khai sinh | có yếu tố nước ngoài".
Sibling procedures differ in one part only, so comparing the parts with the question separates them
where shared words cannot. The vocabularies below are closed grammatical classes of administrative
Vietnamese (acts done to a document, level names), not phrases of particular questions; the qualifiers
are learned from the catalogue itself (what a name adds to a sibling's name).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge.analysis import AnalyzedQuery, looks_like_acronym, syllables
from bot.text.vietnamese import strip_diacritics

# Acts that change a document or a registration that already exists (accent-free), by kind. A name that
# starts with one of them is a variant of a base procedure ("Cấp lại thẻ căn cước" of "Cấp thẻ căn cước").
VARIANT_ACTS: dict[str, str] = {
    "cap lai": "reissue",
    "dang ky lai": "reissue",
    "lam lai": "reissue",
    "xin lai": "reissue",
    "cong bo lai": "reissue",
    "cap doi": "exchange",
    "doi": "exchange",
    "chuyen doi": "exchange",
    "gia han": "extend",
    "dieu chinh": "amend",
    "thay doi": "amend",
    "sua doi": "amend",
    "sua": "amend",
    "bo sung": "amend",
    "cai chinh": "amend",
    "thu hoi": "revoke",
    "huy": "revoke",
    "xoa": "revoke",
    "cham dut": "end",
    "trinh bao mat": "lost",
}
# A lost document ("bị mất hộ chiếu", "thất lạc chứng thư") asks for a report of loss or a re-issue; a
# damaged one ("thẻ bị nhòe", "rách") for an exchange or a re-issue — whichever the catalogue has.
LOST_KINDS = frozenset({"lost", "reissue"})
DAMAGED_KINDS = frozenset({"exchange", "reissue"})
DAMAGE_WORDS = frozenset({"hong", "rach", "nhoe", "mo", "bong"})
# "mất" means "lost" only before a document ("mất thẻ", "mất giấy phép") or after "bị / làm / đánh"; else
# it is "takes / costs" ("mất bao lâu", "mất phí") or "passed away" ("bố tôi mất").
LOSS_VERBS = frozenset({"bi", "lam", "danh", "lo", "that"})
DOCUMENT_NOUNS = frozenset(
    {"the", "giay", "so", "bang", "ho", "chung", "van", "bien", "phieu", "con", "cccd", "cmnd"}
)
# The action part of a name is within its first syllables (after "Thủ tục").
ACTION_SPAN = 6
# A base act listed before a comma is a verb of one to three syllables ("Cấp", "Đăng ký", "Công bố lại").
BASE_ACT_SYLLABLES = 3
# Level words: a sibling that differs only by them is left to the central/local preference.
LEVEL_WORDS = frozenset({"thuc", "hien", "tai", "cap", "tinh", "huyen", "xa", "trung", "uong", "bo", "tw"})
# A question that names the central level (or a ministry / department) may want the central variant.
CENTRAL_CUES = frozenset({"trung", "uong", "bo", "cuc"})

# Score adjustments (the fused first-stage score of the best candidate is about 1):
# the central variant of a procedure is the exception for a citizen: without a cue, prefer the local one.
CENTRAL_PENALTY = 0.05
# a variant the question does not ask for ("Cấp lại …" for "làm thẻ … ở đâu") is less likely than the base.
VARIANT_PENALTY = 0.1
# a sibling among the candidates has this name without its qualifier ("… của người nước ngoài", "… có yếu
# tố nước ngoài") and the question mostly does not mention the qualifier: the narrower procedure yields.
SIBLING_QUALIFIER_PENALTY = 0.1
# … "mostly": at least this share of the qualifier's idf weight is absent from the question (a question
# that says part of it — "lấy vợ người nước ngoài" for "có yếu tố nước ngoài" — keeps the narrower name).
UNASKED_SHARE = 0.7


@dataclass(frozen=True)
class QuestionStructure:
    """What a question says: its accent-free words (with weights) and the variant acts it asks for."""

    words: dict[str, float]
    acts: frozenset[str]

    @property
    def central_asked(self) -> bool:
        """The question names the central level or a central body."""
        return bool(CENTRAL_CUES & self.words.keys())


@dataclass(frozen=True)
class NameStructure:
    """The parts of one procedure's name that decide between siblings."""

    acts: frozenset[str]  # variant acts of the name's action part
    has_base_act: bool  # the action part also names the base act ("Cấp, cấp lại …")
    central: bool
    words: frozenset[str]  # accent-free words of the name (without "Thủ tục")

    def fit(self, question: QuestionStructure) -> float:
        """Score adjustment for how this name's structure fits the question."""
        adjustment = 0.0
        if self.central and not question.central_asked:
            adjustment -= CENTRAL_PENALTY
        # A variant ("Cấp lại …") fits when the question asks for its act, or when the name also offers
        # the base act ("Cấp, cấp lại …"); otherwise the base sibling is the likelier answer.
        if self.acts and not self.has_base_act and not self.acts & question.acts:
            adjustment -= VARIANT_PENALTY
        return adjustment


def _plain_words(name: str) -> list[str]:
    words = [strip_diacritics(s) for s in syllables(name)]
    return words[2:] if words[:2] == ["thu", "tuc"] else words


def _acts_in(plain: list[str]) -> frozenset[str]:
    """The variant acts named in accent-free syllables, longest phrase first ("thay đổi" is no "đổi")."""
    text = f" {' '.join(plain)} ".replace(" doi voi ", " ")  # "đối với" ("for"), not "đổi"
    acts = set()
    for phrase in sorted(VARIANT_ACTS, key=len, reverse=True):
        if f" {phrase} " in text:
            acts.add(VARIANT_ACTS[phrase])
            text = text.replace(f" {phrase} ", " | ")
    return frozenset(acts)


def _acts_at_start(name: str) -> tuple[frozenset[str], bool]:
    """The variant acts in a name's action part, and whether it also names the base act.

    The base act is offered when the name lists acts and the first is a plain one ("Cấp, cấp lại, cấp
    đổi …", "Đăng ký, điều chỉnh …"); "Đăng ký thay đổi nội dung …" is a variant only.
    """
    words = _plain_words(name)
    acts = _acts_in(words[:ACTION_SPAN])
    first = _plain_words(name.split(",", 1)[0]) if "," in name else []
    lists_base = 0 < len(first) <= BASE_ACT_SYLLABLES and not any(
        f" {phrase} " in f" {' '.join(first)} " for phrase in VARIANT_ACTS
    )
    return acts, lists_base and bool(acts)


def parse_name(name: str, levels: tuple[str, ...] = ()) -> NameStructure:
    """The structure of a procedure's name."""
    words = _plain_words(name)
    central = "trung uong" in " ".join(words) or tuple(levels) == ("Cấp bộ",)
    acts, has_base_act = _acts_at_start(name)
    return NameStructure(acts=acts, has_base_act=has_base_act, central=central, words=frozenset(words))


def question_acts(plain: list[str]) -> frozenset[str]:
    """The variant acts a question asks for (accent-free syllables in order)."""
    acts = set(_acts_in(plain))
    for i, word in enumerate(plain):
        following = plain[i + 1] if i + 1 < len(plain) else ""
        previous = plain[i - 1] if i > 0 else ""
        if word == "mat" and (previous in LOSS_VERBS or following in DOCUMENT_NOUNS):
            acts |= LOST_KINDS
        elif word == "lac" and previous == "that":
            acts |= LOST_KINDS
        elif word in DAMAGE_WORDS and previous == "bi":
            acts |= DAMAGED_KINDS
    return frozenset(acts)


def parse_question(query: AnalyzedQuery, restored: AnalyzedQuery) -> QuestionStructure:
    """The words of a question (typed and restored forms, alias expansions, acronyms) and its acts."""
    words: dict[str, float] = {}

    def add(word: str, weight: float) -> None:
        words[word] = max(words.get(word, 0.0), weight)

    # Every syllable counts, stop and aspect words too: names contain "của", "cho", "hồ sơ" … as well.
    for syllable in restored.syllables + query.syllables:
        add(strip_diacritics(syllable), 1.0)
    for expansion in restored.expansions:
        for syllable in syllables(expansion):
            add(strip_diacritics(syllable), 1.0)
    for syllable in query.syllables:
        if looks_like_acronym(syllable):
            add("#" + strip_diacritics(syllable), 1.0)
    plain = [strip_diacritics(s) for s in query.syllables]
    acts = question_acts(plain)
    if "lost" not in acts:
        # "mất bao lâu", "bố tôi mất": a name's "mất" (a report of loss) is not what was asked.
        words.pop("mat", None)
    return QuestionStructure(words, acts)


def unasked_qualifiers(
    candidates: list[int],
    structures: list[NameStructure],
    question: QuestionStructure,
    idf: list[dict[str, float]],
) -> set[int]:
    """Candidates whose name is a sibling's name plus a qualifier the question mostly does not mention."""
    narrower = set()
    for a in candidates:
        words_a = structures[a].words
        for b in candidates:
            words_b = structures[b].words
            if a == b or not words_b < words_a:
                continue
            extra = words_a - words_b
            if extra <= LEVEL_WORDS:
                continue
            weight = sum(idf[a].get(w, 0.0) for w in extra)
            unasked = sum(idf[a].get(w, 0.0) for w in extra if w not in question.words)
            if weight > 0 and unasked / weight >= UNASKED_SHARE:
                narrower.add(a)
                break
    return narrower
