from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.regex_entity_extractor import RegexEntityExtractor
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.tokenizer import VietnameseTokenizer


def _tokenizer(**overrides):
    return VietnameseTokenizer({**VietnameseTokenizer.get_default_config(), **overrides})


def _tokens(text: str, **overrides):
    message = Message.build(text=text)
    _tokenizer(**overrides).process([message])
    return message.get(TOKENS_NAMES[TEXT])


def test_tokens_point_into_the_original_text() -> None:
    text = "Tôi muốn đk ks cho con ở UBND xã Hoà Bình"
    tokens = _tokens(text)
    assert [text[t.start : t.end] for t in tokens] == [
        "Tôi",
        "muốn",
        "đk",
        "ks",
        "cho",
        "con",
        "ở",
        "UBND",
        "xã",
        "Hoà Bình",
    ]
    by_text = {t.text: t for t in tokens}
    assert by_text["đăng_ký"].lemma == "dang ky"
    assert by_text["hòa_bình"].lemma == "hoa binh"


def test_lemmas_agree_with_and_without_diacritics() -> None:
    marked = " ".join(t.lemma for t in _tokens("lệ phí cấp hộ chiếu bao nhiêu"))
    plain = " ".join(t.lemma for t in _tokens("le phi cap ho chieu bao nhieu"))
    assert marked == plain == "le phi cap ho chieu bao nhieu"


def test_segmentation_can_be_switched_off() -> None:
    tokens = _tokens("đăng ký khai sinh", segment_words=False)
    assert [t.text for t in tokens] == ["đăng", "ký", "khai", "sinh"]


def test_emoji_only_message_keeps_one_token() -> None:
    tokens = _tokens(" 😀🙏 ")
    assert len(tokens) == 1 and tokens[0].text == "😀🙏" and tokens[0].start == 1


def test_empty_message_has_no_tokens() -> None:
    assert _tokens("") == []


def test_regex_entity_spans_align_with_tokens() -> None:
    text = "hồ sơ 000.00.04.H51-200221-0001 đến đâu rồi"
    message = Message.build(text=text)
    _tokenizer().process([message])
    extractor = RegexEntityExtractor(
        {**RegexEntityExtractor.get_default_config(), "use_word_boundaries": False},
        model_storage=None,  # type: ignore[arg-type]
        resource=None,  # type: ignore[arg-type]
        patterns=[{"name": "dossier_code", "pattern": r"\b\d{3}\.\d{2}\.\d{2}\.[A-Za-z]\d{2}-\d{6}-\d{4}\b"}],
    )
    extractor.process([message])
    entity = message.get("entities")[0]
    assert entity["value"] == "000.00.04.H51-200221-0001"
    starts = {t.start for t in message.get(TOKENS_NAMES[TEXT])}
    ends = {t.end for t in message.get(TOKENS_NAMES[TEXT])}
    assert entity["start"] in starts and entity["end"] in ends
