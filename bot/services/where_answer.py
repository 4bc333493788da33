"""Where to submit: the levels (the citizen's first), the agencies at each level, the reception address.

A procedure carried out at several levels ("Cấp xã", "Cấp tỉnh", "Cấp bộ") names them in the order a
citizen of the province goes to them (province.yml's ``citizen_levels``), and its agencies in the same
order, each with its level where the name tells it ("Sở …" is the province's, "Cục …" the ministry's).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.knowledge.model import Procedure
from bot.services.clipping import clip
from bot.services.portal_wording import not_recorded

# province.yml's default (bot.settings.ProvinceSettings.citizen_levels): commune, province, ministry.
DEFAULT_CITIZEN_LEVELS = ("Cấp xã", "Cấp tỉnh", "Cấp bộ")
ITEM_CHARS = 300
NO_ADDRESS = "Cổng không ghi địa chỉ cụ thể; anh/chị liên hệ cơ quan thực hiện nêu trên."
# The level an agency's name belongs to; the first that matches wins (a commune's office may name its
# province: "Ủy ban nhân dân xã …, tỉnh …").
_AGENCY_LEVELS = (
    ("Cấp xã", re.compile(r"(?i:\bcấp xã\b|\bxã\b|\bphường\b|\bthị trấn\b|\bđặc khu\b)|\bThuế cơ sở\b")),
    ("Cấp tỉnh", re.compile(r"(?i:\bcấp tỉnh\b|\btỉnh\b|\bthành phố\b|\bkhu vực\b)|\bSở\b|\bTP\.")),
    (
        "Cấp bộ",
        re.compile(r"^(?:Bộ|Cục|Tổng cục|Vụ|Thanh tra Bộ)\b|\bBộ [A-ZĐ]|\bNgân hàng Nhà nước Việt Nam"),
    ),
)
# Where the records' comma-joined list of agencies starts a new agency (a name may hold commas itself:
# "Sở Văn hóa, Thể thao và Du lịch", "Ủy ban nhân dân cấp xã, phường, thị trấn").
_AGENCY_START = re.compile(
    r"^(?:Ủy ban|Uỷ ban|UBND|Sở|Bộ|Cục|Chi cục|Tổng cục|Ngân hàng|Công an|Thuế|Văn phòng|Phòng|Ban|Bảo hiểm|"
    r"Cảng vụ|Trung tâm|Cơ quan|Chủ tịch|Hải quan|Chi nhánh|Viện|Tòa án|Cảnh sát|Đại sứ quán|Kho bạc|"
    r"Thanh tra|Giám đốc|Thủ tướng|Chính phủ|Tập đoàn|Tổng công ty|Công ty|Quỹ|Học viện|Vụ|Bệnh viện|"
    r"Hội đồng|Cơ sở|Khu|Trường|Đơn vị|Tổ chức|Người)\b"
)
METHOD_WORDS = {"Trực tiếp": "trực tiếp", "Trực tuyến": "trực tuyến", "Dịch vụ bưu chính": "qua bưu chính"}


def ordered_levels(levels: Sequence[str], citizen_levels: Sequence[str]) -> list[str]:
    """The procedure's levels, those a citizen goes to first in the province's order, then the others."""
    rank = {level: i for i, level in enumerate(citizen_levels)}
    return sorted(dict.fromkeys(levels), key=lambda level: rank.get(level, len(rank)))


def agencies(text: str) -> list[str]:
    """The records' comma-joined agencies as a list, names holding commas kept whole."""
    parts: list[str] = []
    for part in (p.strip(" .;") for p in text.split(", ")):
        if parts and not _AGENCY_START.match(part):
            parts[-1] = f"{parts[-1]}, {part}"
        elif part:
            parts.append(part)
    return list(dict.fromkeys(parts))


def agency_level(name: str) -> str:
    """The level an agency's name says it belongs to ("" when it does not say)."""
    return next((level for level, pattern in _AGENCY_LEVELS if pattern.search(name)), "")


def _agency_line(procedure: Procedure, levels: list[str]) -> str:
    names = agencies(procedure.implementing_agency or procedure.competent_agency)
    if not names:
        return ""
    if len(levels) < 2 or len(names) < 2:
        return f"• Cơ quan thực hiện: {clip('; '.join(names), ITEM_CHARS)}"
    rank = {level: i for i, level in enumerate(levels)}
    tagged = sorted(((agency_level(n), n) for n in names), key=lambda item: rank.get(item[0], len(rank)))
    said = [f"{name} ({level.lower()})" if level else name for level, name in tagged]
    return f"• Cơ quan thực hiện: {clip('; '.join(said), ITEM_CHARS)}"


def where(procedure: Procedure, citizen_levels: Sequence[str] = DEFAULT_CITIZEN_LEVELS) -> list[str]:
    """Levels (the citizen's first), agencies, the reception address and the ways to submit."""
    levels = ordered_levels(procedure.levels, citizen_levels)
    lines = ["Nơi nộp hồ sơ:"]
    if levels:
        several = " (tùy trường hợp)" if len(levels) > 1 else ""
        lines.append(f"• Cấp thực hiện: {', '.join(levels)}{several}")
    agency = _agency_line(procedure, levels)
    if agency:
        lines.append(agency)
    competent = procedure.competent_agency
    if competent and procedure.implementing_agency and competent != procedure.implementing_agency:
        lines.append(f"• Cơ quan có thẩm quyền quyết định: {clip(competent, ITEM_CHARS)}")
    address = procedure.receiving_address.strip(" -+•*")
    if address:
        lines.append(f"• Địa chỉ tiếp nhận: {clip(address, ITEM_CHARS)}")
    elif agency:
        lines.append(f"• Địa chỉ tiếp nhận: {NO_ADDRESS}")
    methods = [METHOD_WORDS.get(m.method, m.method.lower()) for m in procedure.submission_methods]
    if methods:
        lines.append(f"• Cách nộp: {', '.join(dict.fromkeys(methods))}.")
    if not (agency or address):
        lines.append(
            not_recorded("cơ quan và địa chỉ tiếp nhận hồ sơ", ask="Trung tâm Phục vụ hành chính công")
        )
    return lines
