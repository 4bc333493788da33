"""Embeddings by text for one model, kept between builds: a rebuild embeds only the texts that changed."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np

from bot.knowledge.embedding import BATCH_SIZE, Embedder

logger = logging.getLogger(__name__)


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by text hash for one model, stored as one .npz file."""

    def __init__(self, path: Path) -> None:
        """Open (or start) the cache file."""
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        self.dirty = False
        if path.exists():
            try:
                with np.load(path) as data:
                    self.vectors = {key: data[key] for key in data.files}
            except (OSError, ValueError) as error:
                # Only a speed-up: an unreadable cache costs one full embedding, never a failed build.
                logger.warning("ignoring the unreadable embedding cache %s: %s", path, error)

    def embed(
        self, embedder: Embedder, texts: list[str], passages: bool, progress: bool = False
    ) -> np.ndarray:
        """Vectors for texts, computing only those not cached yet."""
        keys = [_text_key(("p:" if passages else "q:") + t) for t in texts]
        missing = sorted({(k, t) for k, t in zip(keys, texts) if k not in self.vectors})
        if missing:
            done = 0
            batches: Any = embedder.embed_in_batches([t for _, t in missing], passages)
            if progress:
                from tqdm import tqdm

                total = -(-len(missing) // BATCH_SIZE)
                batches = tqdm(batches, total=total, desc=f"embedding {len(missing)} texts", unit="batch")
            for batch in batches:
                for (key, _), vector in zip(missing[done : done + len(batch)], batch):
                    self.vectors[key] = vector.astype(np.float32)
                    self.dirty = True
                done += len(batch)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([self.vectors[k] for k in keys])

    def save(self) -> None:
        """Write the cache (atomically) if it grew; a failure is logged, the build goes on without it."""
        if not self.dirty:
            return
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(tmp, **self.vectors)  # type: ignore[arg-type]  # keys are text hashes
            tmp.replace(self.path)
            self.dirty = False
        except OSError as error:
            tmp.unlink(missing_ok=True)
            logger.warning("embedding cache %s not saved: %s", self.path, error)
