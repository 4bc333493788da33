"""Processing time (thời hạn giải quyết) with its unit, or an honest word when the portal gives none.

The portal's records give each submission method a number and its unit ("8", WORKING_DAY → "8 ngày làm
việc"). For about 1,700 methods the unit is OTHER: the record holds the number only. The procedure's own
text often states the same limit with its unit (the method's description "05 ngày làm việc kể từ …", the
steps "Trong thời hạn 01 ngày làm việc …", "trả kết quả … trong ngày làm việc tiếp theo"); that unit is
used and where it was read is said. Otherwise the answer says the unit is not given — never a guess.
The method's description is shown beside the time when it gives times per case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.knowledge.model import Procedure, SubmissionMethod
from bot.knowledge.portal_records import TIME_UNITS
from bot.services.clipping import clip
from bot.services.portal_wording import not_recorded

TARGET_CHARS = 950  # a phone screen; the bubble limit itself is enforced by compose()
# A method's description beside its time, from generous to none: the first that fits the target is used.
NOTE_CHARS = (180, 120, 80, 0)
MAX_LINES = 8  # distinct times shown; the rest are on the portal page
_TIME = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(.*)$")
# Units a time limit is stated in ("năm" is left out: "trong 05 năm" is a validity, not a processing time).
_UNITS = r"ngày làm việc|ngày|giờ làm việc|giờ|tháng|tuần"
_CUE = r"(?:thời hạn|trong vòng|không quá|chậm nhất(?: là)?|tối đa|trong)"
# Same-day handling, said in words: "trả kết quả … trong ngày làm việc tiếp theo", "ngay trong ngày".
_SAME_DAY = re.compile(r"\bngay trong ngày\b|\btrong ngày làm việc\b", re.IGNORECASE)
# A duration in a description ("05 ngày làm việc", "30 (ba mươi) ngày"), not a date ("01 tháng 8 năm 2026").
_DURATION = re.compile(rf"\b(\d+)\s*(?:\([^)]{{1,15}}\)\s*)?({_UNITS}|năm)\b(?!\s*\d)", re.IGNORECASE)
_PER_CASE = re.compile(r"\btrường hợp\b|\bđối với\b", re.IGNORECASE)
# A description's parts: its lines, "* …" items, "- …" / "+ …" list items and sentences.
_PARTS = re.compile(r"\s*\n+\s*|\s+\*\s*|(?<=[.;:])\s+(?=[-+•]\s)|(?<=\.)\s+(?=[A-ZĐ])")
# The description's own label, which the answer's heading already says.
_LABEL = re.compile(r"^(?:Thời hạn(?: giải quyết)?|Thời gian(?: giải quyết)?)\s*:\s*", re.IGNORECASE)
# "Trường hợp thay đổi tên tổ chức …:" heading the times of one case (the older crawl's layout).
_CASE_HEADING = re.compile(r"^\W*(?:\(\d+\)\s*)?(?:Trường hợp|Đối với)\b[^:]{3,160}:$")
UNKNOWN = "?"  # MethodTime.unit_from when no text states the unit


@dataclass(frozen=True)
class MethodTime:
    """One method's time as a citizen reads it."""

    shown: str  # "8 ngày làm việc"; the bare number when no unit is known
    number: str  # "8"
    unit_from: str = ""  # "" when the record gives the unit; else where it was read, or UNKNOWN


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _stated_unit(procedure: Procedure, method: SubmissionMethod, number: str) -> tuple[str, str]:
    """The unit the procedure's own text gives this number as a time limit, and where: ("", "") if none."""
    value = number.lstrip("0") or "0"
    limit = re.compile(
        rf"\b{_CUE}\s+(?:(?:là|không quá|tối đa)\s+)?0*{re.escape(value)}\s*"
        rf"(?:\([^)]{{1,15}}\)\s*)?({_UNITS})\b(?!\s*\d)",  # "01 tháng 8 năm 2026" is a date, not a duration
        re.IGNORECASE,
    )
    # The method's description may open with the time itself ("05 ngày làm việc kể từ …").
    opening = re.compile(rf"^\W*0*{re.escape(value)}\s*({_UNITS})\b(?!\s*\d)", re.IGNORECASE)
    sources: tuple[tuple[str, Iterable[str], tuple[re.Pattern[str], ...]], ...] = (
        ("mô tả cách thức nộp", (method.note,), (limit, opening)),
        ("trình tự thực hiện", procedure.steps, (limit,)),
        ("yêu cầu, điều kiện", (procedure.conditions,), (limit,)),
    )
    for where, texts, patterns in sources:
        units = {
            match.group(1).lower()
            for text in texts
            for pattern in patterns
            for match in pattern.finditer(text)
        }
        if len(units) == 1:
            return units.pop(), where
    if value == "1" and any(_SAME_DAY.search(step) for step in procedure.steps):
        return "ngày làm việc", "trình tự thực hiện"
    return "", ""


