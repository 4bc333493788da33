"""A running assistant picks up the province's new procedures without a restart, and survives a bad build."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main
from bot.errors import KnowledgeBaseError
from bot.knowledge import embedding, index
from bot.knowledge.catalogue import PROVINCE_RECORDS
from bot.knowledge.index import KnowledgeService, build_index, read_manifest
from bot.knowledge.index_files import build_folder
from bot.knowledge.search import SearchEngine
from tests.unit.province_kb import BAD_JSONL, PHU_THO_JSONL, HashEmbedder, small_knowledge_base, small_sources

QUESTION = "hỗ trợ chi phí cho người lao động đi làm việc ở nước ngoài theo hợp đồng"
NEW_CODE = "PTO.000001"


@pytest.fixture(autouse=True)
def _seed_province(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the seed province.yml (Phú Thọ), whatever the environment deploys."""
    monkeypatch.delenv("CITIZENBOT_PROVINCE_FILE", raising=False)


class _BrokenEmbedder(HashEmbedder):
    """Fails while embedding the passages of a build."""

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("the model crashed half-way")


def _top(engine: SearchEngine) -> str | None:
    top = engine.search(QUESTION, 3).top
    return top.code if top else None


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Poll like the searches of a running assistant do (each search looks at the published index)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture()
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[KnowledgeService, Path]:
    """A service over a small index without the province's procedures, checking for new builds often."""
    monkeypatch.setattr(index, "FOLLOW_SECONDS", 0.05)
    procedures, faq = small_knowledge_base(tmp_path / "kb")
    build_index(tmp_path / "index", HashEmbedder(), procedures, faq)
    service = KnowledgeService(tmp_path / "index", HashEmbedder())
    assert _top(service.engine) != NEW_CODE
    return service, tmp_path


def _with_province_list(folder: Path) -> tuple[Path, Path]:
    """The knowledge base after the province's list was imported (another process's work)."""
    folder.mkdir(parents=True)
    (folder / "list.jsonl").write_text(PHU_THO_JSONL.read_text(encoding="utf-8"), encoding="utf-8")
    return small_knowledge_base(folder, province_list=folder / "list.jsonl")


def test_a_build_published_by_another_process_is_served_without_a_restart(
    served: tuple[KnowledgeService, Path],
) -> None:
    service, tmp_path = served
    before = service.engine
    procedures, faq = _with_province_list(tmp_path / "kb2")
    manifest = build_index(tmp_path / "index", HashEmbedder(), procedures, faq)
    assert _wait_for(lambda: service.engine is not before), "the new build was not swapped in"
    assert len(service.engine.procedures) == manifest.procedures == len(before.procedures) + 3
    assert _top(service.engine) == NEW_CODE
    # A search in flight on the old engine completes on it, with the procedures it had.
    assert NEW_CODE not in before.by_code and before.search(QUESTION, 3) is not None


def test_a_failed_build_is_never_published_and_the_old_engine_keeps_serving(
    served: tuple[KnowledgeService, Path],
) -> None:
    service, tmp_path = served
    before, published = service.engine, read_manifest(tmp_path / "index")
    procedures, faq = _with_province_list(tmp_path / "kb2")
    with pytest.raises(KnowledgeBaseError, match="previous index stays in service"):
        build_index(tmp_path / "index", _BrokenEmbedder(), procedures, faq)
    assert read_manifest(tmp_path / "index") == published
    assert not _wait_for(lambda: service.engine is not before, seconds=0.5)
    assert _top(service.engine) != NEW_CODE


def test_a_published_build_that_cannot_be_loaded_leaves_the_old_engine_serving(
    served: tuple[KnowledgeService, Path], caplog: pytest.LogCaptureFixture
) -> None:
    service, tmp_path = served
    before = service.engine
    procedures, faq = _with_province_list(tmp_path / "kb2")
    manifest = build_index(tmp_path / "index", HashEmbedder(), procedures, faq)
    # Damaged after publication (a disk fault, a hand edit): the service must not swap to it.
    (build_folder(tmp_path / "index", manifest.build) / "engine.pkl").write_bytes(b"not a pickle")
    with caplog.at_level(logging.ERROR, logger="bot.knowledge.index"):
        assert not _wait_for(lambda: service.engine is not before, seconds=1.0)
    assert service.engine is before and _top(before) is not None
    failures = [r for r in caplog.records if "could not be loaded" in r.getMessage()]
    assert len(failures) == 1  # logged once, not on every search
    # The next good build is followed again.
    manifest = build_index(tmp_path / "index", HashEmbedder(), procedures, faq)
    assert _wait_for(lambda: service.engine is not before)
    assert _top(service.engine) == NEW_CODE


def test_kb_import_province_rebuilds_the_index_a_running_service_then_serves(
    served: tuple[KnowledgeService, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    service, tmp_path = served
    before = service.engine
    sources = small_sources(tmp_path / "cli-sources")
    monkeypatch.setenv("CITIZENBOT_PORTAL_RECORDS", str(sources.portal))  # the committed older crawl: 69
    monkeypatch.setattr(embedding, "make_embedder", lambda spec: HashEmbedder())
    listed, out = tmp_path / "list.jsonl", tmp_path / "procedures.jsonl"
    default_list = PROVINCE_RECORDS.read_bytes() if PROVINCE_RECORDS.exists() else None
    argv = ["kb", "import", "--province", str(PHU_THO_JSONL), "--into", str(listed), "--out", str(out)]
    assert main([*argv, "--index-dir", str(tmp_path / "index")]) == 0
    printed = capsys.readouterr().out
    assert (
        f"đã nhập 3 thủ tục riêng của tỉnh Phú Thọ (3 mới, 0 cập nhật); danh sách {listed} có 3 thủ tục"
        in printed
    )
    assert "built index in" in printed and "left out 4 that 3 other provinces" in printed
    # --into named the list; the project's own list is untouched.
    assert (PROVINCE_RECORDS.read_bytes() if PROVINCE_RECORDS.exists() else None) == default_list
    assert _wait_for(lambda: service.engine is not before)
    assert _top(service.engine) == NEW_CODE


def test_kb_import_of_a_bad_file_prints_every_error_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = small_sources(tmp_path / "sources")
    monkeypatch.setenv("CITIZENBOT_PORTAL_RECORDS", str(sources.portal))  # the committed older crawl: 69
    listed, out, index_dir = tmp_path / "list.jsonl", tmp_path / "procedures.jsonl", tmp_path / "index"
    argv = ["kb", "import", "--province", str(BAD_JSONL), "--into", str(listed), "--out", str(out)]
    assert main([*argv, "--index-dir", str(index_dir)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 16 and all(line.startswith(f"{BAD_JSONL}: dòng ") for line in lines[:-1])
    assert lines[-1] == (
        f"citizenbot: không nhập thủ tục nào, danh sách {listed} giữ nguyên; sửa 15 lỗi trên rồi chạy lại"
    )
    assert not listed.exists() and not out.exists() and not index_dir.exists()
