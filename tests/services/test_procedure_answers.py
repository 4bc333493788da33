import pytest

from bot.knowledge.store import read_procedures
from bot.services.procedure_answers import MAX_REPLY_CHARS, Aspect, compose

PROCEDURES = {p.code: p for p in read_procedures()}


@pytest.mark.parametrize("aspect", list(Aspect))
@pytest.mark.parametrize("code", ["1.001193", "1.004222", "1.001456", "1.011325"])
def test_every_aspect_fits_a_bubble_and_cites_its_source(code: str, aspect: Aspect) -> None:
    procedure = PROCEDURES[code]
    text = compose(procedure, aspect)
    assert len(text) <= MAX_REPLY_CHARS
    assert f"mã {code}" in text and procedure.url in text


def test_fees_per_method() -> None:
    text = compose(PROCEDURES["1.004222"], Aspect.FEE)
    assert "Trực tuyến: 10,000 đồng" in text and "Trực tiếp: 20,000 đồng" in text


def test_documents_list_counts() -> None:
    text = compose(PROCEDURES["1.011325"], Aspect.DOCUMENTS)
    assert "bản chính" in text and "bản sao" in text


def test_long_lists_are_cut_with_a_pointer_to_the_portal() -> None:
    procedure = max(PROCEDURES.values(), key=lambda p: len(p.documents))
    assert len(procedure.documents) > 8
    text = compose(procedure, Aspect.DOCUMENTS)
    assert "xem đầy đủ" in text and len(text) <= MAX_REPLY_CHARS


def test_legal_basis_names_document_numbers() -> None:
    text = compose(PROCEDURES["1.001193"], Aspect.LEGAL)
    assert "123/2015/NĐ-CP" in text


def test_bare_number_time_says_the_unit_is_not_stated() -> None:
    text = compose(PROCEDURES["1.001193"], Aspect.TIME)
    assert "đơn vị không ghi" in text


def test_online_submission_answer() -> None:
    assert compose(PROCEDURES["1.004222"], Aspect.ONLINE).startswith("Có, thủ tục này nộp trực tuyến được")


def test_unknown_intent_gives_an_overview() -> None:
    assert Aspect.from_intent("greet") is Aspect.OVERVIEW
