"""Processing times with their unit: the record's, else the one the procedure's text states; never a guess."""

from bot.knowledge.model import Procedure, SubmissionMethod
from bot.services.processing_time import UNKNOWN, method_time, overview_time, processing_time


def _procedure(*methods: SubmissionMethod, steps: tuple[str, ...] = ()) -> Procedure:
    return Procedure(
        code="9.999996",
        name="Thủ tục thử",
        url="https://dichvucong.gov.vn/x",
        catalogue="Bộ Tư pháp",
        steps=steps,
        submission_methods=methods,
    )


def _method(name: str, value: float | None, unit: str, note: str = "") -> SubmissionMethod:
    return SubmissionMethod(name, time_value=value, time_unit=unit, note=note)


def test_the_records_unit_is_said_in_words() -> None:
    procedure = _procedure(
        _method("Trực tuyến", 8, "WORKING_DAY"),
        _method("Trực tiếp", 8, "WORKING_DAY"),
        _method("Dịch vụ bưu chính", 2, "HOUR"),
    )
    assert processing_time(procedure) == [
        "Thời hạn giải quyết:",
        "• Trực tuyến, Trực tiếp: 8 ngày làm việc",
        "• Dịch vụ bưu chính: 2 giờ",
    ]
    assert overview_time(procedure) == "8 ngày làm việc; 2 giờ"


def test_a_bare_number_takes_the_unit_its_method_description_states_and_says_so() -> None:
    method = _method("Trực tiếp", 5, "OTHER", note="05 ngày làm việc kể từ khi nhận đủ hồ sơ hợp lệ")
    time = method_time(_procedure(method), method)
    assert time is not None and time.shown == "5 ngày làm việc" and time.unit_from == "mô tả cách thức nộp"
    lines = processing_time(_procedure(method))
    assert lines[1] == "• Trực tiếp: 5 ngày làm việc"
    assert "đơn vị lấy từ phần mô tả cách thức nộp" in lines[-1]


def test_a_bare_number_nobody_explains_is_said_to_have_no_unit() -> None:
    method = _method("Trực tiếp", 3, "OTHER")
    time = method_time(_procedure(method), method)
    assert time is not None and time.unit_from == UNKNOWN and time.shown == "3"
    lines = processing_time(_procedure(method))
    assert (
        lines[1] == "• Trực tiếp: 3 (Cổng không ghi đơn vị)" and "không ghi đơn vị (ngày làm việc" in lines[2]
    )


def test_a_description_with_times_per_case_is_shown_and_a_repetition_is_not() -> None:
    per_case = _method(
        "Trực tiếp",
        30,
        "WORKING_DAY",
        note="Không quá 20 ngày làm việc đối với trường hợp đăng ký lần đầu.",
    )
    same = _method("Trực tuyến", 30, "WORKING_DAY", note="30 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.")
    lines = processing_time(_procedure(per_case, same))
    assert "  (Cổng ghi thêm: Không quá 20 ngày làm việc đối với trường hợp đăng ký lần đầu.)" in lines
    assert "• Trực tuyến: 30 ngày làm việc" in lines and len(lines) == 4


def test_a_method_without_a_time_shows_what_its_description_says() -> None:
    method = _method(
        "Trực tiếp", None, "OTHER", note="07 ngày làm việc đối với trường hợp không phải bổ sung hồ sơ."
    )
    assert processing_time(_procedure(method))[1] == (
        "• Trực tiếp: Cổng không ghi số ngày; mô tả trên Cổng: "
        "07 ngày làm việc đối với trường hợp không phải bổ sung hồ sơ."
    )


def test_no_time_at_all_is_said_plainly() -> None:
    assert processing_time(_procedure(_method("Trực tiếp", None, "OTHER")))[0].startswith(
        "Cổng Dịch vụ công chưa ghi thời hạn giải quyết"
    )
