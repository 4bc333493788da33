"""The analytics page's tables as one CSV file, for the director's spreadsheet.

Every row starts with the name of the table it belongs to (column "Bảng"), so filtering on that column
gives one table. Each table opens with its own header row, whose first cell is "Bảng", and tables are
separated by an empty row: opened as it is, the file reads as the page's tables one under the other.
UTF-8 with a BOM so that spreadsheet programs read the diacritics.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from bot.console.insights_analytics import Analytics

TABLE_COLUMN = "Bảng"
DAILY = "Theo ngày"
CHANNELS = "Kênh liên hệ"
PROCEDURES = "Thủ tục được hỏi nhiều nhất"
ASPECTS = "Nội dung được hỏi"
ANSWERS = "Mức độ trả lời được"
WAIT_SUMMARY = "Thời gian chờ cán bộ (tổng hợp)"
WAITS = "Yêu cầu gặp cán bộ"
RATINGS = "Đánh giá của công dân"


def _minutes(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def tables(analytics: Analytics) -> list[tuple[str, list[str], list[Sequence[Any]]]]:
    """(name, column titles, rows) of every table the analytics page shows, in the page's order."""
    handoffs = analytics.handoffs
    return [
        (
            DAILY,
            [
                "Ngày",
                "Cuộc trò chuyện",
                "Tin nhắn của công dân",
                "Tin nhắn của trợ lý",
                "Câu hỏi chưa trả lời được",
                "Yêu cầu gặp cán bộ",
                "Đánh giá 👍",
                "Đánh giá 👎",
            ],
            [
                [
                    row["day"].isoformat(),
                    row["conversations"],
                    row["messages"],
                    row["bot_messages"],
                    row["unanswered"],
                    row["handoffs"],
                    row["helpful"],
                    row["unhelpful"],
                ]
                for row in analytics.daily
            ],
        ),  # fmt: skip
        (CHANNELS, ["Kênh", "Cuộc trò chuyện"], [list(item) for item in analytics.channels]),
        (PROCEDURES, ["Mã thủ tục", "Tên thủ tục", "Số lần"], [list(item) for item in analytics.procedures]),
        (ASPECTS, ["Nội dung", "Số lần"], [list(item) for item in analytics.aspects]),
        (
            ANSWERS,
            ["Loại", "Số câu hỏi", "Tỉ lệ (%)"],
            [[label, count, f"{percent:.1f}"] for label, count, percent in analytics.answer_shares()],
        ),
        (
            WAIT_SUMMARY,
            ["Chỉ số", "Giá trị"],
            [
                ["Yêu cầu trong kỳ", handoffs.get("count", 0)],
                ["Cán bộ đã nhắn", handoffs.get("answered", 0)],
                ["Đang chờ", handoffs.get("waiting", 0)],
                ["Đã kết thúc, cán bộ chưa nhắn", handoffs.get("closed_unanswered", 0)],
                ["Thời gian chờ trung vị (phút)", _minutes(handoffs.get("median_minutes"))],
                ["Thời gian chờ trung bình (phút)", _minutes(handoffs.get("mean_minutes"))],
                ["Thời gian chờ lâu nhất (phút)", _minutes(handoffs.get("max_minutes"))],
            ],
        ),
        (
            WAITS,
            [
                "Mã yêu cầu",
                "Thời điểm yêu cầu",
                "Tin nhắn đầu tiên của cán bộ",
                "Thời gian chờ (phút)",
                "Tình trạng",
            ],
            [
                [
                    wait.ticket,
                    wait.requested_at.isoformat(sep=" "),
                    wait.first_reply_at.isoformat(sep=" ") if wait.first_reply_at else "",
                    _minutes(wait.minutes),
                    wait.state_label,
                ]
                for wait in analytics.handoff_waits
            ],
        ),  # fmt: skip
        (
            RATINGS,
            ["Loại", "Số đánh giá"],
            [["👍 Hữu ích", analytics.helpful], ["👎 Chưa đúng ý", analytics.unhelpful]],
        ),
    ]


def _write(writer: Any, name: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> None:
    writer.writerow([TABLE_COLUMN, *columns])
    for row in rows:
        writer.writerow([name, *row])


def to_csv(analytics: Analytics) -> str:
    """Every table of the page in one CSV (see the module's docstring for its layout)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for number, (name, columns, rows) in enumerate(tables(analytics)):
        if number:
            writer.writerow([])
        _write(writer, name, columns, rows)
    return "\ufeff" + out.getvalue()