def method_time(procedure: Procedure, method: SubmissionMethod) -> MethodTime | None:
    """The method's time with its unit (from the record, else from the procedure's text); None if none."""
    if method.time_value is not None and method.time_unit in TIME_UNITS:
        number = _number(method.time_value)
        return MethodTime(f"{number} {TIME_UNITS[method.time_unit]}", number)
    if method.time_value is not None:
        number = _number(method.time_value)
    else:  # the older crawl: "5 Ngày làm việc", or a bare "1"
        match = _TIME.match(method.time_text)
        if not match:
            return MethodTime(method.time_text, method.time_text) if method.time_text else None
        number, rest = match.groups()
        if rest:
            return MethodTime(f"{number} {rest[:1].lower()}{rest[1:]}", number)
    unit, where = _stated_unit(procedure, method, number)
    return MethodTime(f"{number} {unit}", number, where) if unit else MethodTime(number, number, UNKNOWN)


def _durations(text: str) -> set[tuple[str, str]]:
    return {(number.lstrip("0") or "0", unit.lower()) for number, unit in _DURATION.findall(text)}


def _time_parts(note: str) -> list[str]:
    """The parts of a method's description that speak of time (and the case they stand under)."""
    parts = [" ".join(_LABEL.sub("", part.strip(" *-+•")).split()) for part in _PARTS.split(note.strip())]
    parts = [part for part in parts if part]
    return [
        part
        for i, part in enumerate(parts)
        if _DURATION.search(part) or (i == 0 and _CASE_HEADING.match(part))
    ]


def _shorten(text: str, limit: int) -> str:
    """A long "Đối với X thì Y" keeps some of Y, the time itself; other text is clipped."""
    condition, then, consequence = text.partition(" thì ")
    if len(text) <= limit or not then or len(condition) < limit // 2:
        return clip(text, limit)
    head = clip(condition, limit // 2).rstrip(" .;,")
    head = head if head.endswith("…") else f"{head}…"
    return f"{head} thì {clip(consequence, max(40, limit - len(head) - 5))}"


def _note(method: SubmissionMethod, time: MethodTime | None, limit: int) -> str:
    """The method's description where it says more about the time (per case, another limit), else ""."""
    parts = _time_parts(method.note)
    if not any(_DURATION.search(part) for part in parts) or limit <= 0:
        return ""
    if time is not None:
        # "05 ngày làm việc kể từ khi nhận đủ hồ sơ" says the time again: only other times and cases stay.
        same = {(time.number, time.shown.partition(" ")[2])}
        parts = [part for part in parts if _durations(part) - same or _PER_CASE.search(part)]
    return _shorten(" ".join(parts), limit) if parts else ""


def processing_time(procedure: Procedure) -> list[str]:
    """Time by submission method (methods with the same time on one line), units explained."""
    lines: list[str] = []
    for limit in NOTE_CHARS:
        lines = _time_lines(procedure, limit)
        if len("\n".join(lines)) <= TARGET_CHARS:
            break
    return lines


def _time_lines(procedure: Procedure, note_chars: int) -> list[str]:
    groups: dict[tuple[str, str, str], list[str]] = {}
    times: dict[tuple[str, str, str], MethodTime | None] = {}
    for method in procedure.submission_methods:
        time = method_time(procedure, method)
        note = _note(method, time, max(note_chars, 80) if time is None else note_chars)
        key = (time.shown if time else "", note, time.unit_from if time else "")
        times.setdefault(key, time)
        if method.method not in groups.setdefault(key, []):
            groups[key].append(method.method)
    if not any(shown or note for shown, note, _ in groups):
        return [not_recorded("thời hạn giải quyết")]
    lines = ["Thời hạn giải quyết:"]
    inferred: dict[str, list[str]] = {}
    unknown: list[str] = []
    for key, methods in list(groups.items())[:MAX_LINES]:
        time, note = times[key], key[1]
        label = ", ".join(methods)
        if time is None:
            lines.append(f"• {label}: Cổng không ghi số ngày; mô tả trên Cổng: {note or 'không có'}")
            continue
        if time.unit_from == UNKNOWN:
            unknown.append(time.number)
            lines.append(f"• {label}: {time.shown} (Cổng không ghi đơn vị)")
        else:
            if time.unit_from:
                inferred.setdefault(time.unit_from, []).append(time.number)
            lines.append(f"• {label}: {time.shown}")
        if note:
            lines.append(f"  (Cổng ghi thêm: {note})")
    if len(groups) > MAX_LINES:
        lines.append(f"… và {len(groups) - MAX_LINES} thời hạn khác (xem đường dẫn bên dưới).")
    for where, numbers in inferred.items():
        quoted = ", ".join(f"“{n}”" for n in dict.fromkeys(numbers))
        lines.append(f"(Cổng chỉ ghi số {quoted}, không ghi đơn vị; đơn vị lấy từ phần {where} của thủ tục.)")
    if unknown:
        quoted = ", ".join(f"“{n}”" for n in dict.fromkeys(unknown))
        lines.append(
            f"Cổng Dịch vụ công chỉ ghi số {quoted}, không ghi đơn vị (ngày làm việc, ngày hay giờ), "
            "và nội dung thủ tục cũng không nói rõ; anh/chị nên hỏi nơi tiếp nhận hồ sơ để biết chính xác."
        )
    return lines


def overview_time(procedure: Procedure) -> str:
    """All distinct times on one line, for the overview ("" when none is stated)."""
    shown = []
    for method in procedure.submission_methods:
        time = method_time(procedure, method)
        if time is not None:
            shown.append(f"{time.shown} (Cổng không ghi đơn vị)" if time.unit_from == UNKNOWN else time.shown)
    return "; ".join(dict.fromkeys(shown))
