from actions.office import ActionOfficeInfo
from bot.services.application import application
from tests.services.conftest import tracker_from


async def test_office_hours_question_gets_the_hours(dispatcher, domain) -> None:
    events = await ActionOfficeInfo().run(dispatcher, tracker_from("tracker_office_hours.json"), domain)
    assert events == []
    assert len(dispatcher.messages) == 1
    text = dispatcher.messages[0]["text"]
    assert "Giờ làm việc" in text
    assert "Thứ Bảy" in text
    assert application().settings.centre.hotline not in text  # only what was asked
