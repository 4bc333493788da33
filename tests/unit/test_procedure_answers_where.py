"""Where to submit: the levels a citizen of the province goes to first, the agencies in that order."""

from bot.knowledge.model import Procedure, SubmissionMethod
from bot.services.procedure_answers import Aspect, compose
from bot.services.where_answer import agencies, agency_level, ordered_levels, where


def _procedure(**fields: object) -> Procedure:
    return Procedure(
        code="9.999995",
        name="Thủ tục thử",
        url="https://dichvucong.gov.vn/x",
        catalogue="Bộ Xây dựng",
        **fields,
    )  # type: ignore[arg-type]


def test_levels_are_named_with_the_citizens_first() -> None:
    assert ordered_levels(
        ("Cấp bộ", "Cơ quan khác", "Cấp tỉnh", "Cấp xã"), ("Cấp xã", "Cấp tỉnh", "Cấp bộ")
    ) == [
        "Cấp xã",
        "Cấp tỉnh",
        "Cấp bộ",
        "Cơ quan khác",
    ]
    assert ordered_levels(("Cấp bộ", "Cấp tỉnh"), ("Cấp tỉnh", "Cấp bộ")) == ["Cấp tỉnh", "Cấp bộ"]


def test_agency_names_holding_commas_stay_whole() -> None:
    assert agencies(
        "Sở Văn hóa, Thể thao và Du lịch, Ủy ban nhân dân cấp xã, phường, thị trấn, Cục Đường bộ Việt Nam"
    ) == [
        "Sở Văn hóa, Thể thao và Du lịch",
        "Ủy ban nhân dân cấp xã, phường, thị trấn",
        "Cục Đường bộ Việt Nam",
    ]
    assert [
        agency_level(n) for n in ("Công an cấp Xã", "Sở Xây dựng", "Cục Thuế - Bộ tài chính", "Cảng vụ")
    ] == [
        "Cấp xã",
        "Cấp tỉnh",
        "Cấp bộ",
        "",
    ]


def test_a_procedure_at_several_levels_lists_the_agencies_in_the_citizens_order() -> None:
    procedure = _procedure(
        levels=("Cấp bộ", "Cấp tỉnh", "Cấp xã"),
        implementing_agency="Cục Đường bộ Việt Nam, Sở Xây dựng, Ủy ban nhân dân cấp xã",
        receiving_address="Trung tâm Phục vụ hành chính công",
        submission_methods=(SubmissionMethod("Trực tiếp"), SubmissionMethod("Dịch vụ bưu chính")),
    )
    assert where(procedure) == [
        "Nơi nộp hồ sơ:",
        "• Cấp thực hiện: Cấp xã, Cấp tỉnh, Cấp bộ (tùy trường hợp)",
        "• Cơ quan thực hiện: Ủy ban nhân dân cấp xã (cấp xã); Sở Xây dựng (cấp tỉnh); "
        "Cục Đường bộ Việt Nam (cấp bộ)",
        "• Địa chỉ tiếp nhận: Trung tâm Phục vụ hành chính công",
        "• Cách nộp: trực tiếp, qua bưu chính.",
    ]
    province_first = compose(procedure, Aspect.WHERE, citizen_levels=("Cấp tỉnh", "Cấp xã", "Cấp bộ"))
    assert "Cấp thực hiện: Cấp tỉnh, Cấp xã, Cấp bộ" in province_first
    assert "Sở Xây dựng (cấp tỉnh); Ủy ban nhân dân cấp xã (cấp xã)" in province_first


def test_no_agency_nor_address_is_said_with_whom_to_ask() -> None:
    lines = where(_procedure(levels=("Cấp tỉnh",)))
    assert lines[-1].startswith("Cổng Dịch vụ công chưa ghi cơ quan và địa chỉ tiếp nhận hồ sơ")
    assert "Trung tâm Phục vụ hành chính công" in lines[-1]
    assert not any("nêu trên" in line for line in lines)  # no agency above to point to
