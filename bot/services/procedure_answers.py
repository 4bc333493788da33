"""Compose chat answers about one aspect of a procedure, from its structured record, with a citation.

Every answer fits a chat bubble (≤ 2,000 characters, the Zalo/Messenger limit): long lists are cut
and point to the portal page for the rest.
"""

from __future__ import annotations

from enum import Enum

from bot.knowledge.model import Procedure
from bot.services.documents_answer import documents, dossier_summary
from bot.services.processing_time import overview_time, processing_time

MAX_REPLY_CHARS = 2000
MAX_LIST_ITEMS = 8
MAX_ITEM_CHARS = 220


class Aspect(str, Enum):
    """What a citizen asks about a procedure (one per NLU intent)."""

    OVERVIEW = "ask_procedure"
    DOCUMENTS = "ask_documents"
    FEE = "ask_fee"
    TIME = "ask_processing_time"
    WHERE = "ask_where_to_submit"
    STEPS = "ask_steps"
    LEGAL = "ask_legal_basis"
    CONDITIONS = "ask_conditions"
    RESULT = "ask_result"
    ONLINE = "ask_online_submission"

    @classmethod
    def from_intent(cls, intent: str | None) -> Aspect:
        """The aspect of an intent name (overview for anything else)."""
        try:
            return cls(intent or "")
        except ValueError:
            return cls.OVERVIEW


ASPECT_BUTTONS: tuple[tuple[str, Aspect], ...] = (
    ("Hồ sơ cần nộp", Aspect.DOCUMENTS),
    ("Lệ phí", Aspect.FEE),
    ("Thời hạn giải quyết", Aspect.TIME),
    ("Nơi nộp", Aspect.WHERE),
    ("Các bước", Aspect.STEPS),
    ("Căn cứ pháp lý", Aspect.LEGAL),
)


