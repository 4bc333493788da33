"""Conversation-level figures for `make eval`: test-story accuracy and citations over REST.

Over REST through both real servers: the share of questions whose reply cites a gold procedure, and the
share answered with a confident citation of a wrong one.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from bot.devstack import ROOT, running_stack
from bot.knowledge.evaluate import read_questions

CITATION = re.compile(r"Nguồn: .*?\(mã (\d+\.\d{6})\)")
CHOICE = re.compile(r'"procedure_code": "(\d+\.\d{6})"')
DEV = ROOT.parent / "shared" / "data" / "eval" / "faq_dev.jsonl"
NOT_IN_CATALOGUE = ROOT.parent / "shared" / "data" / "eval" / "faq_dev_not_in_catalogue.jsonl"


def cited_codes(messages: list[dict]) -> list[str]:
    """Procedure codes the replies present as the answer's source (not the candidates offered as buttons)."""
    return [code for message in messages for code in CITATION.findall(message.get("text") or "")]


def offered_codes(messages: list[dict]) -> list[str]:
    """Procedure codes offered as choices (candidate buttons), when the assistant asks back or is unsure."""
    payloads = [b.get("payload") or "" for m in messages for b in m.get("buttons") or []]
    return [code for p in payloads if p.startswith("/ask_procedure") for code in CHOICE.findall(p)]


def story_accuracy(report: Path) -> str:
    """One line from rasa test's story_report.json."""
    if not report.exists():
        return f"story report not found: {report}"
    accuracy = json.loads(report.read_text(encoding="utf-8")).get("conversation_accuracy", {})
    return (
        f"test stories: {accuracy.get('correct')}/{accuracy.get('total')} correct "
        f"(accuracy {accuracy.get('accuracy', 0):.3f}, {accuracy.get('with_warnings', 0)} with warnings)"
    )


def rest_figures(dev: Path, not_in_catalogue: Path) -> dict[str, float | int]:
    """Ask every question as a new conversation over REST; score the citations in the replies."""
    with tempfile.TemporaryDirectory() as workdir, running_stack(Path(workdir)) as stack:
        figures: dict[str, float | int] = {}
        latencies: list[float] = []
        for name, path in (("dev", dev), ("not_in_catalogue", not_in_catalogue)):
            questions = read_questions(path)
            gold_cited = wrong_cited = confident = gold_offered = 0
            for number, item in enumerate(questions):
                started = time.perf_counter()
                replies = stack.say(f"eval-{name}-{number}", item.question)
                latencies.append((time.perf_counter() - started) * 1000)
                codes = cited_codes(replies)
                confident += bool(codes)
                gold_cited += bool(set(codes) & set(item.gold_codes))
                wrong_cited += bool(codes) and not set(codes) & set(item.gold_codes)
                gold_offered += not codes and bool(set(offered_codes(replies)) & set(item.gold_codes))
            n = len(questions) or 1
            figures[f"{name}_n"] = len(questions)
            figures[f"{name}_cited_gold"] = round(gold_cited / n, 4)
            figures[f"{name}_confident_wrong"] = round(wrong_cited / n, 4)
            figures[f"{name}_answered_with_citation"] = round(confident / n, 4)
            figures[f"{name}_gold_offered_as_choice"] = round(gold_offered / n, 4)
        figures["rest_ms_p50"] = round(float(np.percentile(latencies, 50)), 1)
        figures["rest_ms_p95"] = round(float(np.percentile(latencies, 95)), 1)
        return figures


def main() -> None:
    """Command line: print story accuracy and the REST figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    report = ROOT / "results" / "eval_stories" / "story_report.json"
    parser.add_argument("--story-report", type=Path, default=report)
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--not-in-catalogue", type=Path, default=NOT_IN_CATALOGUE)
    args = parser.parse_args()
    print(story_accuracy(args.story_report))
    figures = rest_figures(args.dev, args.not_in_catalogue)
    print(
        f"over REST, one new conversation per question ({figures['dev_n']} dev, "
        f"{figures['not_in_catalogue_n']} not in the catalogue):\n"
        f"  faq_dev: reply cites a gold procedure {figures['dev_cited_gold']:.3f} (goal ≥ 0.75); "
        f"cites a wrong one {figures['dev_confident_wrong']:.3f}; asks back offering the gold procedure "
        f"{figures['dev_gold_offered_as_choice']:.3f}\n"
        f"  not in catalogue: confident wrong citation {figures['not_in_catalogue_confident_wrong']:.3f} "
        f"(goal ≤ 0.20)\n"
        f"  latency per reply p50 {figures['rest_ms_p50']} ms, p95 {figures['rest_ms_p95']} ms"
    )
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
