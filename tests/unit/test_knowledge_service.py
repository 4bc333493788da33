"""The running service swaps in a new FAQ without a restart, and keeps serving meanwhile."""

import json

import pytest

from bot.knowledge.embedding import SentenceTransformerEmbedder, bundled_minilm_path
from bot.knowledge.index import KnowledgeService, build_index
from bot.knowledge.model import FaqEntry
from bot.knowledge.store import PROCEDURES_FILE


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> KnowledgeService:
    folder = tmp_path_factory.mktemp("kb2")
    lines = [
        line
        for line in PROCEDURES_FILE.read_text(encoding="utf-8").splitlines()
        if "tạm trú" in json.loads(line)["name"]
    ]
    (folder / "procedures.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "faq.yml").write_text("faq: []\n", encoding="utf-8")
    embedder = SentenceTransformerEmbedder(bundled_minilm_path())
    build_index(folder / "index", embedder, folder / "procedures.jsonl", folder / "faq.yml")
    return KnowledgeService(folder / "index", embedder)


def test_adding_an_faq_entry_makes_it_searchable(service: KnowledgeService) -> None:
    before = service.engine
    assert before.search("gia hạn tạm trú cần mang gì", 3).faq is None
    entry = FaqEntry("gia-han", ("Gia hạn tạm trú cần mang gì?",), "Mang giấy tờ tùy thân.", ("1.002755",))
    seconds = service.reload_faq([entry])
    after = service.engine
    assert after is not before  # swapped, not mutated: searches in flight keep the old engine
    assert before.search("gia hạn tạm trú cần mang gì", 3).faq is None
    result = after.search("gia hạn tạm trú cần mang gì", 3)
    assert result.faq is not None and result.faq.id == "gia-han"
    assert seconds < 30


def test_a_full_rebuild_swaps_in_a_new_engine_and_the_old_one_keeps_answering(
    service: KnowledgeService, tmp_path
) -> None:
    old = service.engine
    kb = service.index_dir.parent
    lines = (kb / "procedures.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "procedures.jsonl").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    (tmp_path / "faq.yml").write_text("faq: []\n", encoding="utf-8")
    manifest = service.rebuild(tmp_path / "procedures.jsonl", tmp_path / "faq.yml")
    assert manifest.procedures == len(lines) - 1
    assert service.engine is not old and len(service.engine.procedures) == len(lines) - 1
    assert len(old.procedures) == len(lines)
    assert old.search("đăng ký tạm trú", 3).top is not None
