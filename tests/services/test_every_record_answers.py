"""Every aspect of every procedure of the derived knowledge base: an answer that reads the record's structure.

The knowledge base is read once and every answer composed once (module fixtures); each test then checks
one property over all of them and lists the procedures that break it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import partial

import pytest

from bot.knowledge.fees import MIN_DONG_VALUE, format_vnd
from bot.knowledge.model import Procedure
from bot.knowledge.portal_records import TIME_UNITS
from bot.knowledge.store import read_procedures
from bot.services import documents_answer, fee_answer, processing_time
from bot.services.procedure_answers import MAX_REPLY_CHARS, Aspect, compose

Answers = dict[tuple[str, Aspect], str]

ENGLISH_THOUSANDS = re.compile(r"\d{1,3},\d{3}")
nfc = partial(
    unicodedata.normalize, "NFC"
)  # the answers compose accents; some file names in the records do not
# Each composer keeps to its own target; compose()'s cut is the last resort and never needed.
ASPECT_TARGET_CHARS = {
    Aspect.DOCUMENTS: documents_answer.TARGET_CHARS,
    Aspect.FEE: fee_answer.TARGET_CHARS,
    Aspect.TIME: processing_time.TARGET_CHARS,
}


@pytest.fixture(scope="module")
def procedures() -> list[Procedure]:
    return read_procedures()


@pytest.fixture(scope="module")
def answers(procedures: list[Procedure]) -> Answers:
    return {(p.code, aspect): compose(p, aspect) for p in procedures for aspect in Aspect}


def _body(text: str) -> str:
    return text.rsplit("\nNguồn: ", 1)[0]


def _methods_with(procedures: list[Procedure], unit_known: bool) -> list[tuple[Procedure, float, str]]:
    return [
        (p, m.time_value, m.time_unit)
        for p in procedures
        for m in p.submission_methods
        if m.time_value is not None and (m.time_unit in TIME_UNITS) == unit_known
    ]


def test_the_knowledge_base_is_the_portals_records(procedures: list[Procedure]) -> None:
    # An empty or old file would make every check below pass for nothing.
    assert len(procedures) > 5000
    assert sum(p.source == "portal_records" for p in procedures) > 5000


def test_no_answer_is_empty_and_every_answer_cites_the_portal_page(
    procedures: list[Procedure], answers: Answers
) -> None:
    empty, uncited = [], []
    for p in procedures:
        for aspect in Aspect:
            text = answers[(p.code, aspect)]
            if len(re.findall(r"\w+", _body(text))) < 3:
                empty.append((p.code, aspect.name))
            if f"(mã {p.code})" not in text or not text.endswith(p.url):
                uncited.append((p.code, aspect.name))
    assert empty == [] and uncited == []


def test_every_answer_fits_a_bubble_without_the_last_resort_cut(answers: Answers) -> None:
    too_long = [key for key, text in answers.items() if len(text) > MAX_REPLY_CHARS]
    cut = [key for key, text in answers.items() if _body(text).endswith("\n…")]
    assert too_long == [] and cut == []


@pytest.mark.parametrize("aspect", list(ASPECT_TARGET_CHARS))
def test_long_aspects_keep_to_a_phone_screen(
    procedures: list[Procedure], answers: Answers, aspect: Aspect
) -> None:
    limit = ASPECT_TARGET_CHARS[aspect]
    over = [p.code for p in procedures if len(_body(answers[(p.code, aspect)])) > limit]
    assert over == []


def test_no_number_is_written_the_english_way(answers: Answers) -> None:
    english = {key: m.group(0) for key, text in answers.items() if (m := ENGLISH_THOUSANDS.search(text))}
    assert english == {}


def test_every_fee_value_is_shown_in_dong(procedures: list[Procedure], answers: Answers) -> None:
    priced = [(p, f.value) for p in procedures for m in p.submission_methods for f in m.fees if f.value > 0]
    assert len(priced) > 1000  # the catalogue has amounts; an empty check would prove nothing
    hidden, misread = [], []
    for p, value in priced:
        text = answers[(p.code, Aspect.FEE)]
        if value >= MIN_DONG_VALUE and format_vnd(value) not in text:
            hidden.append((p.code, value))
        if value < MIN_DONG_VALUE:
            # Not an amount in đồng (US dollars, thousands): said as the record gives it, never "25 đồng".
            if not re.search(rf"(?<![\d.]){value}\b", text):
                hidden.append((p.code, value))
            if re.search(rf"(?<![\d.]){value} đồng", text):
                misread.append((p.code, value))
    assert hidden == [] and misread == []


def test_a_fee_the_record_gives_is_never_said_to_be_missing(
    procedures: list[Procedure], answers: Answers
) -> None:
    denied = [
        p.code
        for p in procedures
        if p.submission_methods
        and all(m.fees for m in p.submission_methods)
        and re.search(r"chưa (?:ghi|có thông tin) phí|không ghi", _body(answers[(p.code, Aspect.FEE)]))
        and not any(0 < f.value < MIN_DONG_VALUE for m in p.submission_methods for f in m.fees)
    ]
    assert denied == []


def test_every_time_with_a_unit_shows_the_unit(procedures: list[Procedure], answers: Answers) -> None:
    timed = _methods_with(procedures, unit_known=True)
    assert len(timed) > 10000
    missing = [
        (p.code, value, unit)
        for p, value, unit in timed
        if f"{value:g}".replace(".", ",") + f" {TIME_UNITS[unit]}" not in answers[(p.code, Aspect.TIME)]
    ]
    assert missing == []


def test_a_time_without_a_unit_is_never_given_a_guessed_one(
    procedures: list[Procedure], answers: Answers
) -> None:
    bare = _methods_with(procedures, unit_known=False)
    assert len(bare) > 500
    unexplained = [
        p.code
        for p, _, _ in bare
        if "không ghi đơn vị" not in answers[(p.code, Aspect.TIME)]  # either said missing or its source named
    ]
    assert unexplained == []


def test_every_template_form_shows_its_file_and_where_to_download_it(
    procedures: list[Procedure], answers: Answers
) -> None:
    with_template = [p for p in procedures if any(d.template for d in p.documents)]
    assert len(with_template) > 2500
    missing = []
    for p in with_template:
        text = answers[(p.code, Aspect.DOCUMENTS)]
        files = [nfc(name.strip()) for d in p.documents if d.template for name in d.form.split(";")]
        # A long file name keeps its start (the rest is on the portal page, which the answer links).
        if not any(name[:20] in text for name in files) or documents_answer.DOWNLOAD_NOTE not in text:
            missing.append(p.code)
    assert missing == []


def test_counts_are_said_without_zeros(answers: Answers) -> None:
    dossiers = {key: text for key, text in answers.items() if key[1] is Aspect.DOCUMENTS}
    zero = [key for key, text in dossiers.items() if re.search(r"\b0 bản", text)]
    assert zero == []


def test_legal_bases_keep_their_numbers(procedures: list[Procedure], answers: Answers) -> None:
    lost = [
        p.code
        for p in procedures
        if p.legal_basis
        and p.legal_basis[0].number
        and p.legal_basis[0].number not in answers[(p.code, Aspect.LEGAL)]
    ]
    assert lost == []


@pytest.mark.parametrize(
    ("aspect", "empty", "said"),
    [
        (Aspect.RESULT, lambda p: not p.results, "chưa ghi kết quả giải quyết"),
        (
            Aspect.LEGAL,
            lambda p: not p.legal_basis and not p.fallback.get("can_cu_phap_ly"),
            "chưa ghi căn cứ",
        ),
        (Aspect.STEPS, lambda p: not p.steps, "chưa ghi trình tự"),
        (Aspect.FEE, lambda p: not any(m.fees or m.fee_text for m in p.submission_methods), "chưa ghi phí"),
        (
            Aspect.WHERE,
            lambda p: not (p.implementing_agency or p.competent_agency or p.receiving_address),
            "chưa ghi cơ quan",
        ),
    ],
)
def test_an_aspect_the_record_leaves_empty_says_so(
    procedures: list[Procedure], answers: Answers, aspect: Aspect, empty, said: str
) -> None:
    silent = [p.code for p in procedures if empty(p) and said not in answers[(p.code, aspect)]]
    assert silent == []
