"""Stories over REST for procedures the whole national catalogue brought in, from three new ministries.

Before the portal's records were imported, none of these procedures was in the knowledge base: the
assistant offered unrelated candidates or said it was not sure. Each story is a citizen's first question,
a click on the offered procedure when the first reply asks back, and a follow-up about another aspect.
"""

from __future__ import annotations

import re

import pytest

from bot.devstack import Stack

pytestmark = pytest.mark.e2e


def _texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def _answer_about(stack: Stack, sender: str, question: str, code: str) -> str:
    """The reply that cites ``code``: the first one, or the one after clicking its offered button."""
    messages = stack.say(sender, question)
    if _cites(_texts(messages), code):
        return _texts(messages)
    offered = [b for m in messages for b in m.get("buttons") or [] if code in str(b.get("payload", ""))]
    assert offered, f"{code} neither cited nor offered for {question!r}: {_texts(messages)[:600]}"
    answer = _texts(stack.say(sender, str(offered[0]["payload"])))
    assert _cites(answer, code), answer[:600]
    return answer


def _cites(text: str, code: str) -> bool:
    """An answer about ``code`` ends with its source line (a list of candidates also names codes)."""
    return re.search(rf"Nguồn: .*\(mã {re.escape(code)}\)", text) is not None


def test_unemployment_benefit_documents_then_time_with_its_unit(stack: Stack) -> None:
    # Bộ Nội vụ: "Hưởng trợ cấp thất nghiệp (Cấp tỉnh)".
    first = _answer_about(
        stack,
        "e2e-new-noi-vu",
        "tôi mới nghỉ việc, muốn hưởng trợ cấp thất nghiệp thì cần giấy tờ gì",
        "1.014748",
    )
    assert _cites(first, "1.014748")
    assert re.search(r"\d+ bản (chính|sao)", first), first
    later = _texts(stack.say("e2e-new-noi-vu", "mất bao lâu"))
    assert _cites(later, "1.014748"), later[:600]
    assert re.search(r"\d+ (ngày làm việc|ngày|tháng)", later), later


def test_consular_legalisation_fee_in_vietnamese_style(stack: Stack) -> None:
    # Bộ Ngoại giao: "Thủ tục chứng nhận lãnh sự, hợp pháp hóa lãnh sự giấy tờ, tài liệu tại các cơ quan ở
    # trong nước"; typed without diacritics, as many citizens do.
    text = _answer_about(
        stack, "e2e-new-ngoai-giao", "hop phap hoa lanh su giay to het bao nhieu tien", "1.001308"
    )
    assert _cites(text, "1.001308")
    assert re.search(r"\d{1,3}(\.\d{3})+ đồng|Miễn phí", text), text
    assert not re.search(r"\d{1,3},\d{3}", text)


def test_copy_of_a_diploma_from_the_register_and_where_to_submit(stack: Stack) -> None:
    # Bộ Giáo dục và Đào tạo: "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc".
    first = _answer_about(stack, "e2e-new-giao-duc", "xin cấp bản sao bằng tốt nghiệp từ sổ gốc", "3.000465")
    assert _cites(first, "3.000465")
    where = _answer_about(stack, "e2e-new-giao-duc", "cấp bản sao văn bằng từ sổ gốc nộp ở đâu", "3.000465")
    assert "Nơi nộp hồ sơ" in where and "dichvucong.gov.vn" in where
