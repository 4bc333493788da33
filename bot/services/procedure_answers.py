"""Compose chat answers about one aspect of a procedure, from its structured record, with a citation.

Every answer fits a chat bubble (≤ 2,000 characters, the Zalo/Messenger limit): long lists are cut
and point to the portal page for the rest. An aspect the record leaves empty is said to be missing,
with the portal page to look at (the citation line carries its link).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import Enum

from bot.knowledge.model import LegalDocument, Procedure
from bot.services.clipping import clip
from bot.services.documents_answer import documents, dossier_summary
from bot.services.fee_answer import fee_summary, fees
from bot.services.portal_wording import not_recorded
from bot.services.processing_time import overview_time, processing_time
from bot.services.where_answer import DEFAULT_CITIZEN_LEVELS, ordered_levels, where

MAX_REPLY_CHARS = 2000
MAX_LIST_ITEMS = 8
MAX_ITEM_CHARS = 220
MAX_NUMBER_CHARS = 60  # a legal document's number, never cut, beside its clipped title
MAX_NAME_CHARS = 160  # the procedure's name in the citation (a few names run past 1,000 characters)


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
    return clip(text, limit)


def citation(procedure: Procedure) -> str:
    """The source line every answer ends with."""
    name = _short(procedure.name, MAX_NAME_CHARS)
    return f"Nguồn: {name} (mã {procedure.code}), Cổng Dịch vụ công quốc gia: {procedure.url}"


def _listing(items: list[str], what: str, limit: int = MAX_ITEM_CHARS) -> list[str]:
    lines = [f"• {_short(item, limit)}" for item in items[:MAX_LIST_ITEMS]]
    if len(items) > MAX_LIST_ITEMS:
        lines.append(f"… và {len(items) - MAX_LIST_ITEMS} {what} khác (xem đầy đủ tại đường dẫn bên dưới).")
    return lines


_STEP_NUMBER = re.compile(r"^\s*Bước\s*\d+\s*[:.\-–]?\s*", re.IGNORECASE)
# "Nộp hồ sơ * Người đề nghị …": the portal's step name, then its text after a list mark.
_STEP_NAME = re.compile(r"^([^.:;*+]{3,40}?)\s+[*+]\s+(?=\S)")


def _step(text: str) -> str:
    text = _STEP_NUMBER.sub("", text) or text
    return _short(_STEP_NAME.sub(r"\1: ", text))


def steps(procedure: Procedure) -> list[str]:
    """Numbered steps."""
    if not procedure.steps:
        return [not_recorded("trình tự thực hiện")]
    shown = [f"{i}. {_step(step)}" for i, step in enumerate(procedure.steps[:6], 1)]
    more = len(procedure.steps) - 6
    tail = [f"… còn {more} bước/đoạn nữa (xem đầy đủ tại đường dẫn bên dưới)."] if more > 0 else []
    return ["Trình tự thực hiện:"] + shown + tail


def _sentence_case(title: str) -> str:
    """A title the record writes in capitals, as a sentence ("QUY ĐỊNH MỨC THU…" → "Quy định mức thu…")."""
    if title.upper() != title or sum(ch.isalpha() for ch in title) < 12:
        return title
    text = title[:1] + title[1:].lower()
    return re.sub(r"\bviệt nam\b", "Việt Nam", text)


def legal_item(document: LegalDocument, limit: int = 180) -> str:
    """One legal document with its number, which is never cut off ("Luật Xuất cảnh… (số 23/2023/QH15)")."""
    title = _sentence_case(" ".join(document.title.split()).rstrip(" .;"))
    number = document.number.strip()
    if not title:
        return f"Văn bản số {number}"
    shown = _short(title[:1].upper() + title[1:], limit)
    if not number or number in shown:
        return shown
    number = number[:MAX_NUMBER_CHARS]
    return f"{shown} (số {number})" if number[:1].isdigit() else f"{shown} ({number})"


def legal_basis(procedure: Procedure) -> list[str]:
    """Legal documents with their numbers."""
    if not procedure.legal_basis:
        fallback = procedure.fallback.get("can_cu_phap_ly")
        return [_short(fallback, 600)] if fallback else [not_recorded("căn cứ pháp lý")]
    items = list(dict.fromkeys(legal_item(d) for d in procedure.legal_basis))
    return ["Căn cứ pháp lý:"] + _listing(items, "văn bản", limit=MAX_ITEM_CHARS + MAX_NUMBER_CHARS)


def _applicants(procedure: Procedure) -> str:
    return ", ".join(procedure.subjects) or procedure.applicants


def conditions(procedure: Procedure) -> list[str]:
    """Conditions, and who may apply."""
    lines = []
    if procedure.conditions:
        lines.append(f"Yêu cầu, điều kiện: {_short(procedure.conditions, 900)}")
    else:
        lines.append("Cổng Dịch vụ công không ghi yêu cầu, điều kiện riêng cho thủ tục này.")
    if applicants := _applicants(procedure):
        lines.append(f"Đối tượng thực hiện: {_short(applicants, 300)}.")
    else:
        lines.append(
            "Cổng cũng chưa ghi đối tượng thực hiện; anh/chị xem trang thủ tục theo đường dẫn bên dưới."
        )
    return lines


def results(procedure: Procedure) -> list[str]:
    """What the citizen receives."""
    if not procedure.results:
        return [not_recorded("kết quả giải quyết")]
    return ["Kết quả anh/chị nhận được:"] + _listing(list(procedure.results), "kết quả")


def online(procedure: Procedure) -> list[str]:
    """Whether it can be submitted online or by post."""
    methods = {m.method for m in procedure.submission_methods}
    if not methods:
        return [not_recorded("cách thức nộp hồ sơ")]
    if "Trực tuyến" in methods:
        first = "Có, thủ tục này nộp trực tuyến được (qua Cổng Dịch vụ công)."
    else:
        first = "Theo Cổng Dịch vụ công, thủ tục này chưa nộp trực tuyến được."
    lines = [first]
    if "Dịch vụ bưu chính" in methods:
        lines.append("Có thể nộp hồ sơ hoặc nhận kết quả qua dịch vụ bưu chính.")
    lines.append(f"Các hình thức nộp: {', '.join(sorted(methods))}.")
    return lines


def overview(procedure: Procedure, citizen_levels: Sequence[str] = DEFAULT_CITIZEN_LEVELS) -> list[str]:
    """A compact summary: level, agency, time, fee, dossier."""
    lines = [f"Thủ tục: {_short(procedure.name, 300)}"]
    if procedure.levels:
        lines.append(f"• Cấp thực hiện: {', '.join(ordered_levels(procedure.levels, citizen_levels))}")
    agency = procedure.implementing_agency or procedure.competent_agency
    if agency:
        lines.append(f"• Cơ quan thực hiện: {_short(agency, 200)}")
    if times := overview_time(procedure):
        lines.append(f"• Thời hạn: {_short(times, 240)}")
    if fee := fee_summary(procedure):
        lines.append(f"• Phí, lệ phí: {fee}")
    lines.append(f"• Hồ sơ: {dossier_summary(procedure)}" if procedure.documents else "")
    lines.append("Anh/chị muốn xem chi tiết phần nào?")
    return [line for line in lines if line]


COMPOSERS: dict[Aspect, Callable[[Procedure], list[str]]] = {
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


def compose(
    procedure: Procedure, aspect: Aspect, citizen_levels: Sequence[str] = DEFAULT_CITIZEN_LEVELS
) -> str:
    """The answer text for one aspect, with the citation, within the chat limit.

    ``citizen_levels`` (province.yml) orders the levels and agencies of a procedure carried out at several.
    """
    if aspect is Aspect.WHERE:
        lines = where(procedure, citizen_levels)
    elif aspect is Aspect.OVERVIEW:
        lines = overview(procedure, citizen_levels)
    else:
        lines = COMPOSERS[aspect](procedure)
    body = "\n".join(lines)
    cite = citation(procedure)
    room = MAX_REPLY_CHARS - len(cite) - 2
    if len(body) > room:  # a last resort: each composer keeps to its own, smaller target
        body = body[: room - 1].rsplit("\n", 1)[0] + "\n…"
    return f"{body}\n{cite}"
