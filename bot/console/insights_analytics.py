"""Figures for the centre's director over a period: from Rasa's tracker store (read-only) and the records.

The tracker store is Rasa's SQL ``events`` table (sender_id, type_name, timestamp, intent_name,
action_name, data JSON), read through bot/console/insights_tracker.py; when it is missing, the
conversation figures are zeros. Days are the server's local days, as the records' times are.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.console.insights_handoffs import HandoffWait, handoff_waits, summary
from bot.console.insights_tracker import query_events_table
from bot.services.records import CitizenRecords

DEFAULT_DAYS = 30
MAX_DAYS = 366
CODE = re.compile(r"\bmã (\d+\.\d{6})\b")
ALTERNATIVES = "Không phải thủ tục này?"  # utter_other_candidates, after a direct answer
CLARIFY = "Anh/chị hỏi về thủ tục nào dưới đây?"  # utter_which_of_these_procedures
CHANNELS = (("zalo:", "Zalo"), ("messenger:", "Messenger"), ("web-", "Trang web (widget)"))
OTHER_CHANNEL = "REST / khác"
ASPECTS = {
    "ask_procedure": "Hỏi chung về thủ tục",
    "ask_documents": "Giấy tờ cần nộp",
    "ask_fee": "Lệ phí",
    "ask_processing_time": "Thời gian giải quyết",
    "ask_where_to_submit": "Nơi nộp hồ sơ",
    "ask_steps": "Các bước thực hiện",
    "ask_legal_basis": "Căn cứ pháp lý",
    "ask_conditions": "Điều kiện",
    "ask_result": "Kết quả nhận được",
    "ask_online_submission": "Nộp trực tuyến",
}


@dataclass(frozen=True)
class Period:
    """The days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        """The first moment of the period."""
        return datetime.combine(self.start, datetime.min.time())

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time())

    @property
    def days(self) -> list[date]:
        """Every day of the period."""
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def default_period(today: date | None = None) -> Period:
    """The last 30 days, today included."""
    end = today or date.today()
    return Period(end - timedelta(days=DEFAULT_DAYS - 1), end)


def parse_period(start: str | None, end: str | None, today: date | None = None) -> tuple[Period, str]:
    """The period asked for (YYYY-MM-DD), or the default with a message saying why it was not taken."""
    if not start and not end:
        return default_period(today), ""
    try:
        first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except ValueError:
        return default_period(
            today
        ), "Ngày không hợp lệ (cần dạng năm-tháng-ngày). Đang xem 30 ngày gần nhất."
    if last < first:
        return default_period(today), "Ngày bắt đầu phải trước ngày kết thúc. Đang xem 30 ngày gần nhất."
    if (last - first).days + 1 > MAX_DAYS:
        return default_period(today), f"Chỉ xem được tối đa {MAX_DAYS} ngày. Đang xem 30 ngày gần nhất."
    return Period(first, last), ""


def procedure_label(code: str, name: str, width: int = 45) -> str:
    """A procedure as charts name it: its name (shortened when long) and code; the code alone if unknown."""
    if not name:
        return code
    short = name if len(name) <= width else name[: width - 1].rstrip() + "…"
    return f"{short} ({code})"


def channel_of(sender_id: str) -> str:
    """The channel a conversation came from, by its sender id's prefix."""
    for prefix, name in CHANNELS:
        if sender_id.startswith(prefix):
            return name
    return OTHER_CHANNEL


@dataclass
class Analytics:
    """Everything the analytics page and its CSV show for one period."""

    period: Period
    daily: list[dict[str, Any]] = field(default_factory=list)
    conversations: int = 0
    messages: int = 0
    channels: list[tuple[str, int]] = field(default_factory=list)
    procedures: list[tuple[str, str, int]] = field(default_factory=list)  # code, name, count
    aspects: list[tuple[str, int]] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)
    handoffs: dict[str, Any] = field(default_factory=dict)
    handoff_waits: list[HandoffWait] = field(default_factory=list)
    helpful: int = 0
    unhelpful: int = 0
    tracker_found: bool = False

    def answer_shares(self) -> list[tuple[str, int, float]]:
        """(label, count, percent) for answered directly / with choices / unanswered."""
        labels = {"direct": "Trả lời trực tiếp", "choices": "Kèm lựa chọn", "unanswered": "Chưa trả lời được"}
        total = sum(self.answers.values())
        return [
            (label, self.answers.get(key, 0), 100.0 * self.answers.get(key, 0) / total if total else 0.0)
            for key, label in labels.items()
        ]


@dataclass
class _Turn:
    """One citizen message and what the assistant answered to it."""

    code: str | None = None
    cited: bool = False
    choices: bool = False


@dataclass
class _Day:
    """One day's conversation figures."""

    senders: set[str] = field(default_factory=set)
    messages: int = 0
    bot_messages: int = 0


