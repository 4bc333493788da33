"""Conversation-level figures for `make eval`: test-story accuracy, what citizens get over REST, the curve.

Over REST through both real servers, one new conversation per question, from the first reply: direct
(cites a gold procedure), reach (gold cited or one click away), misled (a wrong procedure cited, gold not
offered) and, out of the catalogue, confident wrong (any procedure cited) — for faq_dev's tune half, held
half and whole (``bot.knowledge.evaluate.split_by_procedure``), the colloquial chat questions as written and
without diacritics, and the out-of-catalogue questions; retrieval's hit@5 beside reach (its upper bound).
Then the answer policy's curve (``bot.policy_curve``) on the tune half, with the chosen point checked on
the other sets.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from bot.devstack import ROOT, Stack, running_stack
from bot.knowledge.evaluate import LabelledQuestion, evaluate, evaluation_sets
from bot.policy_curve import CachedEngine, RoutedQuestion, best, curve, figures, route, table
from bot.reply_scoring import reply_outcome, shares
from bot.services.application import application
from bot.text.vietnamese import strip_diacritics

EVAL_DIR = ROOT.parent / "shared" / "data" / "eval"
COLLOQUIAL = ROOT / "tests" / "data" / "colloquial_questions.jsonl"


def story_accuracy(report: Path) -> str:
    """One line from rasa test's story_report.json."""
    if not report.exists():
        return f"story report not found: {report}"
    accuracy = json.loads(report.read_text(encoding="utf-8")).get("conversation_accuracy", {})
    return (
        f"test stories: {accuracy.get('correct')}/{accuracy.get('total')} correct "
        f"(accuracy {accuracy.get('accuracy', 0):.3f}, {accuracy.get('with_warnings', 0)} with warnings)"
    )


def question_sets(eval_dir: Path, colloquial: Path, codes: set[str]) -> dict[str, list[LabelledQuestion]]:
    """The sets measured, by name: those of retrieval (bot.knowledge.evaluate.evaluation_sets) and more."""
    sets = evaluation_sets(eval_dir, colloquial, codes)
    chat = sets.pop("colloquial")
    outside = sets.pop("out of catalogue")
    return {
        **sets,
        "faq_dev whole": sets["faq_dev tune"] + sets["faq_dev held"],
        "colloquial": chat,
        "colloquial, no diacritics": [
            LabelledQuestion(strip_diacritics(q.question), q.gold_codes) for q in chat
        ],
        "not in catalogue": outside,
    }


def _parse(stack: Stack, text: str) -> dict:
    response = stack.rasa_api("POST", "/model/parse", json={"text": text})
    response.raise_for_status()
    return dict(response.json())


def main() -> None:
    """Command line: print story accuracy, the REST figures, and the policy curve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--story-report", type=Path, default=ROOT / "results" / "eval_stories" / "story_report.json"
    )
    parser.add_argument(
        "--eval-dir", type=Path, default=EVAL_DIR, help="faq_dev.jsonl and faq_dev_not_in_catalogue.jsonl"
    )
    parser.add_argument("--colloquial", type=Path, default=COLLOQUIAL)
    args = parser.parse_args()
    print(story_accuracy(args.story_report))
    app = application()
    sets = question_sets(args.eval_dir, args.colloquial, set(app.knowledge.engine.by_code))
    routed: dict[str, list[RoutedQuestion]] = {}
    latencies: list[float] = []
    print("\nOver REST, both real servers, one new conversation per question, first reply:")
    print("| set | n | direct | reach | misled | cites (outside: confident wrong) | retrieval hit@5 |")
    print("|---|---|---|---|---|---|---|")
    engine = CachedEngine(app.knowledge.engine)
    with tempfile.TemporaryDirectory() as workdir, running_stack(Path(workdir)) as stack:
        for set_number, (name, questions) in enumerate(sets.items()):
            outcomes = []
            for number, item in enumerate(questions):
                started = time.perf_counter()
                replies = stack.say(f"eval-{set_number}-{number}", item.question)
                latencies.append((time.perf_counter() - started) * 1000)
                outcomes.append(reply_outcome(replies, item.gold_codes))
            routed[name] = [route(q, _parse(stack, q.question)) for q in questions]
            got = shares(outcomes)
            labelled = bool(questions) and bool(questions[0].gold_codes)
            hit5 = f"{evaluate(engine.search, questions)['hit@5']:.3f}" if labelled else "—"
            print(
                f"| {name} | {len(questions)} | {got['direct']:.3f} | {got['reach']:.3f} "
                f"| {got['misled']:.3f} | {got['cites']:.3f} | {hit5} |"
            )
    print(
        f"latency per reply over REST: p50 {np.percentile(latencies, 50):.0f} ms, "
        f"p95 {np.percentile(latencies, 95):.0f} ms ({len(latencies)} replies)"
    )
    tuning = routed["faq_dev tune"] + routed["new coverage tune"]
    points = curve(tuning, routed["not in catalogue"], engine, app.policy)
    print(
        "\nAnswer policy curve on the tune halves of faq_dev and of the new coverage (simulated on the NLU's "
        "real parses; undominated points):"
    )
    print(table(points, app.policy))
    chosen = best(points)
    for label, policy in (
        ("configured", app.policy),
        ("chosen by the rule", chosen.policy if chosen else None),
    ):
        if policy is None:
            continue
        print(
            f"\n{label}: cite ≥ {policy.answer}, alone ≥ {policy.answer_alone}, "
            f"NLU fallback +{policy.nlu_fallback_extra} (simulated):"
        )
        for name, items in routed.items():
            got = figures(items, engine, policy)
            print(
                f"  {name}: direct {got['direct']:.3f} reach {got['reach']:.3f} misled {got['misled']:.3f} "
                f"cites {got['cites']:.3f}"
            )


if __name__ == "__main__":
    main()
