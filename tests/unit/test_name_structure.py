"""Name structure (action, qualifiers) against a question, and acronyms learned from the catalogue."""

from __future__ import annotations

import pytest

from bot.knowledge.acronyms import CatalogueAcronyms
from bot.knowledge.analysis import analyze_query
from bot.knowledge.name_structure import (
    VARIANT_PENALTY,
    parse_name,
    parse_question,
    question_acts,
    unasked_qualifiers,
)
from bot.text.vietnamese import strip_diacritics


def _question(text: str):
    query = analyze_query(text)
    return parse_question(query, query)


def _acts(text: str) -> frozenset[str]:
    return question_acts([strip_diacritics(s) for s in analyze_query(text).syllables])


def test_a_name_s_action_part_gives_its_variant_acts() -> None:
    assert parse_name("Cấp lại thẻ căn cước").acts == {"reissue"}
    assert parse_name("Thủ tục đăng ký lại khai sinh").acts == {"reissue"}
    assert parse_name("Gia hạn giấy phép lao động").acts == {"extend"}
    assert parse_name("Trình báo mất hộ chiếu phổ thông").acts == {"lost"}
    assert parse_name("Cấp thẻ căn cước cho người dưới 14 tuổi").acts == frozenset()
    assert not parse_name("Cấp lại thẻ căn cước").has_base_act
    assert parse_name("Cấp, cấp lại, cấp đổi chứng chỉ hành nghề").has_base_act


@pytest.mark.parametrize(
    ("question", "lost"),
    [
        ("làm hộ chiếu mất bao lâu", False),
        ("đăng ký kết hôn mất phí không", False),
        ("bố tôi mất, làm giấy chứng tử thế nào", False),
        ("tôi bị mất hộ chiếu thì làm sao", True),
        ("mất thẻ căn cước phải làm gì", True),
        ("chứng thư bị thất lạc", True),
    ],
)
def test_mat_means_lost_only_for_a_document(question: str, lost: bool) -> None:
    assert ("lost" in _acts(question)) is lost


def test_a_costs_mat_does_not_count_as_a_word_of_a_report_of_loss() -> None:
    assert "mat" not in _question("làm hộ chiếu mất bao lâu").words
    assert "mat" in _question("bị mất hộ chiếu thì làm gì").words


def test_for_is_not_an_exchange() -> None:
    assert "exchange" not in _acts("hồ sơ đối với doanh nghiệp")
    assert "exchange" in _acts("đổi bằng lái xe hết hạn")


def test_a_variant_the_question_does_not_ask_for_yields_to_the_base() -> None:
    reissue = parse_name("Cấp lại thẻ căn cước")
    assert reissue.fit(_question("làm thẻ căn cước ở đâu")) == pytest.approx(-VARIANT_PENALTY)
    assert reissue.fit(_question("cấp lại thẻ căn cước ở đâu")) == 0.0
    assert reissue.fit(_question("bị mất thẻ căn cước")) == 0.0
    assert parse_name("Cấp, cấp lại giấy phép").fit(_question("xin giấy phép")) == 0.0


def test_a_qualifier_the_question_does_not_mention_marks_the_narrower_sibling() -> None:
    names = ["Đổi giấy phép lái xe", "Đổi giấy phép lái xe hoặc bằng lái xe của người nước ngoài"]
    structures = [parse_name(n) for n in names]
    idf = [{w: 1.0 for w in s.words} for s in structures]
    assert unasked_qualifiers([0, 1], structures, _question("đổi bằng lái xe"), idf) == {1}
    foreigner = _question("đổi bằng lái xe của người nước ngoài")
    assert unasked_qualifiers([0, 1], structures, foreigner, idf) == set()


def test_siblings_that_differ_only_by_level_are_left_alone() -> None:
    names = ["Cấp lại thẻ căn cước", "Cấp lại thẻ căn cước (thực hiện tại cấp tỉnh)"]
    structures = [parse_name(n) for n in names]
    idf = [{w: 1.0 for w in s.words} for s in structures]
    assert unasked_qualifiers([0, 1], structures, _question("cấp lại căn cước"), idf) == set()


def test_acronyms_are_written_out_as_the_catalogue_phrase_with_those_initials() -> None:
    acronyms = CatalogueAcronyms(
        [
            "Miễn, giảm tiền dịch vụ môi trường rừng",
            "Xác nhận dịch vụ môi trường rừng",
            "Cấp Giấy phép lưu hành xe quá tải trọng",
        ]
    )
    question = "Các trường hợp được miễn, giảm tiền DVMTR?"
    assert acronyms.expansions(question, analyze_query(question)) == ("dịch vụ môi trường rừng",)
    assert acronyms.expansions("cấp gplhx", analyze_query("cấp gplhx")) == ("giấy phép lưu hành xe",)
    # a known abbreviation is the table's business; a word is no acronym
    assert acronyms.expansions("làm cccd", analyze_query("làm cccd")) == ()
    assert acronyms.expansions("xin giấy phép", analyze_query("xin giấy phép")) == ()
