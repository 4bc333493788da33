"""The answer policy's trade-off curve: reach, misled and out-of-catalogue citations per pair of thresholds.

Each question is routed as the Rasa server routes it (its NLU parse, asked once over the HTTP API): an
aspect intent goes to the procedure answer, the NLU fallback to the same answer with more caution, any
other intent elsewhere (no citation, no choice). Then :func:`bot.services.turn.plan_turn` — the function
the action renders — decides the reply for every policy of a grid, over one in-process search engine whose
results are cached, so the whole grid costs one search per question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import product

from bot.knowledge.evaluate import LabelledQuestion
from bot.knowledge.search import SearchResult
from bot.reply_scoring import Outcome, outcome, shares
from bot.services.answer_policy import AnswerPolicy
from bot.services.procedure_answers import Aspect
from bot.services.turn import Engine, Turn, plan_turn

ASPECT_INTENTS = frozenset(aspect.value for aspect in Aspect)
# The grid the curve is drawn on: the citing threshold, the answer-alone threshold, the NLU-fallback margin.
ANSWER_GRID = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
ANSWER_ALONE_GRID = (0.7, 0.8, 0.9, 1.01)
NLU_EXTRA_GRID = (0.0, 0.05, 0.1)
# The choice rule: the most direct answers on the tuning questions while out-of-catalogue questions are
# answered with a citation at most this often and tuning questions misled at most this often (both below
# the goals, 0.15 and 0.06, to leave room for questions nobody has seen).
MAX_OUT_OF_CATALOGUE_CITED = 0.13
MAX_MISLED = 0.05


@dataclass(frozen=True)
class RoutedQuestion:
    """A labelled question and the turn the NLU makes of it (None: routed to something else)."""

    question: LabelledQuestion
    turn: Turn | None


def route(question: LabelledQuestion, parse: dict) -> RoutedQuestion:
    """The turn the Rasa server would hand the procedure answer, from its NLU parse."""
    intent = (parse.get("intent") or {}).get("name")
    if intent in ASPECT_INTENTS:
        return RoutedQuestion(question, Turn(question.question, Aspect(intent)))
    if intent == "nlu_fallback":
        guesses = [item for item in parse.get("intent_ranking") or [] if item.get("name") != "nlu_fallback"]
        aspect = Aspect.from_intent(guesses[0].get("name") if guesses else None)
        return RoutedQuestion(question, Turn(question.question, aspect, nlu_unsure=True))
    return RoutedQuestion(question, None)


class CachedEngine:
    """The engine with its results kept per question (the grid asks each question many times)."""

    def __init__(self, engine: Engine) -> None:
        """Wrap ``engine``."""
        self.engine = engine
        self.procedures = engine.procedures
        self.by_code = engine.by_code
        self._results: dict[tuple[str, int], SearchResult] = {}

    def search(self, question: str, k: int = 5) -> SearchResult:
        """The wrapped engine's result, computed once."""
        key = (question, k)
        if key not in self._results:
            self._results[key] = self.engine.search(question, k)
        return self._results[key]


def simulate(item: RoutedQuestion, engine: Engine, policy: AnswerPolicy) -> Outcome:
    """The measures of the reply the policy would give."""
    if item.turn is None:
        return outcome((), (), item.question.gold_codes)
    plan = plan_turn(item.turn, engine, policy)
    cited = [plan.procedure.code] if plan.procedure is not None else []
    return outcome(cited, [c.code for c in plan.candidates], item.question.gold_codes)


def figures(items: Sequence[RoutedQuestion], engine: Engine, policy: AnswerPolicy) -> dict[str, float]:
    """The shares of :mod:`bot.reply_scoring` for one set under one policy."""
    return shares([simulate(item, engine, policy) for item in items])


def grid(base: AnswerPolicy) -> list[AnswerPolicy]:
    """Every policy of the grid (the clarify threshold and candidate count as configured)."""
    return [
        replace(base, answer=answer, answer_alone=max(alone, answer), nlu_fallback_extra=extra)
        for answer, alone, extra in product(ANSWER_GRID, ANSWER_ALONE_GRID, NLU_EXTRA_GRID)
        if alone >= answer
    ]


@dataclass(frozen=True)
class CurvePoint:
    """One policy's figures on the tuning questions and the out-of-catalogue ones."""

    policy: AnswerPolicy
    tune: dict[str, float]
    outside: dict[str, float]


def curve(
    tune: Sequence[RoutedQuestion], outside: Sequence[RoutedQuestion], engine: Engine, base: AnswerPolicy
) -> list[CurvePoint]:
    """The grid's points."""
    return [CurvePoint(p, figures(tune, engine, p), figures(outside, engine, p)) for p in grid(base)]


def best(points: Sequence[CurvePoint]) -> CurvePoint | None:
    """The choice rule's point: most direct answers within the limits, then most reach, then fewest cited."""
    allowed = [
        p
        for p in points
        if p.outside["cites"] <= MAX_OUT_OF_CATALOGUE_CITED and p.tune["misled"] <= MAX_MISLED
    ]
    return max(allowed, key=lambda p: (p.tune["direct"], p.tune["reach"], -p.outside["cites"]), default=None)


def _dominated(point: CurvePoint, points: Sequence[CurvePoint]) -> bool:
    def key(p: CurvePoint) -> tuple[float, float, float]:
        return (p.tune["direct"], -p.tune["misled"], -p.outside["cites"])

    mine = key(point)
    return any(all(a >= b for a, b in zip(key(o), mine)) and key(o) != mine for o in points)


def table(points: Sequence[CurvePoint], configured: AnswerPolicy) -> str:
    """The curve's undominated points as a Markdown table, the configured and the chosen policies marked."""
    chosen = best(points)
    lines = [
        "| cite ≥ | alone ≥ | NLU fallback + | tune direct | tune reach | tune misled | outside cited |",
        "|---|---|---|---|---|---|---|",
    ]
    shown: set[tuple[float, ...]] = set()
    for point in points:
        p = point.policy
        is_configured = (p.answer, p.answer_alone, p.nlu_fallback_extra) == (
            configured.answer,
            configured.answer_alone,
            configured.nlu_fallback_extra,
        )
        figures_key = (
            point.tune["direct"],
            point.tune["reach"],
            point.tune["misled"],
            point.outside["cites"],
        )
        marked = is_configured or point is chosen
        if not marked and (_dominated(point, points) or figures_key in shown):
            continue  # the same figures as a row already shown, or worse on every measure
        shown.add(figures_key)
        marks = []
        if is_configured:
            marks.append("configured")
        if chosen is not None and point is chosen:
            marks.append("chosen by the rule")
        lines.append(
            f"| {p.answer:.2f} | {p.answer_alone:.2f} | {p.nlu_fallback_extra:.2f} | "
            f"{point.tune['direct']:.3f} | {point.tune['reach']:.3f} | {point.tune['misled']:.3f} | "
            f"{point.outside['cites']:.3f}{' ← ' + ', '.join(marks) if marks else ''} |"
        )
    return "\n".join(lines)
