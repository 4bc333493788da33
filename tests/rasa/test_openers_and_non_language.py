from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.non_language import NonLanguageClassifier, is_non_language
from bot.nlu.openers import LeadingOpenerFilter
from bot.nlu.tokenizer import VietnameseTokenizer

TOKENIZER = VietnameseTokenizer(VietnameseTokenizer.get_default_config())


def _kept_words(text: str) -> str:
    """The words the featurizers see after the opener filter, as typed."""
    message = Message.build(text=text)
    TOKENIZER.process([message])
    LeadingOpenerFilter().process([message])
    return " ".join(text[t.start : t.end] for t in message.get(TOKENS_NAMES[TEXT]))


def test_an_opener_before_a_question_is_dropped() -> None:
    assert _kept_words("ad ơi cho hỏi làm sổ đỏ cần những gì ạ").startswith("cho hỏi làm sổ đỏ")
    assert _kept_words("alo, lệ phí làm hộ chiếu bao nhiêu").startswith("lệ phí")
    assert _kept_words("em chào anh chị ạ, cho em hỏi đăng ký khai sinh").startswith("cho em hỏi")
    assert _kept_words("chao ad, thu tuc dang ky ket hon").startswith("thu tuc")
    assert _kept_words("Xin chào, cho hỏi làm hộ chiếu cần gì").startswith("cho hỏi làm hộ chiếu")
    assert _kept_words("xin chao lam ho chieu can gi").startswith("lam ho chieu")
    assert _kept_words("a lô, đăng ký khai sinh ở đâu").startswith("đăng ký khai sinh")


def test_a_greeting_alone_stays_a_greeting() -> None:
    for text in (
        "xin chào",
        "ad ơi",
        "alo alo",
        "chào buổi sáng",
        "xin chào, cho em hỏi chút",
        "chào cán bộ ạ",
    ):
        assert _kept_words(text) == " ".join(text[t.start : t.end] for t in _tokens_of(text)), text


def test_words_that_are_not_an_opener_are_kept() -> None:
    assert _kept_words("xin cấp lý lịch tư pháp").startswith("xin cấp")
    assert _kept_words("em muốn làm hộ chiếu").startswith("em muốn")


def test_training_examples_are_filtered_like_messages() -> None:
    example = Message.build(text="alo cho hỏi lệ phí hộ chiếu", intent="ask_fee")
    TOKENIZER.process_training_data(TrainingData([example]))
    LeadingOpenerFilter().process_training_data(TrainingData([example]))
    assert example.get(TOKENS_NAMES[TEXT])[0].lemma == "cho"


def _tokens_of(text: str):
    message = Message.build(text=text)
    TOKENIZER.process([message])
    return message.get(TOKENS_NAMES[TEXT])


def test_markup_symbols_and_sql_are_not_language() -> None:
    for text in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "' OR 1=1 --",
        "1; DROP TABLE users",
        "SELECT * FROM dossiers",
        "???",
        "@#$%^&*",
        "!!!!!!!!!!a",
        "{{7*7}}",
        "<script>alert(1)</script> hi",
        "UPDATE users SET name = 'a' WHERE id = 1",
    ):
        assert is_non_language(text), text


def test_a_sentence_that_quotes_markup_is_language() -> None:
    assert not is_non_language("<script>alert(1)</script> cán bộ hẹn tôi 3 lần, CCCD 001203004567")
    assert not is_non_language("<b>tra cuu ho so</b> cua toi")


def test_language_codes_payloads_and_emoji_are_language() -> None:
    for text in (
        "làm hộ chiếu cần giấy tờ gì?",
        "000.00.04.H51-200221-0001",
        "1234",
        "+84 912 345 678",
        "an.nguyen@example.com",
        '/rate_answer{"rating": "up"}',
        "👍",
        "thu nhập < 5 triệu có được miễn lệ phí không",
        "tra cứu hồ sơ!!",
    ):
        assert not is_non_language(text), text


def test_the_classifier_overrides_the_intent_and_drops_entities() -> None:
    message = Message.build(text="<b>0222</b>")
    message.set(INTENT, {"name": "give_phone_digits", "confidence": 0.9})
    message.set(INTENT_RANKING_KEY, [{"name": "give_phone_digits", "confidence": 0.9}])
    message.set(ENTITIES, [{"entity": "phone", "value": "0222"}])
    NonLanguageClassifier().process([message])
    assert message.get(INTENT) == {"name": "non_language", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[1]["name"] == "give_phone_digits"
    assert message.get(ENTITIES) == []


def test_the_classifier_leaves_questions_alone() -> None:
    message = Message.build(text="lệ phí làm hộ chiếu")
    message.set(INTENT, {"name": "ask_fee", "confidence": 0.8})
    NonLanguageClassifier().process([message])
    assert message.get(INTENT)["name"] == "ask_fee"


def test_a_sentence_the_classifier_took_for_markup_gets_its_next_intent() -> None:
    message = Message.build(text="<script>alert(1)</script> cán bộ hẹn tôi 3 lần")
    ranking = [{"name": "non_language", "confidence": 0.45}, {"name": "submit_feedback", "confidence": 0.52}]
    message.set(INTENT, ranking[0])
    message.set(INTENT_RANKING_KEY, ranking)
    NonLanguageClassifier().process([message])
    assert message.get(INTENT)["name"] == "submit_feedback"
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["submit_feedback"]


def test_an_unsure_intent_left_after_taking_non_language_away_falls_back() -> None:
    message = Message.build(text="<b>xin</b> chào các bạn nhé")
    ranking = [{"name": "non_language", "confidence": 0.9}, {"name": "greet", "confidence": 0.05}]
    message.set(INTENT, ranking[0])
    message.set(INTENT_RANKING_KEY, ranking)
    NonLanguageClassifier().process([message])
    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert message.get(INTENT_RANKING_KEY)[1]["name"] == "greet"