def _short(text: str, limit: int = MAX_ITEM_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def citation(procedure: Procedure) -> str:
    """The source line every answer ends with."""
    return f"Nguồn: {procedure.name} (mã {procedure.code}), Cổng Dịch vụ công quốc gia: {procedure.url}"


def _listing(items: list[str], procedure: Procedure, what: str) -> list[str]:
    lines = [f"• {_short(item)}" for item in items[:MAX_LIST_ITEMS]]
    if len(items) > MAX_LIST_ITEMS:
        lines.append(f"… và {len(items) - MAX_LIST_ITEMS} {what} khác (xem đầy đủ tại đường dẫn bên dưới).")
    return lines


def fees(procedure: Procedure) -> list[str]:
    """Fee by submission method."""
    lines = []
    for method in procedure.submission_methods:
        fee = method.fee_text or "Cổng không ghi"
        lines.append(f"• {method.method}: {_short(fee, 300)}")
    return (
        ["Phí, lệ phí theo hình thức nộp:"] + lines
        if lines
        else ["Cổng Dịch vụ công chưa công bố phí, lệ phí."]
    )


def where(procedure: Procedure) -> list[str]:
    """Level, agency and how to submit."""
    lines = []
    if procedure.levels:
        lines.append(f"• Cấp thực hiện: {', '.join(procedure.levels)}.")
    agency = procedure.implementing_agency or procedure.competent_agency
    if agency:
        lines.append(f"• Cơ quan thực hiện: {_short(agency, 300)}.")
    if procedure.receiving_address:
        lines.append(f"• Địa chỉ tiếp nhận: {_short(procedure.receiving_address, 300)}.")
    methods = [m.method for m in procedure.submission_methods]
    if methods:
        lines.append(f"• Hình thức nộp: {', '.join(methods)}.")
    return lines or ["Cổng Dịch vụ công chưa ghi nơi tiếp nhận hồ sơ."]


def steps(procedure: Procedure) -> list[str]:
    """Numbered steps."""
    if not procedure.steps:
        return ["Cổng Dịch vụ công chưa công bố trình tự thực hiện."]
    shown = [f"{i}. {_short(step)}" for i, step in enumerate(procedure.steps[:6], 1)]
    more = len(procedure.steps) - 6
    tail = [f"… còn {more} bước/đoạn nữa (xem đầy đủ tại đường dẫn bên dưới)."] if more > 0 else []
    return ["Trình tự thực hiện:"] + shown + tail


def legal_basis(procedure: Procedure) -> list[str]:
    """Legal documents with their numbers."""
    if not procedure.legal_basis:
        fallback = procedure.fallback.get("can_cu_phap_ly")
        return [_short(fallback, 600)] if fallback else ["Cổng Dịch vụ công chưa ghi căn cứ pháp lý."]
    items = [
        (f"{d.number} — {d.title}" if d.number and d.number not in d.title else d.title)
        for d in procedure.legal_basis
    ]
    return ["Căn cứ pháp lý:"] + _listing(items, procedure, "văn bản")


def conditions(procedure: Procedure) -> list[str]:
    """Conditions, or who may apply when there are none."""
    lines = []
    if procedure.conditions:
        lines.append(f"Yêu cầu, điều kiện: {_short(procedure.conditions, 900)}")
    else:
        lines.append("Cổng Dịch vụ công không ghi yêu cầu, điều kiện riêng cho thủ tục này.")
    if procedure.applicants:
        lines.append(f"Đối tượng thực hiện: {_short(procedure.applicants, 300)}.")
    return lines


def results(procedure: Procedure) -> list[str]:
    """What the citizen receives."""
    if not procedure.results:
        return ["Cổng Dịch vụ công chưa ghi kết quả giải quyết."]
    return ["Kết quả giải quyết:"] + _listing(list(procedure.results), procedure, "kết quả")


def online(procedure: Procedure) -> list[str]:
    """Whether it can be submitted online or by post."""
    methods = {m.method for m in procedure.submission_methods}
    if "Trực tuyến" in methods:
        first = "Có, thủ tục này nộp trực tuyến được (qua Cổng Dịch vụ công)."
    else:
        first = "Theo Cổng Dịch vụ công, thủ tục này chưa nộp trực tuyến được."
    lines = [first]
    if "Dịch vụ bưu chính" in methods:
        lines.append("Có thể nộp hồ sơ hoặc nhận kết quả qua dịch vụ bưu chính.")
    if methods:
        lines.append(f"Các hình thức nộp: {', '.join(sorted(methods))}.")
    return lines


def overview(procedure: Procedure) -> list[str]:
    """A compact summary: level, agency, time, fee, online."""
    lines = [f"Thủ tục: {procedure.name}"]
    if procedure.levels:
        lines.append(f"• Cấp thực hiện: {', '.join(procedure.levels)}")
    agency = procedure.implementing_agency or procedure.competent_agency
    if agency:
        lines.append(f"• Cơ quan thực hiện: {_short(agency, 200)}")
    if times := overview_time(procedure):
        lines.append(f"• Thời hạn: {times}")
    fees_ = sorted({_short(m.fee_text, 120) for m in procedure.submission_methods if m.fee_text})
    if fees_:
        lines.append(f"• Phí, lệ phí: {'; '.join(fees_)}")
    lines.append(f"• Hồ sơ: {dossier_summary(procedure)}" if procedure.documents else "")
    lines.append("Anh/chị muốn xem chi tiết phần nào?")
    return [line for line in lines if line]


COMPOSERS = {
    Aspect.OVERVIEW: overview,
    Aspect.DOCUMENTS: documents,
    Aspect.FEE: fees,
    Aspect.TIME: processing_time,
    Aspect.WHERE: where,
    Aspect.STEPS: steps,
    Aspect.LEGAL: legal_basis,
    Aspect.CONDITIONS: conditions,
    Aspect.RESULT: results,
    Aspect.ONLINE: online,
}


def compose(procedure: Procedure, aspect: Aspect) -> str:
    """The answer text for one aspect, with the citation, within the chat limit."""
    body = "\n".join(COMPOSERS[aspect](procedure))
    cite = citation(procedure)
    room = MAX_REPLY_CHARS - len(cite) - 2
    if len(body) > room:
        body = body[: room - 1].rsplit("\n", 1)[0] + "\n…"
    return f"{body}\n{cite}"
