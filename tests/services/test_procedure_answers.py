import re

import pytest

from bot.knowledge.fees import format_vnd
from bot.knowledge.model import Procedure, SubmissionMethod
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


def test_fees_per_method_in_vietnamese_style() -> None:
    procedure = PROCEDURES["1.004222"]  # registering a permanent residence: cheaper online
    text = compose(procedure, Aspect.FEE)
    for method in procedure.submission_methods:
        for fee in method.fees:
            assert f"• {method.method}: Lệ phí {format_vnd(fee.value)}" in text
    assert "Lệ phí 10.000 đồng" in text and not re.search(r"\d,\d{3}", text)


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


def test_time_is_shown_with_its_unit_in_lower_case() -> None:
    assert "• Trực tuyến, Dịch vụ bưu chính, Trực tiếp: 8 ngày làm việc" in compose(
        PROCEDURES["1.001456"], Aspect.TIME
    )


def test_a_bare_number_takes_its_unit_from_the_procedures_steps() -> None:
    # The portal shows "1"; the steps say results come "trong ngày làm việc tiếp theo".
    text = compose(PROCEDURES["1.001193"], Aspect.TIME)
    assert ": 1 ngày làm việc" in text and "đơn vị lấy từ phần trình tự thực hiện" in text


def test_a_bare_number_without_a_stated_unit_says_so_without_guessing() -> None:
    procedure = PROCEDURES["1.000894"]
    assert {m.time_unit for m in procedure.submission_methods} == {"OTHER"}
    text = compose(procedure, Aspect.TIME)
    assert "• Trực tuyến, Dịch vụ bưu chính, Trực tiếp: 1 (Cổng không ghi đơn vị)\n" in text
    assert "chỉ ghi số “1”, không ghi đơn vị" in text


def _timed(steps: tuple[str, ...], time_text: str) -> Procedure:
    return Procedure(
        code="9.999999",
        name="Thủ tục thử",
        url="https://dichvucong.gov.vn/x",
        catalogue="Bộ Tư pháp",
        steps=steps,
        submission_methods=(SubmissionMethod(method="Trực tiếp", time_text=time_text),),
    )


def test_a_time_limit_in_the_steps_gives_the_unit_but_a_date_does_not() -> None:
    stated = _timed(
        ("Bước 2: Trong thời hạn 05 ngày làm việc kể từ ngày nhận đủ hồ sơ, cơ quan cấp phép.",), "5"
    )
    assert "• Trực tiếp: 5 ngày làm việc" in compose(stated, Aspect.TIME)
    dated = _timed(("Áp dụng từ ngày 01 tháng 8 năm 2026.",), "1")
    assert "không ghi đơn vị" in compose(dated, Aspect.TIME)


def test_overview_counts_what_to_bring_not_the_portals_rows() -> None:
    text = compose(PROCEDURES["1.000894"], Aspect.OVERVIEW)
    assert "• Hồ sơ: 2 mẫu đơn/tờ khai và 2 giấy tờ xuất trình" in text
    assert "23" not in text.split("Nguồn:")[0]


def test_online_submission_answer() -> None:
    assert compose(PROCEDURES["1.004222"], Aspect.ONLINE).startswith("Có, thủ tục này nộp trực tuyến được")


def test_unknown_intent_gives_an_overview() -> None:
    assert Aspect.from_intent("greet") is Aspect.OVERVIEW
