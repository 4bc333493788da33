from bot.text.abbreviations import load_table
from bot.text.segment import segment, underthesea_segmenter

TABLE = load_table()
SEGMENTER = underthesea_segmenter()


def test_words_keep_offsets_into_the_typed_text() -> None:
    text = "Tôi muốn  đk ks cho con ở UBND xã Hoà Bình!"
    words = segment(text, TABLE, SEGMENTER)
    for word in words:
        assert text[word.start : word.end] == word.original
    canonical = [w.canonical for w in words]
    assert "đăng_ký" in canonical and "khai_sinh" in canonical
    assert "ủy_ban_nhân_dân" in canonical
    assert "hòa_bình" in canonical  # "Hoà" folded to the canonical tone placement


def test_accent_free_form_is_the_same_with_or_without_diacritics() -> None:
    with_marks = [w.plain for w in segment("đăng ký khai sinh", TABLE, SEGMENTER)]
    without = [w.plain for w in segment("dang ky khai sinh", TABLE, SEGMENTER)]
    assert " ".join(with_marks) == " ".join(without) == "dang ky khai sinh"


def test_identifiers_stay_whole() -> None:
    text = "hồ sơ 000.00.04.H51-200221-0001, sđt 0912345678"
    words = segment(text, TABLE, SEGMENTER)
    originals = [w.original for w in words]
    assert "000.00.04.H51-200221-0001" in originals
    assert "0912345678" in originals


def test_punctuation_breaks_words() -> None:
    words = segment("khai sinh,lệ phí", TABLE, SEGMENTER)
    assert [w.original for w in words] == ["khai sinh", "lệ phí"]


def test_no_words_in_emoji_or_empty_text() -> None:
    assert segment("😀🙏", TABLE, SEGMENTER) == []
    assert segment("", TABLE, SEGMENTER) == []


def test_a_failing_segmenter_falls_back_to_syllables() -> None:
    def broken(_: str) -> list[str]:
        raise RuntimeError("model missing")

    words = segment("đăng ký khai sinh", TABLE, broken)
    assert [w.canonical for w in words] == ["đăng", "ký", "khai", "sinh"]
