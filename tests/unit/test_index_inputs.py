"""One list of index inputs: the manifest's hash and the Makefile read the same files; edits make it stale."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.knowledge.index import build_index, is_current
from bot.knowledge.inputs import PROJECT_ROOT, index_inputs
from bot.knowledge.store import PROCEDURES_FILE
from tests.unit.province_kb import HashEmbedder

_HashEmbedder = HashEmbedder  # one deterministic stand-in for the tests that build small indexes


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of every index input under a fresh root, with a small catalogue."""
    root = tmp_path / "project"
    for path in index_inputs():
        target = root / path.relative_to(PROJECT_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    lines = [
        line
        for line in PROCEDURES_FILE.read_text(encoding="utf-8").splitlines()
        if "khai sinh" in json.loads(line)["name"].lower()
    ]
    (root / "knowledge_base" / "procedures.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_the_inputs_include_the_files_that_shape_retrieval() -> None:
    names = {path.relative_to(PROJECT_ROOT).as_posix() for path in index_inputs()}
    for expected in (
        "knowledge_base/abbreviations.yml",
        "knowledge_base/synonyms.yml",
        "bot/knowledge/faq_match.py",
        "bot/knowledge/model.py",
        "bot/knowledge/rerank.py",
        "bot/text/vietnamese.py",
        "bot/text/abbreviations.py",
    ):
        assert expected in names


@pytest.mark.parametrize(
    "edited",
    [
        "knowledge_base/abbreviations.yml",
        "knowledge_base/query_words.yml",
        "bot/knowledge/faq_match.py",
        "bot/knowledge/model.py",
        "bot/text/vietnamese.py",
    ],
)
def test_a_fresh_index_is_current_and_an_edited_input_makes_it_stale(project: Path, edited: str) -> None:
    index_dir = project / "var" / "index"
    kb = project / "knowledge_base"
    embedder = _HashEmbedder()
    build_index(index_dir, embedder, kb / "procedures.jsonl", kb / "faq.yml", root=project)
    assert is_current(index_dir, embedder.name, root=project)
    path = project / edited
    original = path.read_bytes()
    path.write_bytes(original + b"\n# edited\n")
    assert not is_current(index_dir, embedder.name, root=project)
    path.write_bytes(original)
    assert is_current(index_dir, embedder.name, root=project)


def test_a_new_module_in_the_knowledge_package_makes_the_index_stale(project: Path) -> None:
    index_dir = project / "var" / "index"
    kb = project / "knowledge_base"
    build_index(index_dir, _HashEmbedder(), kb / "procedures.jsonl", kb / "faq.yml", root=project)
    (project / "bot" / "knowledge" / "new_stage.py").write_text('"""A new stage."""\n', encoding="utf-8")
    assert not is_current(index_dir, "test:hash", root=project)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_the_makefile_depends_on_exactly_the_same_inputs() -> None:
    shown = subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "--eval",
            "print-kb-inputs: ; @echo $(KB_INPUTS)",
            "print-kb-inputs",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert set(shown) == {path.relative_to(PROJECT_ROOT).as_posix() for path in index_inputs()}