_EVENTS_QUERY = (
    "SELECT sender_id, type_name, timestamp, intent_name, data FROM events"
    " WHERE type_name IN ('user', 'bot', 'slot') AND timestamp >= ? AND timestamp < ?"
    " ORDER BY sender_id, id"
)
EventRow = tuple[str, str, float, str | None, str | None]


def _events(path: Path, period: Period) -> list[EventRow] | None:
    """The period's user, bot and slot events, by conversation then order (None when there is no store)."""
    bounds = (period.since.timestamp(), period.until.timestamp())
    rows = query_events_table(path, _EVENTS_QUERY, bounds)
    return None if rows is None else [(str(r[0]), str(r[1]), float(r[2]), r[3], r[4]) for r in rows]


def _data(raw: str | None) -> dict[str, Any]:
    """An event's data JSON as a dict (empty when unreadable)."""
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _classify(turn: _Turn, text: str) -> None:
    """Note what one bot message says about the turn: a procedure cited, choices offered."""
    codes = CODE.findall(text)
    if not codes:
        return
    turn.cited = True
    if CLARIFY in text or ALTERNATIVES in text:
        turn.choices = True
    elif turn.code is None:
        turn.code = codes[0]


def _tracker_figures(analytics: Analytics, path: Path, names: Mapping[str, str]) -> None:
    """Fill the conversation figures from the tracker store."""
    days = {day: _Day() for day in analytics.period.days}
    senders: set[str] = set()
    procedures: Counter[str] = Counter()
    aspects: Counter[str] = Counter()
    turns: list[_Turn] = []
    current: _Turn | None = None
    previous_sender = ""
    events = _events(path, analytics.period)
    analytics.tracker_found = events is not None
    for sender, kind, stamp, intent, raw in events or []:
        day = days.get(datetime.fromtimestamp(stamp).date())
        if sender != previous_sender:
            current, previous_sender = None, sender
        if kind == "user":
            senders.add(sender)
            current = _Turn()
            turns.append(current)
            if intent in ASPECTS:
                aspects[ASPECTS[intent]] += 1
            if day is not None:
                day.senders.add(sender)
                day.messages += 1
        elif kind == "bot":
            if day is not None:
                day.bot_messages += 1
            if current is not None:
                _classify(current, str(_data(raw).get("text") or ""))
        elif kind == "slot" and current is not None:
            data = _data(raw)
            if data.get("name") == "procedure_code" and data.get("value"):
                current.code = str(data["value"])
    for turn in turns:
        if turn.code:
            procedures[turn.code] += 1
    analytics.conversations = len(senders)
    analytics.messages = sum(figures.messages for figures in days.values())
    analytics.channels = Counter(channel_of(sender) for sender in senders).most_common()
    analytics.procedures = [(code, names.get(code, ""), count) for code, count in procedures.most_common(10)]
    analytics.aspects = aspects.most_common()
    analytics.answers = {
        "direct": sum(1 for t in turns if t.cited and not t.choices),
        "choices": sum(1 for t in turns if t.choices),
    }
    for moment, figures in days.items():
        analytics.daily.append(
            {
                "day": moment,
                "conversations": len(figures.senders),
                "messages": figures.messages,
                "bot_messages": figures.bot_messages,
            }
        )


def compute(
    records: CitizenRecords,
    tracker_db: Path,
    period: Period,
    names: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Analytics:
    """All the period's figures (a few queries; call it off the event loop).

    ``names``: procedure names by code (the catalogue), shown beside the top procedures' codes.
    ``now``: the moment the waits of requests still open are measured to.
    """
    analytics = Analytics(period)
    _tracker_figures(analytics, tracker_db, names or {})
    per_day: dict[str, Counter[str]] = {day.isoformat(): Counter() for day in period.days}
    # Questions answered with other candidates are kept for review too, but were answered: counted with
    # "Kèm lựa chọn", not again as unanswered (the three shares must add up to the questions asked).
    unanswered = [
        row
        for row in records.unanswered_between(period.since, period.until, limit=1_000_000)
        if row["reason"] != "answered_with_alternatives"
    ]
    waits = handoff_waits(records, period.since, period.until, now)
    ratings = records.ratings(period.since, period.until, limit=1_000_000)
    for row in unanswered:
        per_day.get(str(row["created_at"])[:10], Counter())["unanswered"] += 1
    for wait in waits:
        per_day.get(wait.requested_at.date().isoformat(), Counter())["handoffs"] += 1
    for row in ratings:
        key = "helpful" if row["rating"] == 1 else "unhelpful"
        per_day.get(str(row["created_at"])[:10], Counter())[key] += 1
    for figures in analytics.daily:
        counts = per_day[figures["day"].isoformat()]
        for key in ("unanswered", "handoffs", "helpful", "unhelpful"):
            figures[key] = counts[key]
    analytics.answers["unanswered"] = len(unanswered)
    analytics.helpful = sum(1 for row in ratings if row["rating"] == 1)
    analytics.unhelpful = len(ratings) - analytics.helpful
    analytics.handoff_waits = waits
    analytics.handoffs = summary(waits)
    return analytics
