import pytest

from bot.services.office import OfficeTopic, describe, topics_asked
from bot.settings import DEFAULT_PROVINCE_FILE, load_settings

SETTINGS = load_settings(DEFAULT_PROVINCE_FILE)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("mấy giờ mở cửa", OfficeTopic.HOURS),
        ("thu bay co lam viec khong", OfficeTopic.HOURS),
        ("địa chỉ trung tâm ở đâu", OfficeTopic.ADDRESS),
        ("cho xin số đường dây nóng", OfficeTopic.HOTLINE),
        ("hotline bao nhieu", OfficeTopic.HOTLINE),
        ("website cổng dịch vụ công của tỉnh", OfficeTopic.WEBSITE),
    ],
)
def test_topics_are_recognised_with_or_without_diacritics(question: str, topic: OfficeTopic) -> None:
    assert topic in topics_asked(question)


def test_no_topic_in_a_vague_question() -> None:
    assert topics_asked("thông tin trung tâm") == []


def test_describe_answers_only_what_was_asked() -> None:
    text = describe(SETTINGS, [OfficeTopic.HOTLINE])
    assert SETTINGS.centre.hotline in text
    assert "Giờ làm việc" not in text


def test_describe_without_topics_gives_everything_configured() -> None:
    text = describe(SETTINGS, [])
    assert SETTINGS.centre.hotline in text
    assert "Giờ làm việc" in text and "Địa chỉ" in text
    assert SETTINGS.centre.portal_url in text
