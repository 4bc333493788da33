"""Redaction meets the issue's goals on a labelled set it was never tuned on, and the report adds up."""

from __future__ import annotations

from pathlib import Path

from bot.pii_eval import MISSED, NO_GOLD, Example, load, score, turn_latency_ms
from bot.text.redaction import PersonalSpan

# Written after the patterns were last changed and never used to change them: a fair measure.
HELD2 = Path(__file__).parents[1] / "data" / "pii_held2.jsonl"


def test_redaction_meets_the_goals_on_the_second_held_out_set() -> None:
    examples = load(HELD2)
    report = score(examples)
    assert len(examples) >= 150 and report.clean_sentences >= len(examples) // 3
    figures = {
        kind: (round(k.recall, 3), round(k.precision, 3)) for kind, k in report.kinds.items() if k.gold
    }
    missed = [goal for goal, met in report.goals().items() if not met]
    assert not missed, f"{missed}; recall and precision per kind: {figures}"


def test_the_confusion_table_counts_each_gold_span_and_false_positive_once() -> None:
    spans = [PersonalSpan(11, 24, "name"), PersonalSpan(30, 40, "phone")]
    examples = [
        Example("tôi tên là Nguyễn Văn An, sđt 0912345678", spans),
        Example("thủ tục cấp lại căn cước ở đâu", []),
        Example("gọi 0912345678 nhé", []),
    ]  # fmt: skip
    report = score(examples)
    assert report.confusion == {("name", "name"): 1, ("phone", "phone"): 1, (NO_GOLD, "phone"): 1}
    assert (report.clean_sentences, report.clean_untouched) == (2, 1)
    missed = score([Example("nhà ở xóm Mới", [PersonalSpan(6, 13, "name")]), Example("bé Na", [])])
    assert missed.confusion.get(("name", MISSED), 0) + missed.confusion.get(("name", "address"), 0) == 1


def test_a_turn_is_timed_with_the_long_answer() -> None:
    p50, p95 = turn_latency_ms(["tôi tên là Nguyễn Văn An, sđt 0912345678"], repeat=3)
    assert 0 < p50 <= p95
