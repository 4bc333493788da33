"""What the assistant could not answer, the citizens' ratings, and the director's analytics (issue 12).

Routes (under /console): the unanswered-question groups and dismissing a group (editor, audited), the
ratings 👎 first, the analytics page with server-drawn SVG charts, and its daily figures as CSV.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING, Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.accounts import StaffUser
from bot.console.insights_analytics import Analytics, Period, compute, parse_period
from bot.console.insights_charts import charts
from bot.console.insights_export import to_csv
from bot.console.insights_groups import DISMISS_REASONS, QuestionGroup, group_questions
from bot.console.insights_ratings import PAGE_SIZE, conversations_for
from bot.console.security import PREFIX, form_value, guard
from bot.console.sessions import Session
from bot.services.retention import tracker_db_path

if TYPE_CHECKING:
    from bot.console.app import Console

MAX_QUESTIONS = 5000  # retention keeps the table small; this bounds a page all the same
MAX_RATINGS = 500
CACHE_SECONDS = 60.0  # the analytics of a period are computed at most once a minute
NOTICES = {"dismissed": "Đã bỏ qua nhóm câu hỏi."}
# The entries for the console's navigation (base.html), path under /console and label.
NAV = (("unanswered", "Câu hỏi chưa trả lời được"), ("ratings", "Đánh giá"), ("analytics", "Thống kê"))


def parse_ids(raw: str) -> list[int]:
    """Question ids from a form field ("3,5,8"); anything that is not a positive number is dropped."""
    return sorted({int(part) for part in raw.split(",") if part.strip().isdigit() and int(part) > 0})


def mark_resolved(console: Console, raw_ids: str, reason: str, actor: str, made: str) -> list[int]:
    """Mark an unanswered group's questions reviewed because an FAQ or alias (``made``) now answers them.

    Only questions still waiting are marked (one dismissed meanwhile keeps its reason); audited.
    """
    wanted = set(parse_ids(raw_ids))
    if not wanted:
        return []
    rows = [
        r
        for r in console.records.unanswered_between(limit=MAX_QUESTIONS)
        if r["id"] in wanted and not (r["review_reason"] or r["reviewed"])
    ]
    if not rows:
        return []
    label = QuestionGroup(None, frozenset(), rows).main_question
    changed = console.records.dismiss_unanswered([r["id"] for r in rows], reason, actor)
    console.audit.record(
        actor, "unanswered.resolve", label[:200], before={"ids": sorted(r["id"] for r in rows)},
        after={"ids": changed, "reason": reason, "made": made},
    )  # fmt: skip
    return changed


class AnalyticsCache:
    """Figures (and anything derived, such as charts) kept per period for a minute."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._entries: dict[tuple[Any, ...], tuple[float, Any]] = {}

    def get(self, key: tuple[Any, ...]) -> Any:
        """The cached value, or None when absent or older than the limit."""
        with self._lock:
            found = self._entries.get(key)
            if found is None or time.monotonic() - found[0] > self.seconds:
                return None
            return found[1]

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        """Keep a value (the cache holds a few periods at most: old entries are dropped)."""
        with self._lock:
            now = time.monotonic()
            self._entries = {k: v for k, v in self._entries.items() if now - v[0] <= self.seconds}
            self._entries[key] = (now, value)


