"""The analytics charts: SVG drawn on the server with matplotlib (no browser script, no CDN).

Matplotlib's object API (Figure + the SVG canvas), never pyplot, so there is no GUI backend and no
global figure state; a lock keeps the drawing of one chart at a time (matplotlib is not thread-safe).
Each chart comes back as a ``data:image/svg+xml;base64,…`` URI, which the console's CSP allows in <img>.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # never a GUI backend, even if something imports pyplot later

from matplotlib.figure import Figure  # noqa: E402 - after choosing the backend
from matplotlib.ticker import MaxNLocator  # noqa: E402

from bot.console.insights_analytics import Analytics, procedure_label  # noqa: E402

BRAND = "#a3161a"
BLUE = "#0b4f8a"
GREY = "#9aa5b4"
_lock = threading.Lock()


def _data_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    # Text stays text (drawn by the browser's fonts, Vietnamese included): smaller files, selectable words.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float = 8.0, height: float = 3.2) -> Figure:
    figure = Figure(figsize=(width, height))
    figure.set_facecolor("white")
    return figure


def daily_chart(analytics: Analytics) -> str:
    """Conversations (bars) and citizens' messages (line) per day."""
    days = [row["day"] for row in analytics.daily]
    labels = [f"{day:%d/%m}" for day in days]
    with _lock:
        figure = _figure()
        axes = figure.subplots()
        positions = list(range(len(days)))
        axes.bar(
            positions, [r["conversations"] for r in analytics.daily], color=BRAND, label="Cuộc trò chuyện"
        )
        axes.plot(positions, [r["messages"] for r in analytics.daily], color=BLUE, marker="o",
                  markersize=3, label="Tin nhắn của công dân")  # fmt: skip
        step = max(1, len(days) // 10)
        axes.set_xticks(positions[::step], labels[::step])
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylim(bottom=0)
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
        return _data_uri(figure)


def bar_chart(items: Sequence[tuple[str, float]], color: str = BRAND, unit: str = "") -> str:
    """Horizontal bars, largest on top, with the value at the end of each bar."""
    shown = list(items)[:10] or [("(chưa có dữ liệu)", 0)]
    with _lock:
        figure = _figure(width=5.5, height=0.45 * len(shown) + 0.8)
        axes = figure.subplots()
        labels = [label for label, _ in shown][::-1]
        values = [value for _, value in shown][::-1]
        bars = axes.barh(range(len(shown)), values, color=color)
        axes.set_yticks(range(len(shown)), labels)
        axes.tick_params(labelsize=13)  # shown at half the page's width: larger type stays readable
        axes.bar_label(bars, labels=[f"{v:g}{unit}" for v in values], padding=3, fontsize=13)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        top = 100 if unit == " %" else max(max(values, default=0) * 1.15, 1)
        axes.set_xlim(left=0, right=top)
        axes.spines[["top", "right"]].set_visible(False)
        return _data_uri(figure)


def charts(analytics: Analytics) -> dict[str, str]:
    """Every chart of the analytics page, by name."""
    shares = [(label, round(percent, 1)) for label, _, percent in analytics.answer_shares()]
    return {
        "daily": daily_chart(analytics),
        "channels": bar_chart(analytics.channels, BLUE),
        "procedures": bar_chart(
            [(procedure_label(code, name), count) for code, name, count in analytics.procedures]
        ),
        "aspects": bar_chart(analytics.aspects, BLUE),
        "answers": bar_chart(shares, GREY, unit=" %"),
        "ratings": bar_chart([("Hữu ích", analytics.helpful), ("Chưa đúng ý", analytics.unhelpful)]),
    }
