"""Fees said the Vietnamese way, from the portal's typed records."""

import pytest

from bot.knowledge.fees import describe_fee, format_vnd, same_fees, vietnamese_amounts
from bot.knowledge.model import Fee, Procedure, SubmissionMethod
from bot.services.fee_answer import fee_summary, fees


def _procedure(*methods: SubmissionMethod) -> Procedure:
    return Procedure(
        code="9.999997",
        name="Thủ tục thử",
        url="https://dichvucong.gov.vn/x",
        catalogue="Bộ Công an",
        submission_methods=methods,
    )


def test_amounts_are_written_with_dots_and_dong() -> None:
    assert format_vnd(160000) == "160.000 đồng"
    assert format_vnd(2400000) == "2.400.000 đồng"
    assert vietnamese_amounts("300,000 đồng; 320.000đ/hộ chiếu; 20.000 vnđ /tờ khai; 160.000/hộ chiếu") == (
        "300.000 đồng; 320.000 đồng/hộ chiếu; 20.000 đồng/tờ khai; 160.000 đồng/hộ chiếu"
    )


@pytest.mark.parametrize(
    ("fee", "said"),
    [
        (Fee("FEE", 160000), "Lệ phí 160.000 đồng"),
        (Fee("SERVICE_FEE", 200000, "200.000 đồng/hồ sơ"), "Phí 200.000 đồng/hồ sơ"),
        (Fee("PRICE_LEVEL", 50000), "Giá dịch vụ 50.000 đồng"),
        (Fee("FEE", 0), "Miễn phí"),
        (Fee("FEE", 0, "Không"), "Miễn phí"),
        (Fee("FEE", 0, "Đồng"), "Miễn phí"),  # the portal's "0 Đồng" without its number
        (Fee("FEE", 0, "Theo quy định của Bộ Tài chính"), "Lệ phí: Theo quy định của Bộ Tài chính"),
        (
            Fee("SERVICE_FEE", 0, "Lệ phí cấp giấy chứng nhận: 25.000 đồng"),
            "Lệ phí cấp giấy chứng nhận: 25.000 đồng",
        ),
        (Fee("FEE", 10, "10 USD/lần"), "Lệ phí: 10 USD/lần"),
        (
            Fee("FEE", 25, "Thị thực một lần"),
            "Lệ phí: mức 25 (Cổng không ghi đơn vị tiền) — Thị thực một lần",
        ),
    ],
)
def test_one_fee_as_a_citizen_reads_it(fee: Fee, said: str) -> None:
    assert describe_fee(fee) == said


def test_a_value_with_a_rule_beside_it_keeps_the_rule() -> None:
    reissue = Fee("FEE", 160000, "+ 160.000/hộ chiếu, trường hợp cấp lại do bị mất: 320.000đ/hộ chiếu")
    assert describe_fee(reissue) == (
        "Lệ phí 160.000 đồng — 160.000 đồng/hộ chiếu, trường hợp cấp lại do bị mất: 320.000 đồng/hộ chiếu"
    )


def test_a_rule_that_frees_only_some_citizens_is_not_said_to_be_free() -> None:
    rule = Fee(
        "FEE", 0, "Mức lệ phí cụ thể do Hội đồng nhân dân cấp tỉnh quyết định. Miễn lệ phí đối với hộ nghèo."
    )
    assert not describe_fee(rule).startswith("Miễn phí")


def test_methods_with_the_same_fees_share_a_line() -> None:
    online = SubmissionMethod("Trực tuyến", fees=(Fee("FEE", 160000),))
    post = SubmissionMethod("Dịch vụ bưu chính", fees=(Fee("FEE", 160000),))
    direct = SubmissionMethod("Trực tiếp", fees=(Fee("FEE", 200000),))
    lines = fees(_procedure(online, post, direct))
    assert lines == [
        "Phí, lệ phí theo hình thức nộp:",
        "• Trực tuyến, Dịch vụ bưu chính: Lệ phí 160.000 đồng",
        "• Trực tiếp: Lệ phí 200.000 đồng",
    ]
    assert (
        fee_summary(_procedure(online, direct))
        == "Lệ phí 160.000 đồng (Trực tuyến); Lệ phí 200.000 đồng (Trực tiếp)"
    )


def test_a_list_of_fees_shows_every_amount_with_its_cases() -> None:
    listed = tuple(
        Fee("FEE", value, case)
        for value, case in (
            (2000000, "X-quang chụp răng"),
            (2000000, "X-quang chụp vú"),
            (16000000, "PET/CT"),
            (0, "SPECT: Chưa có quy định"),
        )
    )
    lines = fees(_procedure(SubmissionMethod("Trực tiếp", fees=listed)))
    assert lines[1] == "• Trực tiếp — lệ phí theo từng trường hợp:"
    assert "  – 2.000.000 đồng: X-quang chụp răng; X-quang chụp vú" in lines
    assert "  – 16.000.000 đồng: PET/CT" in lines and "  – SPECT: Chưa có quy định" in lines


def test_small_values_are_never_said_in_dong() -> None:
    visa = tuple(
        Fee("FEE", value, case) for value, case in ((25, "Thị thực một lần"), (50, "Thị thực nhiều lần"))
    )
    text = "\n".join(fees(_procedure(SubmissionMethod("Trực tiếp", fees=visa))))
    assert "mức 25: Thị thực một lần" in text and "không kèm đơn vị tiền" in text
    assert "25 đồng" not in text


def test_copies_of_one_list_with_other_punctuation_are_the_same_fees() -> None:
    first = (Fee("FEE", 50, "Loại có giá trị đến 03 tháng"), Fee("FEE", 8000000, "Thiết bị CT (CT Scanner"))
    second = (Fee("FEE", 50, "Loại có giá trị đến 3 tháng."), Fee("FEE", 8000000, "Thiết bị CT (CT Scanner)"))
    assert same_fees(first, second)
    assert not same_fees(first, (Fee("FEE", 50, "Loại khác"), second[1]))


def test_no_fee_in_the_record_is_said_so_without_claiming_free() -> None:
    lines = fees(_procedure(SubmissionMethod("Trực tiếp"), SubmissionMethod("Trực tuyến")))
    assert lines[0].startswith("Cổng Dịch vụ công chưa ghi phí, lệ phí") and "Miễn phí" not in lines[0]
    partly = fees(
        _procedure(SubmissionMethod("Trực tuyến", fees=(Fee("FEE", 0),)), SubmissionMethod("Trực tiếp"))
    )
    assert partly[1:] == ["• Trực tuyến: Miễn phí", "• Trực tiếp: Cổng chưa có thông tin phí, lệ phí"]


def test_the_older_crawls_fee_text_is_rewritten_the_vietnamese_way() -> None:
    crawled = SubmissionMethod("Trực tiếp", fee_text="300,000 đồng (Theo quy định của Bộ Tài chính.)")
    case_number = SubmissionMethod("Trực tuyến", fee_text="1")  # "Không có thông tin(1) Trường hợp …"
    lines = fees(_procedure(crawled, case_number))
    assert lines[1] == "• Trực tiếp: 300.000 đồng (Theo quy định của Bộ Tài chính.)"
    assert lines[2] == "• Trực tuyến: Cổng chưa có thông tin phí, lệ phí"
