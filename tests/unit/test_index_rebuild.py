"""A rebuild that fails anywhere leaves the index in service as it was, on disk and in memory."""

from __future__ import annotations

import errno
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.errors import KnowledgeBaseError
from bot.knowledge.embedding import Embedder, SentenceTransformerEmbedder, bundled_minilm_path
from bot.knowledge.index import KnowledgeService, build_index, load_engine, read_manifest
from bot.knowledge.search import SearchEngine
from bot.knowledge.store import PROCEDURES_FILE

QUESTION = "đăng ký tạm trú cần giấy tờ gì"
# More than one embedding batch (64), so an embedder can fail half-way through.
TERMS = ("tạm trú", "thường trú", "khai sinh", "kết hôn", "khai tử", "cư trú", "con nuôi")


class _FlakyEmbedder(Embedder):
    """The real model, failing on the n-th call of one kind (passages or queries)."""

    def __init__(self, inner: Embedder, fail_on: str, call: int, delay: float = 0.0) -> None:
        self.inner, self.fail_on, self.call, self.calls, self.delay = inner, fail_on, call, 0, delay

    @property
    def name(self) -> str:
        return self.inner.name

    def _maybe_fail(self, kind: str) -> None:
        if kind == self.fail_on:
            self.calls += 1
            if self.calls >= self.call:
                time.sleep(self.delay)
                raise RuntimeError(f"model crashed on {kind} call {self.calls}")

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self._maybe_fail("queries")
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self._maybe_fail("passages")
        return self.inner.embed_passages(texts)


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return SentenceTransformerEmbedder(bundled_minilm_path())


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A knowledge base of ~90 procedures (full.jsonl) and the same without its last one (fewer.jsonl)."""
    folder = tmp_path_factory.mktemp("kb")
    lines = [
        line
        for line in PROCEDURES_FILE.read_text(encoding="utf-8").splitlines()
        if any(term in json.loads(line)["name"].lower() for term in TERMS)
        and not json.loads(line)["scope_province"]  # another province's own is left out of the index
    ]
    assert len(lines) > 64
    (folder / "full.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "fewer.jsonl").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    (folder / "faq.yml").write_text("faq: []\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def template(kb: Path, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 'old' index, built once; each test works on a copy."""
    index_dir = tmp_path_factory.mktemp("template") / "index"
    build_index(index_dir, embedder, kb / "full.jsonl", kb / "faq.yml")
    return index_dir


