"""The dev questions split by procedure, and `citizenbot kb eval --half` measuring one half."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bot.cli as cli
from bot.knowledge import commands
from bot.knowledge.evaluate import LabelledQuestion, split_by_procedure
from bot.knowledge.search import SearchHit, SearchResult


def _questions() -> list[LabelledQuestion]:
    rows = []
    for i in range(30):
        codes = (f"1.{i:06d}",) if i % 5 else (f"1.{i:06d}", f"1.{i + 1:06d}")
        rows.append(LabelledQuestion(f"câu hỏi {i}", codes))
    return rows


def test_the_halves_share_no_procedure_and_cover_every_question() -> None:
    questions = _questions()
    tune, held = split_by_procedure(questions)
    assert len(tune) + len(held) == len(questions)
    assert {c for q in tune for c in q.gold_codes}.isdisjoint({c for q in held for c in q.gold_codes})
    assert abs(len(tune) - len(held)) <= 3
    assert split_by_procedure(questions) == (tune, held)  # deterministic


class _Engine:
    """Answers every question with the code in its text, so the score says which half was measured."""

    def search(self, question: str, k: int = 5) -> SearchResult:
        code = f"1.{int(question.split()[-1]):06d}" if question.split()[-1].isdigit() else "x"
        hit = SearchHit(code=code, name="", score=1.0, matched_field="name")
        return SearchResult(query=question, hits=(hit,), confidence=1.0, ambiguous=False, abstain=False)


@pytest.mark.parametrize("half", ["tune", "held"])
def test_kb_eval_measures_the_requested_half(
    half: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = _questions()
    path = tmp_path / "dev.jsonl"
    path.write_text(
        "\n".join(json.dumps({"question": q.question, "gold_codes": list(q.gold_codes)}) for q in questions),
        encoding="utf-8",
    )
    monkeypatch.setattr(commands, "_engine", lambda args: _Engine())
    assert cli.main(["kb", "eval", str(path), "--json", "--half", half]) == 0
    report = json.loads(capsys.readouterr().out)
    tune, held = split_by_procedure(questions)
    assert report["n"] == len(tune if half == "tune" else held)
    assert report["half"] == half and report["hit@1"] == 1.0
    assert cli.main(["kb", "eval", str(path), "--json"]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert whole["n"] == len(questions) and "half" not in whole