def register(blueprint: Blueprint, console: Console) -> None:
    """Add the unanswered-question, ratings and analytics routes to the console blueprint."""
    login_required = guard(console.sessions, console.accounts)
    editor_required = guard(console.sessions, console.accounts, edit=True)
    cache = AnalyticsCache()

    def grouped(dismissed: bool) -> tuple[list[QuestionGroup], int]:
        """The groups of questions still to review, or of those dismissed; how many questions."""
        rows = [
            row
            for row in console.records.unanswered_between(limit=MAX_QUESTIONS)
            if bool(row["review_reason"] or row["reviewed"]) == dismissed
        ]
        return group_questions(rows), len(rows)

    async def groups_page(
        request: Request, user: StaffUser, session: Session, error: str = "", status: int = 200
    ) -> HTTPResponse:
        """The groups page (the grouping runs off the event loop: thousands of questions take a moment)."""
        dismissed = request.args.get("show") == "dismissed"
        groups, questions = await asyncio.to_thread(grouped, dismissed)
        # Staff know procedures by name, not by code (the catalogue may be read from its file: off the loop).
        names = await asyncio.to_thread(console.catalogue)
        return console.render(
            "unanswered.html",
            user,
            session,
            status=status,
            groups=groups,
            questions=questions,
            dismissed=dismissed,
            reasons=DISMISS_REASONS,
            procedure_name=lambda code: names.get(code, ""),
            error=error,
            notice=NOTICES.get(request.args.get("ok", ""), ""),
        )

    @blueprint.get("/unanswered")
    @login_required
    async def unanswered(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        return await groups_page(request, user, session)

    @blueprint.post("/unanswered/dismiss")
    @editor_required
    async def dismiss(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        reason = form_value(request, "reason")
        wanted = set(parse_ids(form_value(request, "ids")))
        if reason not in DISMISS_REASONS or not wanted:
            return await groups_page(request, user, session, "Yêu cầu không hợp lệ.", status=400)
        rows = [r for r in console.records.unanswered_between(limit=MAX_QUESTIONS) if r["id"] in wanted]
        if not rows:
            return await groups_page(
                request, user, session, "Không còn câu hỏi nào trong nhóm này.", status=404
            )
        label = QuestionGroup(None, frozenset(), rows).main_question  # names the group in the audit log
        changed = console.records.dismiss_unanswered([r["id"] for r in rows], reason, user.username)
        before: dict[str, Any] = {
            "ids": sorted(r["id"] for r in rows),
            "reviewed": {str(r["id"]): r["review_reason"] or bool(r["reviewed"]) for r in rows},
        }
        console.audit.record(
            user.username,
            "unanswered.dismiss",
            label[:200],
            before=before,
            after={"ids": changed, "reason": reason},
        )
        return response.redirect(f"{PREFIX}/unanswered?ok=dismissed")

    @blueprint.get("/ratings")
    @login_required
    async def ratings(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        rows = console.records.ratings(limit=MAX_RATINGS)
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        raw_page = request.args.get("page", "1")
        page = min(max(int(raw_page), 1), pages) if raw_page.isdigit() else 1
        shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return console.render(
            "insights_ratings.html",
            user,
            session,
            rows=shown,
            conversations=await conversations_for(console, shown, tracker_db_path()),
            summary=console.records.rating_summary(),
            page=page,
            pages=pages,
            page_size=PAGE_SIZE,
        )

    async def figures(period: Period) -> tuple[Analytics, dict[str, str] | None]:
        """The period's figures (cached a minute); charts are drawn on demand and cached with them."""
        key = (period, str(tracker_db_path()))
        found = cache.get(key)
        if found is None:
            # The catalogue may be read from its file the first time: off the event loop as well.
            analytics = await asyncio.to_thread(
                lambda: compute(console.records, tracker_db_path(), period, console.catalogue())
            )
            found = (analytics, None)
            cache.put(key, found)
        return found

    @blueprint.get("/analytics")
    @login_required
    async def analytics(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        period, error = parse_period(request.args.get("from"), request.args.get("to"))
        result, drawn = await figures(period)
        if drawn is None:
            drawn = await asyncio.to_thread(charts, result)
            cache.put((period, str(tracker_db_path())), (result, drawn))
        return console.render(
            "analytics.html",
            user,
            session,
            status=400 if error else 200,
            error=error,
            analytics=result,
            charts=drawn,
            period=period,
        )

    @blueprint.get("/analytics.csv")
    @login_required
    async def analytics_csv(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        period, error = parse_period(request.args.get("from"), request.args.get("to"))
        if error:
            return response.text(error, status=400)
        result, _ = await figures(period)
        name = f"thong-ke-{period.start.isoformat()}-{period.end.isoformat()}.csv"
        return response.text(
            to_csv(result),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
