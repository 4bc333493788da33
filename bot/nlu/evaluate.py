"""Held-out NLU evaluation: intent macro-F1 as written and with diacritics stripped, and a fallback sweep.

Runs in the Rasa environment: ``python -m bot.nlu.evaluate models/citizenbot.tar.gz tests/nlu/heldout.yml``.
The model is loaded once and every message is parsed by the same pipeline the server uses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.text.vietnamese import strip_diacritics

THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


@dataclass(frozen=True)
class Example:
    """One held-out message with its gold intent."""

    text: str
    intent: str


def read_examples(path: Path) -> list[Example]:
    """Read a Rasa NLU YAML file (retrieval intents are scored by their base intent)."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [
        Example(text=m.get("text"), intent=str(m.get("intent")).split("/")[0]) for m in data.intent_examples
    ]


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    """Macro-averaged F1 over the gold labels."""
    from sklearn.metrics import f1_score

    labels = sorted(set(gold))
    return float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0))


async def _parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    logging.getLogger().setLevel(logging.WARNING)
    configure_structlog(logging.WARNING)

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def _ranking_top(parsed: dict[str, Any]) -> tuple[str, float]:
    """The best real intent and its confidence (ignoring the fallback the model may have applied)."""
    ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    if not ranking:
        return "", 0.0
    return str(ranking[0]["name"]), float(ranking[0]["confidence"])


def evaluate(model: Path, heldout: Path) -> dict[str, Any]:
    """Score the held-out file as written and stripped of diacritics."""
    examples = read_examples(heldout)
    gold = [e.intent for e in examples]
    variants = {
        "as_written": [e.text for e in examples],
        "no_diacritics": [strip_diacritics(e.text) for e in examples],
    }
    report: dict[str, Any] = {"n": len(examples), "intents": len(set(gold))}
    started = time.perf_counter()
    parsed_all = asyncio.run(_parse_all(model, [t for texts in variants.values() for t in texts]))
    report["parse_seconds"] = round(time.perf_counter() - started, 1)
    for index, name in enumerate(variants):
        parsed = parsed_all[index * len(examples) : (index + 1) * len(examples)]
        tops = [_ranking_top(p) for p in parsed]
        predicted = [intent for intent, _ in tops]
        errors = [
            {
                "text": variants[name][i],
                "gold": gold[i],
                "predicted": predicted[i],
                "confidence": round(tops[i][1], 3),
            }
            for i in range(len(examples))
            if predicted[i] != gold[i]
        ]
        sweep = []
        for threshold in THRESHOLDS:
            kept = [i for i, (_, conf) in enumerate(tops) if conf >= threshold]
            correct_kept = sum(1 for i in kept if predicted[i] == gold[i])
            sweep.append(
                {
                    "threshold": threshold,
                    "fallback_rate": round(1 - len(kept) / len(examples), 3),
                    "accuracy_of_answered": round(correct_kept / len(kept), 3) if kept else 0.0,
                    "wrong_answered_rate": round((len(kept) - correct_kept) / len(examples), 3),
                }
            )
        report[name] = {
            "macro_f1": round(macro_f1(gold, predicted), 4),
            "accuracy": round(sum(p == g for p, g in zip(predicted, gold)) / len(gold), 4),
            "fallback_sweep": sweep,
            "errors": errors,
        }
    return report


def main() -> None:
    """Command line: print the report as JSON (or a summary)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path)
    parser.add_argument("heldout", type=Path)
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args()
    report = evaluate(args.model, args.heldout)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"NLU held-out ({report['n']} messages, {report['intents']} intents, {args.heldout}):")
    for name in ("as_written", "no_diacritics"):
        part = report[name]
        print(f"  {name:14s} intent macro-F1 {part['macro_f1']:.3f}  accuracy {part['accuracy']:.3f}")
    print("  fallback threshold sweep (as written / no diacritics): fallback rate, wrong answers")
    for a, b in zip(report["as_written"]["fallback_sweep"], report["no_diacritics"]["fallback_sweep"]):
        print(
            f"    {a['threshold']:.2f}: {a['fallback_rate']:.3f} / {b['fallback_rate']:.3f}   "
            f"{a['wrong_answered_rate']:.3f} / {b['wrong_answered_rate']:.3f}"
        )
    for name in ("as_written", "no_diacritics"):
        for error in report[name]["errors"]:
            print(
                f"  miss [{name}] {error['gold']} → {error['predicted']} "
                f"({error['confidence']}): {error['text']}"
            )


if __name__ == "__main__":
    main()
