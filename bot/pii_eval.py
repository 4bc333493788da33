"""Recall, precision and latency of personal-data redaction on labelled sentences.

Usage: ``python -m bot.pii_eval FILE [FILE...] [--show-errors] [--repeat N]``. Each FILE holds one
JSON object a line: ``{"text": ..., "spans": [{"start": 10, "end": 25, "kind": "name"}]}``.

A gold span is caught when the predicted masks cover all of it, whatever kind they were given
(the text is masked either way); spaces and punctuation at its edges do not count. A false
positive is a predicted span that overlaps no gold span. The confusion table says which kind the
caught spans were given; the timing covers one sentence, then a whole turn as the tracker store
redacts it (the citizen's message and a long answer of the assistant).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.text.redaction import KINDS, PersonalSpan, find_personal_data, redact, redact_event

RECALL_GOALS = {"cccd": 0.98, "phone": 0.98, "email": 0.98, "name": 0.85, "address": 0.85}
PRECISION_GOAL = 0.90
_EDGE = " \t\n.,;:!?-()[]\"'"
MISSED = "missed"
NO_GOLD = "(none)"
# A long answer as the assistant gives it (documents of a procedure, where to file, fee, citation):
# the bot's half of a turn, which the tracker store redacts with the citizen's message.
LONG_ANSWER = (
    "Hồ sơ đăng ký khai sinh gồm:\n"
    "1. Tờ khai đăng ký khai sinh theo mẫu (bản chính); trường hợp ủy quyền thì có văn bản ủy quyền "
    "được chứng thực.\n"
    "2. Giấy chứng sinh do bệnh viện, cơ sở y tế nơi trẻ sinh ra cấp; nếu không có thì văn bản của "
    "người làm chứng xác nhận về việc sinh.\n"
    "3. Giấy tờ tùy thân của người đi đăng ký: Căn cước công dân, hộ chiếu hoặc giấy tờ khác có dán "
    "ảnh và thông tin cá nhân do cơ quan có thẩm quyền cấp, còn giá trị sử dụng.\n"
    "4. Giấy chứng nhận kết hôn của cha mẹ trẻ, nếu cha mẹ đã đăng ký kết hôn.\n"
    "Nơi nộp: Bộ phận tiếp nhận và trả kết quả của Ủy ban nhân dân cấp xã nơi cư trú của cha hoặc mẹ, "
    "hoặc nộp trực tuyến trên Cổng Dịch vụ công quốc gia. Thời hạn giải quyết: ngay trong ngày làm việc; "
    "nếu nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo. Lệ phí: miễn lệ phí đăng "
    "ký khai sinh đúng hạn. Căn cứ: Luật Hộ tịch năm 2014, Nghị định 123/2015/NĐ-CP, thủ tục 1.001193 "
    "trên Cổng Dịch vụ công tỉnh Hòa Bình. Anh chị cần hỏi thêm có thể gọi đường dây nóng của Trung tâm "
    "Phục vụ hành chính công tỉnh trong giờ hành chính, từ thứ Hai đến thứ Sáu."
)


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
    # (gold kind, kind given) → spans; MISSED when not fully masked, NO_GOLD for a false positive.
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    clean_sentences: int = 0  # sentences without personal data ...
    clean_untouched: int = 0  # ... that redaction left as they were

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
        if not example.spans:
            report.clean_sentences += 1
            report.clean_untouched += not predicted
        for span, (start, end) in zip(example.spans, gold_cores):
            counts = report.kinds.setdefault(span.kind, KindScore())
            counts.gold += 1
            report.overall.gold += 1
            inside = (i for i in range(start, end) if not example.text[i].isspace())
            if all(i in covered for i in inside):
                counts.caught += 1
                report.overall.caught += 1
                given = max(predicted, key=lambda p: min(p.end, end) - max(p.start, start)).kind
            else:
                report.misses.append((example.text, span))
                given = MISSED
            report.confusion[span.kind, given] = report.confusion.get((span.kind, given), 0) + 1
        for span in predicted:
            counts = report.kinds.setdefault(span.kind, KindScore())
            counts.predicted += 1
            report.overall.predicted += 1
            if not any(span.start < end and start < span.end for start, end in gold_cores):
                counts.false_positives += 1
                report.overall.false_positives += 1
                report.false_positives.append((example.text, span))
                key = (NO_GOLD, span.kind)
                report.confusion[key] = report.confusion.get(key, 0) + 1
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
    return _percentiles(timings)


def turn_latency_ms(texts: list[str], repeat: int = 5, new_answers: bool = True) -> tuple[float, float]:
    """p50 and p95 of the tracker store's redaction of one turn in milliseconds.

    A turn is the citizen's message (its text, the NLU's copy and entities) and a long answer, redacted
    by :func:`redact_event` as the tracker store does. With ``new_answers`` each answer is new, so the
    store's cache of repeated answers does not hide the cost: the worst case, an answer given the first
    time; without, the same answer again, as for a popular procedure.
    """
    redact_event({"event": "bot", "text": LONG_ANSWER})
    timings = []
    for round_ in range(repeat):
        for number, text in enumerate(texts):
            user = {
                "event": "user",
                "text": text,
                "parse_data": {"text": text, "intent": {"name": "ask", "confidence": 0.9}, "entities": []},
                "metadata": {},
            }
            answer = f"{LONG_ANSWER} (lượt {round_}.{number})" if new_answers else LONG_ANSWER
            bot = {"event": "bot", "text": answer}
            began = time.perf_counter()
            redact_event(user)
            redact_event(bot)
            timings.append((time.perf_counter() - began) * 1000)
    return _percentiles(timings)


def _percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[min(len(timings) - 1, int(0.95 * len(timings)))]


def _print_confusion(report: Report) -> None:
    given = [kind for kind in KINDS if any(key[1] == kind for key in report.confusion)]
    columns = [*given, MISSED]
    rows = [kind for kind in KINDS if report.kinds.get(kind, KindScore()).gold] + [NO_GOLD]
    width = max(len(column) for column in columns) + 2
    print("gold \\ given" + "".join(f"{column:>{width}}" for column in columns))
    for kind in rows:
        cells = "".join(f"{report.confusion.get((kind, column), 0):>{width}}" for column in columns)
        print(f"{kind:<12}{cells}")
    print(
        f"sentences without personal data: {report.clean_sentences}, left untouched: {report.clean_untouched}"
    )


def _print(
    report: Report,
    p50: float,
    p95: float,
    show_errors: bool,
    turns: dict[str, tuple[float, float]] | None = None,
) -> None:
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
    print()
    _print_confusion(report)
    print(f"\nredact latency per sentence: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    for answer, (turn_p50, turn_p95) in (turns or {}).items():
        print(
            f"redaction per turn (message + {len(LONG_ANSWER)}-character answer, {answer}): "
            f"p50 {turn_p50:.2f} ms, p95 {turn_p95:.2f} ms"
        )
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
    texts = [e.text for e in examples]
    p50, p95 = latency_ms(texts, args.repeat)
    turns = {
        "said the first time": turn_latency_ms(texts, args.repeat),
        "said before": turn_latency_ms(texts, args.repeat, new_answers=False),
    }
    _print(report, p50, p95, args.show_errors, turns)
    return 0 if all(report.goals().values()) else 1


if __name__ == "__main__":
    sys.exit(main())
