import unicodedata

import pytest

from bot.text import expand_abbreviations, fold, has_diacritics, normalize_tone_marks, strip_diacritics
from bot.text.abbreviations import load_table


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("hoà", "hòa"),
        ("Hoà Bình", "Hòa Bình"),
        ("thuý", "thúy"),
        ("khoẻ", "khỏe"),
        ("hoạ sĩ", "họa sĩ"),
        ("uỷ ban", "ủy ban"),
        # already canonical or unambiguous words are left alone
        ("hoàng", "hoàng"),
        ("thuyền", "thuyền"),
        ("người", "người"),
        ("quý", "quý"),
        ("già", "già"),
        ("giữ", "giữ"),
        ("ngoài", "ngoài"),
        ("khuya", "khuya"),
        ("tuổi", "tuổi"),
    ],
)
def test_tone_marks_follow_one_convention(typed: str, canonical: str) -> None:
    assert normalize_tone_marks(typed) == canonical


def test_decomposed_unicode_is_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    assert decomposed != "Đăng ký khai sinh"
    assert fold(decomposed) == "đăng ký khai sinh"


def test_fold_lowercases_and_collapses_spaces() -> None:
    assert fold("  ỦY BAN   Nhân dân  xã ") == "ủy ban nhân dân xã"


def test_strip_diacritics_handles_d_with_stroke() -> None:
    assert strip_diacritics("Đăng ký hộ kinh doanh ở Hòa Bình") == "Dang ky ho kinh doanh o Hoa Binh"
    assert has_diacritics("đăng ký") and not has_diacritics("dang ky")


@pytest.mark.parametrize(
    ("typed", "expanded"),
    [
        ("dk ks cho con", "đăng ký khai sinh cho con"),
        ("ĐK kết hôn", "đăng ký kết hôn"),
        ("làm cccd ở đâu", "làm căn cước công dân ở đâu"),
        ("đổi gplx", "đổi giấy phép lái xe"),
        ("nộp hs ở ubnd xã", "nộp hồ sơ ở ủy ban nhân dân xã"),
        ("tthc này mất bn tiền", "thủ tục hành chính này mất bao nhiêu tiền"),
    ],
)
def test_abbreviations_expand_as_whole_words(typed: str, expanded: str) -> None:
    assert expand_abbreviations(typed) == expanded


def test_abbreviations_do_not_touch_parts_of_words() -> None:
    # "ks" inside "ksor" or "hs" inside "hsbc" is no abbreviation
    assert expand_abbreviations("ksor hsbc") == "ksor hsbc"


def test_abbreviation_table_is_data(tmp_path) -> None:
    table_file = tmp_path / "abbr.yml"
    table_file.write_text("abbreviations:\n  giấy chứng nhận: [GCN]\n", encoding="utf-8")
    table = load_table(table_file)
    assert table.expand("cấp gcn") == "cấp giấy chứng nhận"
    assert table.lookup("dk") is None
