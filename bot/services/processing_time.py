"""Processing time (thời hạn giải quyết) with its unit, or an honest word when the portal gives none.

The portal's table shows "8 Ngày làm việc" for most procedures, but for about 300 it shows a bare
number ("1"): the unit field is empty. The procedure's own steps often state the same limit with
its unit ("Trong thời hạn 01 ngày làm việc kể từ …", "trả kết quả … trong ngày làm việc tiếp
theo"); that unit is used and its source said. Otherwise the answer says the unit is not given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.knowledge.model import Procedure

_TIME = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(.*)$")
_UNITS = r"ngày làm việc|ngày|giờ làm việc|giờ|tháng|tuần"
_CUE = r"(?:thời hạn|trong vòng|không quá|chậm nhất(?: là)?|tối đa|trong)"
# Same-day handling, said in words: "trả kết quả … trong ngày làm việc tiếp theo", "ngay trong ngày".
_SAME_DAY = re.compile(r"\bngay trong ngày\b|\btrong ngày làm việc\b", re.IGNORECASE)


def _is_bare(text: str) -> bool:
    return bool(re.fullmatch(r"\s*\d+(?:[.,]\d+)?\s*", text))


def _stated_unit(procedure: Procedure, number: str) -> str:
    """The unit the procedure's own text gives this number as a time limit, "" if none or several."""
    value = number.lstrip("0") or "0"
    limit = re.compile(
        rf"\b{_CUE}\s+(?:(?:là|không quá|tối đa)\s+)?0*{re.escape(value)}\s*"
        rf"(?:\([^)]{{1,15}}\)\s*)?({_UNITS})\b(?!\s*\d)",  # "01 tháng 8 năm 2026" is a date, not a duration
        re.IGNORECASE,
    )
    texts: Iterable[str] = (
        *procedure.steps,
        procedure.conditions,
        *(m.note for m in procedure.submission_methods),
    )
    units = {match.group(1).lower() for text in texts for match in limit.finditer(text)}
    if len(units) == 1:
        return units.pop()
    if not units and value == "1" and any(_SAME_DAY.search(step) for step in procedure.steps):
        return "ngày làm việc"
    return ""


def with_unit(procedure: Procedure, time_text: str) -> tuple[str, bool]:
    """The time as a citizen reads it ("8 ngày làm việc") and whether the catalogue gave the unit."""
    match = _TIME.match(time_text)
    if not match:
        return time_text, True
    number, rest = match.groups()
    if rest:
        return f"{number} {rest[:1].lower()}{rest[1:]}", True
    unit = _stated_unit(procedure, number)
    return (f"{number} {unit}", True) if unit else (number, False)


def processing_time(procedure: Procedure) -> list[str]:
    """Time by submission method (methods with the same time on one line), units explained."""
    by_time: dict[str, list[str]] = {}
    for method in procedure.submission_methods:
        if method.time_text:
            by_time.setdefault(method.time_text, []).append(method.method)
    if not by_time:
        return ["Cổng Dịch vụ công chưa ghi thời hạn giải quyết."]
    lines = ["Thời hạn giải quyết:"]
    inferred: list[str] = []
    unknown: list[str] = []
    for time_text, methods in by_time.items():
        shown, known = with_unit(procedure, time_text)
        lines.append(f"• {', '.join(methods)}: {shown}")
        if _is_bare(time_text):
            (inferred if known else unknown).append(time_text.strip())
    if inferred:
        numbers = ", ".join(f"“{n}”" for n in inferred)
        lines.append(
            f"(Bảng trên Cổng chỉ ghi số {numbers}; đơn vị lấy từ phần trình tự thực hiện của thủ tục.)"
        )
    if unknown:
        numbers = ", ".join(f"“{n}”" for n in unknown)
        lines.append(
            f"Cổng Dịch vụ công chỉ ghi số {numbers}, không ghi đơn vị (ngày làm việc, ngày hay giờ), "
            "và phần trình tự thực hiện cũng không nói rõ; anh/chị nên hỏi nơi tiếp nhận hồ sơ "
            "để biết chính xác."
        )
    return lines


def overview_time(procedure: Procedure) -> str:
    """All distinct times on one line, for the overview ("" when none is stated)."""
    shown = []
    for text in dict.fromkeys(m.time_text for m in procedure.submission_methods if m.time_text):
        value, known = with_unit(procedure, text)
        shown.append(value if known else f"{value} (Cổng không ghi đơn vị)")
    return "; ".join(shown)
