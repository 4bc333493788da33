"""Retrieval evaluation: hit@1, hit@5, MRR@10 and abstention on questions with gold procedure codes."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.knowledge.search import SearchResult
from bot.text.vietnamese import strip_diacritics


@dataclass(frozen=True)
class LabelledQuestion:
    """A question and the codes of the procedures it is about (empty: not in the knowledge base)."""

    question: str
    gold_codes: tuple[str, ...]


def read_questions(path: Path) -> list[LabelledQuestion]:
    """Read JSON lines with ``question`` and ``gold_codes``."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                raw = json.loads(line)
                rows.append(
                    LabelledQuestion(str(raw["question"]), tuple(str(c) for c in raw.get("gold_codes") or ()))
                )
    return rows


def split_by_procedure(
    questions: list[LabelledQuestion],
) -> tuple[list[LabelledQuestion], list[LabelledQuestion]]:
    """Two halves of a question set that share no gold procedure: one to tune on, one kept for reporting.

    Questions whose gold codes overlap stay together (connected groups); groups go, in the order of a hash
    of their codes (deterministic, unrelated to difficulty), to whichever half has fewer questions so far.
    """
    parent: dict[str, str] = {}

    def root(code: str) -> str:
        while parent.setdefault(code, code) != code:
            code = parent[code]
        return code

    for item in questions:
        codes = list(item.gold_codes)
        for code in codes[1:]:
            parent[root(code)] = root(codes[0])
    groups: dict[str, list[LabelledQuestion]] = {}
    for item in questions:
        key = root(item.gold_codes[0]) if item.gold_codes else "-"
        groups.setdefault(key, []).append(item)
    tune: list[LabelledQuestion] = []
    held: list[LabelledQuestion] = []
    for key in sorted(groups, key=lambda k: hashlib.sha1(k.encode("utf-8")).hexdigest()):
        (tune if len(tune) <= len(held) else held).extend(groups[key])
    return tune, held


def evaluate(
    search: Callable[[str, int], SearchResult],
    questions: list[LabelledQuestion],
    strip: bool = False,
) -> dict[str, float | int]:
    """Score a search function on labelled questions."""
    hit1 = hit5 = reciprocal = abstained = ambiguous = 0.0
    latencies = []
    for item in questions:
        text = strip_diacritics(item.question) if strip else item.question
        started = time.perf_counter()
        result = search(text, 10)
        latencies.append((time.perf_counter() - started) * 1000)
        codes = [hit.code for hit in result.hits]
        gold = set(item.gold_codes)
        rank = next((i for i, code in enumerate(codes) if code in gold), None)
        if rank is not None:
            hit1 += rank == 0
            hit5 += rank < 5
            reciprocal += 1.0 / (rank + 1)
        abstained += result.abstain
        ambiguous += result.ambiguous
    n = len(questions) or 1
    return {
        "n": len(questions),
        "hit@1": round(hit1 / n, 4),
        "hit@5": round(hit5 / n, 4),
        "mrr@10": round(reciprocal / n, 4),
        "abstained": round(abstained / n, 4),
        "ambiguous": round(ambiguous / n, 4),
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 1) if latencies else 0.0,
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 1) if latencies else 0.0,
    }


def new_coverage_questions(
    path: Path, codes: set[str]
) -> tuple[list[LabelledQuestion], list[LabelledQuestion]]:
    """Questions once out of the catalogue whose procedure the knowledge base now holds, and the rest.

    ``path`` is faq_dev_not_in_catalogue.jsonl: each question names its procedures in
    ``codes_not_in_catalogue``; those found in ``codes`` become its gold codes.
    """
    covered: list[LabelledQuestion] = []
    outside: list[LabelledQuestion] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            raw = json.loads(line)
            gold = tuple(str(c) for c in raw.get("codes_not_in_catalogue") or () if str(c) in codes)
            (covered if gold else outside).append(LabelledQuestion(str(raw["question"]), gold))
    return covered, outside


def evaluation_sets(eval_dir: Path, colloquial: Path, codes: set[str]) -> dict[str, list[LabelledQuestion]]:
    """Every set the retrieval is measured on, tuned and held halves apart (split by procedure).

    Rules and weights may be fitted on the "tune" halves only; "held" halves and the colloquial set are
    for reporting. "out of catalogue" has no gold: it measures abstention.
    """
    faq_tune, faq_held = split_by_procedure(read_questions(eval_dir / "faq_dev.jsonl"))
    covered, outside = new_coverage_questions(eval_dir / "faq_dev_not_in_catalogue.jsonl", codes)
    new_tune, new_held = split_by_procedure(covered)
    return {
        "faq_dev tune": faq_tune,
        "faq_dev held": faq_held,
        "new coverage tune": new_tune,
        "new coverage held": new_held,
        "colloquial": read_questions(colloquial),
        "out of catalogue": outside,
    }
