"""Recall, precision and latency of personal-data redaction on labelled sentences.

Usage: ``python -m bot.pii_eval FILE [FILE...] [--show-errors] [--repeat N]``. Each FILE holds one
JSON object a line: ``{"text": ..., "spans": [{"start": 10, "end": 25, "kind": "name"}]}``.

A gold span is caught when the predicted masks cover all of it, whatever kind they were given
(the text is masked either way); spaces and punctuation at its edges do not count. A false
positive is a predicted span that overlaps no gold span.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.text.redaction import KINDS, PersonalSpan, find_personal_data, redact

RECALL_GOALS = {"cccd": 0.98, "phone": 0.98, "email": 0.98, "name": 0.85, "address": 0.85}
PRECISION_GOAL = 0.90
_EDGE = " \t\n.,;:!?-()[]\"'"


@dataclass(frozen=True)
class Example:
    """One labelled sentence."""

    text: str
    spans: list[PersonalSpan]


@dataclass
class KindScore:
    """Counts for one kind of personal data (or all kinds)."""

    gold: int = 0
    caught: int = 0
    predicted: int = 0
    false_positives: int = 0

    @property
    def missed(self) -> int:
        """Gold spans not fully masked."""
        return self.gold - self.caught

    @property
    def recall(self) -> float:
        """Share of gold spans fully masked (1.0 when there is none)."""
        return self.caught / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        """Share of predicted spans that overlap a gold span (1.0 when nothing was predicted)."""
        return 1 - self.false_positives / self.predicted if self.predicted else 1.0


@dataclass
class Report:
    """The outcome of :func:`score`: per kind, overall, and the errors for ``--show-errors``."""

    kinds: dict[str, KindScore] = field(default_factory=lambda: {kind: KindScore() for kind in KINDS})
    overall: KindScore = field(default_factory=KindScore)
    misses: list[tuple[str, PersonalSpan]] = field(default_factory=list)
    false_positives: list[tuple[str, PersonalSpan]] = field(default_factory=list)

    def goals(self) -> dict[str, bool]:
        """Each goal of the brief and whether it is met."""
        met = {
            f"recall {kind} ≥ {goal}": self.kinds[kind].recall >= goal for kind, goal in RECALL_GOALS.items()
        }
        met[f"precision overall ≥ {PRECISION_GOAL}"] = self.overall.precision >= PRECISION_GOAL
        return met


def load(path: Path) -> list[Example]:
    """The examples of one JSONL file."""
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            spans = [PersonalSpan(s["start"], s["end"], s["kind"]) for s in row["spans"]]
            examples.append(Example(row["text"], spans))
    return examples


def _core(text: str, span: PersonalSpan) -> tuple[int, int]:
    """The span without spaces and punctuation at its edges."""
    start, end = span.start, span.end
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def score(examples: list[Example]) -> Report:
    """Compare :func:`find_personal_data` with the gold spans of ``examples``."""
    report = Report()
    for example in examples:
        predicted = find_personal_data(example.text)
        covered = {i for span in predicted for i in range(span.start, span.end)}
        gold_cores = [_core(example.text, span) for span in example.spans]
        for span, (start, end) in zip(example.spans, gold_cores):
            counts = report.kinds.setdefault(span.kind, KindScore())
            counts.gold += 1
            report.overall.gold += 1
            inside = (i for i in range(start, end) if not example.text[i].isspace())
            if all(i in covered for i in inside):
                counts.caught += 1
                report.overall.caught += 1
            else:
                report.misses.append((example.text, span))
        for span in predicted:
            counts = report.kinds.setdefault(span.kind, KindScore())
            counts.predicted += 1
            report.overall.predicted += 1
            if not any(span.start < end and start < span.end for start, end in gold_cores):
                counts.false_positives += 1
                report.overall.false_positives += 1
                report.false_positives.append((example.text, span))
    return report


def latency_ms(texts: list[str], repeat: int = 5) -> tuple[float, float]:
    """p50 and p95 of :func:`redact`'s time per sentence in milliseconds (after a warm-up call)."""
    redact("tôi tên là Nguyễn Văn An, sđt 0912345678")
    timings = []
    for _ in range(repeat):
        for text in texts:
            began = time.perf_counter()
            redact(text)
            timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(0.95 * len(timings)))]


def _print(report: Report, p50: float, p95: float, show_errors: bool) -> None:
    print(f"{'kind':<14}{'gold':>6}{'caught':>8}{'missed':>8}{'false+':>8}{'recall':>8}{'precision':>11}")
    rows = [(kind, counts) for kind, counts in report.kinds.items() if counts.gold or counts.predicted]
    for kind, counts in rows + [("overall", report.overall)]:
        print(
            f"{kind:<14}{counts.gold:>6}{counts.caught:>8}{counts.missed:>8}{counts.false_positives:>8}"
            f"{counts.recall:>8.3f}{counts.precision:>11.3f}"
        )
    print()
    for goal, met in report.goals().items():
        print(f"{'✓' if met else '✗'} {goal}")
    print(f"\nredact latency per sentence: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    if show_errors:
        for title, errors in (("missed", report.misses), ("false positives", report.false_positives)):
            print(f"\n{title}:")
            for text, span in errors:
                print(f"  [{span.kind}] {text[span.start : span.end]!r}  in  {text!r}")


def main(argv: list[str] | None = None) -> int:
    """Score the files given on the command line; exit status 1 when a goal is missed."""
    parser = argparse.ArgumentParser(prog="python -m bot.pii_eval", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--show-errors", action="store_true", help="list misses and false positives")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the set when timing")
    args = parser.parse_args(argv)
    examples = [example for path in args.files for example in load(path)]
    report = score(examples)
    p50, p95 = latency_ms([e.text for e in examples], args.repeat)
    _print(report, p50, p95, args.show_errors)
    return 0 if all(report.goals().values()) else 1


if __name__ == "__main__":
    sys.exit(main())