@pytest.fixture()
def index_dir(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(template, copy, symlinks=True)
    return copy


@pytest.fixture(scope="module")
def expected_top(template: Path, embedder: Embedder) -> str:
    top = load_engine(template, embedder, []).search(QUESTION, 3).top
    assert top is not None
    return top.code


def snapshot(index_dir: Path) -> dict[str, Any]:
    """Every file (bytes), link (target) and folder of the index; the embedding cache and lock aside."""
    seen: dict[str, Any] = {}
    for folder, dirs, files in os.walk(index_dir):
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(index_dir).as_posix()
            if rel == "cache" or rel.startswith("cache/") or rel == ".build.lock":
                continue
            if path.is_symlink():
                seen[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                seen[rel] = "folder"
            else:
                seen[rel] = path.read_bytes()
    return seen


def assert_old_index_serves(index_dir: Path, before: dict[str, Any], embedder: Embedder, top: str) -> None:
    assert snapshot(index_dir) == before
    manifest = read_manifest(index_dir)
    assert manifest is not None and manifest.procedures > 64
    result = KnowledgeService(index_dir, embedder).engine.search(QUESTION, 3)
    assert result.top is not None and result.top.code == top


def assert_next_build_works(index_dir: Path, kb: Path, embedder: Embedder) -> None:
    manifest = build_index(index_dir, embedder, kb / "fewer.jsonl", kb / "faq.yml")
    full = len((kb / "full.jsonl").read_text(encoding="utf-8").splitlines())
    assert manifest.procedures == full - 1
    assert read_manifest(index_dir) == manifest
    assert len(load_engine(index_dir, embedder, []).procedures) == full - 1
    assert not [p for p in (index_dir / "builds").iterdir() if p.name.startswith(".")]


def test_a_corrupt_procedures_file_changes_nothing(
    index_dir: Path, kb: Path, embedder: Embedder, expected_top: str, tmp_path: Path
) -> None:
    before = snapshot(index_dir)
    bad = tmp_path / "bad.jsonl"
    bad.write_text((kb / "full.jsonl").read_text(encoding="utf-8") + '{"code": "1.0", "name": \n', "utf-8")
    with pytest.raises(KnowledgeBaseError):
        build_index(index_dir, embedder, bad, kb / "faq.yml")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="no procedures"):
        build_index(index_dir, embedder, empty, kb / "faq.yml")
    assert_old_index_serves(index_dir, before, embedder, expected_top)
    assert_next_build_works(index_dir, kb, embedder)


@pytest.mark.parametrize(("kind", "call"), [("passages", 2), ("queries", 1)])
def test_an_embedder_failing_mid_build_changes_nothing(
    index_dir: Path, kb: Path, embedder: Embedder, expected_top: str, kind: str, call: int
) -> None:
    # Without the cache every passage is embedded again: the second batch is where it fails. A failure
    # on queries happens in the check of the staged build, after all its files are written.
    cache = index_dir.parent / "cache"
    if kind == "passages":
        shutil.move(index_dir / "cache", cache)
    before = snapshot(index_dir)
    with pytest.raises(KnowledgeBaseError, match="model crashed"):
        build_index(index_dir, _FlakyEmbedder(embedder, kind, call), kb / "fewer.jsonl", kb / "faq.yml")
    if kind == "passages":  # only to spare the next build the embedding time
        shutil.rmtree(index_dir / "cache", ignore_errors=True)
        shutil.move(cache, index_dir / "cache")
    assert_old_index_serves(index_dir, before, embedder, expected_top)
    assert_next_build_works(index_dir, kb, embedder)


def _count_calls(
    monkeypatch: pytest.MonkeyPatch, names: tuple[str, ...], run: Callable[[], object]
) -> list[str]:
    """Which of os.<names> a successful build calls, in order (the destination for renames)."""
    calls: list[str] = []
    for name in names:
        real = getattr(os, name)

        def spy(*args: Any, _real: Any = real, _name: str = name) -> Any:
            calls.append(str(args[1]) if _name != "write" else _name)
            return _real(*args)

        monkeypatch.setattr(os, name, spy)
    run()
    monkeypatch.undo()
    return calls


def test_a_full_disk_while_writing_changes_nothing(
    template: Path,
    kb: Path,
    embedder: Embedder,
    expected_top: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probe = tmp_path / "probe"
    shutil.copytree(template, probe, symlinks=True)
    writes = len(
        _count_calls(monkeypatch, ("write",), lambda: build_index(probe, embedder, kb / "fewer.jsonl"))
    )
    assert writes >= 5  # three artifacts, the build's manifest, the top manifest
    real_write = os.write
    for failing in range(1, writes + 1):
        index_dir = tmp_path / f"index{failing}"
        shutil.copytree(template, index_dir, symlinks=True)
        before = snapshot(index_dir)
        count = 0

        def full_disk(fd: int, data: Any, _failing: int = failing) -> int:
            nonlocal count
            count += 1
            if count == _failing:  # a short write first, as a filling disk does
                return real_write(fd, bytes(data)[: max(1, len(data) // 2)])
            if count > _failing:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_write(fd, data)

        monkeypatch.setattr(os, "write", full_disk)
        with pytest.raises(KnowledgeBaseError, match="No space left"):
            build_index(index_dir, embedder, kb / "fewer.jsonl", kb / "faq.yml")
        monkeypatch.undo()
        assert_old_index_serves(index_dir, before, embedder, expected_top)
    assert_next_build_works(tmp_path / f"index{writes}", kb, embedder)


def test_a_crash_between_the_moves_leaves_the_old_index_or_the_new_one_whole(
    template: Path,
    kb: Path,
    embedder: Embedder,
    expected_top: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probe = tmp_path / "probe"
    shutil.copytree(template, probe, symlinks=True)
    moves = _count_calls(
        monkeypatch,
        ("replace", "rename"),
        lambda: build_index(probe, embedder, kb / "fewer.jsonl", kb / "faq.yml"),
    )
    switch = moves.index(str(probe / "manifest.json")) + 1  # the move that puts the new index in service
    assert switch >= 2
    full = len((kb / "full.jsonl").read_text(encoding="utf-8").splitlines())
    for failing in range(1, len(moves) + 1):
        index_dir = tmp_path / f"index{failing}"
        shutil.copytree(template, index_dir, symlinks=True)
        before = snapshot(index_dir)
        count = 0

        def crash(*args: Any, _failing: int = failing, _real: Any = os.replace) -> Any:
            nonlocal count
            count += 1
            if count == _failing:
                raise OSError(errno.EIO, "simulated crash")
            return _real(*args)

        monkeypatch.setattr(os, "replace", crash)
        monkeypatch.setattr(os, "rename", crash)
        if failing <= switch:
            with pytest.raises(KnowledgeBaseError, match="simulated crash"):
                build_index(index_dir, embedder, kb / "fewer.jsonl", kb / "faq.yml")
            monkeypatch.undo()
            assert_old_index_serves(index_dir, before, embedder, expected_top)
        else:  # switched already: the new index serves, the tidying is retried by the next build
            manifest = build_index(index_dir, embedder, kb / "fewer.jsonl", kb / "faq.yml")
            monkeypatch.undo()
            assert manifest.procedures == full - 1 and read_manifest(index_dir) == manifest
            assert len(KnowledgeService(index_dir, embedder).engine.procedures) == full - 1
        if failing in (switch - 1, switch):  # the crashes closest to the switch, the riskiest to recover from
            assert_next_build_works(index_dir, kb, embedder)


def test_leftovers_of_a_crashed_build_do_not_break_the_next_one(
    index_dir: Path, kb: Path, embedder: Embedder
) -> None:
    stale = index_dir / "builds" / ".staging-20240101T000000-1-abcdef"
    stale.mkdir()
    (stale / "engine.pkl").write_bytes(b"half a pickle")
    (index_dir / "staging").mkdir()  # where builds before builds/ staged their files
    (index_dir / "staging" / "faiss.index").write_bytes(b"\0")
    (index_dir / ".manifest.json.tmp").write_text("{", encoding="utf-8")
    assert_next_build_works(index_dir, kb, embedder)
    assert not stale.exists() and not (index_dir / "staging").exists()
    assert not (index_dir / ".manifest.json.tmp").exists()


def test_a_switch_keeps_only_the_new_build_and_the_previous_one(
    index_dir: Path, kb: Path, embedder: Embedder
) -> None:
    first = read_manifest(index_dir)
    assert first is not None
    builds = []
    for _ in range(3):
        builds.append(build_index(index_dir, embedder, kb / "fewer.jsonl", kb / "faq.yml").build)
    assert first.build != builds[0] and len(set(builds)) == 3
    assert sorted(p.name for p in (index_dir / "builds").iterdir()) == sorted(
        Path(b).name for b in builds[1:]
    )
    assert os.readlink(index_dir / "current") == builds[2]
    for name in ("engine.pkl", "faiss.index", "restorer.json"):
        assert (index_dir / name).resolve() == (index_dir / builds[2] / name).resolve()
    assert json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))["build"] == builds[2]


def test_an_index_from_before_builds_is_read_and_then_upgraded(
    template: Path, tmp_path: Path, kb: Path, embedder: Embedder, expected_top: str
) -> None:
    flat = tmp_path / "flat"
    manifest = read_manifest(template)
    assert manifest is not None
    shutil.copytree(template / manifest.build, flat)  # the files side by side, the manifest without "build"
    shutil.copytree(template / "cache", flat / "cache")
    top = load_engine(flat, embedder, []).search(QUESTION, 3).top
    assert top is not None and top.code == expected_top
    assert_next_build_works(flat, kb, embedder)
    assert (flat / "engine.pkl").is_symlink()


def test_the_service_keeps_its_engine_and_answers_during_and_after_a_failed_rebuild(
    index_dir: Path,
    kb: Path,
    embedder: Embedder,
    expected_top: str,
    tmp_path: Path,
) -> None:
    service = KnowledgeService(index_dir, embedder)
    old = service.engine
    answers: list[str | None] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                top = service.engine.search(QUESTION, 3).top
            except BaseException as error:  # noqa: B036 - reported to the test thread below
                errors.append(error)
                return
            answers.append(top.code if top else None)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        time.sleep(0.2)
        before = snapshot(index_dir)
        old_embedder = old.embedder
        # The embedder a rebuild takes from the engine; it fails slowly so searches overlap the build.
        old.embedder = _FlakyEmbedder(embedder, "queries", 1, delay=0.5)
        try:
            answered_before = len(answers)
            with pytest.raises(KnowledgeBaseError, match="model crashed"):
                service.rebuild(kb / "fewer.jsonl", kb / "faq.yml")
            assert len(answers) > answered_before  # answered while the rebuild was running
        finally:
            old.embedder = old_embedder
        assert service.engine is old and snapshot(index_dir) == before
        with pytest.raises(KnowledgeBaseError):
            service.rebuild(tmp_path / "missing.jsonl", kb / "faq.yml")
        assert service.engine is old
        time.sleep(0.2)
    finally:
        stop.set()
        searcher.join()
    assert not errors and set(answers) == {expected_top}
    service.rebuild(kb / "fewer.jsonl", kb / "faq.yml")
    assert service.engine is not old
    assert len(service.engine.procedures) == len(old.procedures) - 1


def test_a_faq_that_cannot_be_loaded_keeps_the_old_engine(
    index_dir: Path, embedder: Embedder, expected_top: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = KnowledgeService(index_dir, embedder)
    old = service.engine

    def broken(self: SearchEngine, faq: list[Any]) -> SearchEngine:
        raise ValueError("bad FAQ entry")

    monkeypatch.setattr(SearchEngine, "with_faq", broken)
    with pytest.raises(KnowledgeBaseError, match="bad FAQ entry"):
        service.reload_faq([])
    assert service.engine is old
    top = service.engine.search(QUESTION, 3).top
    assert top is not None and top.code == expected_top


def test_a_rebuild_repairs_an_index_that_no_longer_loads(
    index_dir: Path, kb: Path, embedder: Embedder
) -> None:
    manifest = read_manifest(index_dir)
    assert manifest is not None
    (index_dir / manifest.build / "engine.pkl").write_bytes(b"not a pickle")
    service = KnowledgeService(index_dir, embedder)
    with pytest.raises(KnowledgeBaseError, match="unreadable"):
        service.engine  # noqa: B018 - the load is the point
    assert service.rebuild(kb / "fewer.jsonl", kb / "faq.yml").procedures == manifest.procedures - 1
    assert service.engine.search(QUESTION, 3).top is not None
