"""Question analysis: concept rules from the synonyms file, aspect words, aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.analysis import ASPECT_WEIGHT, analyze_query, concept_rules

CORRECTION = "thay đổi, cải chính, bổ sung thông tin hộ tịch"
VISA = "cấp thị thực cho người nước ngoài"


@pytest.mark.parametrize(
    "question",
    [
        "sửa ngày sinh trong giấy khai sinh",
        "sua ten trong giay khai sinh duoc khong",
        "giấy khai sinh ghi sai quê quán thì làm sao",
        "muốn đổi họ cho con theo họ mẹ",
    ],
)
def test_a_change_to_civil_status_details_searches_the_correction_procedure(question: str) -> None:
    assert CORRECTION in analyze_query(question).expansions


@pytest.mark.parametrize(
    "question",
    [
        "đăng ký khai sinh cho con",  # no change asked for
        "đổi tên công ty cần giấy tờ gì",  # a company, not civil status
        "đội bóng khai sinh",  # "đội" typed with marks is not "đổi"
        "đổi tên đường phố",  # a street, not a person
        "trong trường hợp đổi tên thôn thì sao",
    ],
)
def test_the_correction_rule_stays_quiet_otherwise(question: str) -> None:
    assert CORRECTION not in analyze_query(question).expansions


def test_sponsoring_a_foreigner_means_a_visa_but_a_guaranteed_loan_does_not() -> None:
    assert VISA in analyze_query("bảo lãnh người nước ngoài sang Việt Nam").expansions
    assert VISA in analyze_query("muon moi chuyen gia nuoc ngoai vao lam viec").expansions
    assert VISA not in analyze_query("khoản vay nước ngoài được Chính phủ bảo lãnh").expansions


def test_concept_rules_are_read_from_the_given_file(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.yml"
    path.write_text(
        "concepts:\n"
        "  - search: đăng ký nghĩa vụ quân sự\n"
        "    when_all: [[đi lính, nhập ngũ], [hoãn]]\n"
        "    unless: [công an]\n"
        "  - search: broken rule without groups\n",
        encoding="utf-8",
    )
    rules = concept_rules(str(path))
    assert len(rules) == 1
    assert rules[0].target == "đăng ký nghĩa vụ quân sự"
    assert rules[0].groups == ((("đi", "lính"), ("nhập", "ngũ")), (("hoãn",),))
    assert rules[0].unless == (("công", "an"),)


def test_time_taken_is_an_aspect_not_a_lost_document() -> None:
    # "mất" alone would match "Trình báo mất hộ chiếu"; "mất mấy ngày" asks how long it takes.
    query = analyze_query("lam ho chieu mat may ngay")
    weights = dict(zip(query.syllables, query.weights))
    assert weights["mat"] == ASPECT_WEIGHT
    assert weights["chieu"] == 1.0


def test_an_address_in_the_question_does_not_silence_the_correction_rule() -> None:
    question = "Trong trường hợp tôi sinh ở thành phố Nam Định, giấy khai sinh ghi sai tên thì sửa thế nào?"
    assert CORRECTION in analyze_query(question).expansions
