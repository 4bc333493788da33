"""The index folder on disk: versioned builds, the manifest that points at one, and the build lock.

Layout (``var/index`` by default)::

    manifest.json             the manifest of the build in service plus ``"build": "builds/<stamp>"``;
                              replaced last and atomically: it is the switch readers follow
    builds/<stamp>/           one complete build (faiss.index, engine.pkl, restorer.json, manifest.json);
                              never modified once published; the current one and the previous one stay
    builds/.staging-<stamp>/  a build being written (a leftover is removed by the next build)
    current -> builds/<stamp> for tools that open the artifacts by their old names, as do
    engine.pkl, faiss.index, restorer.json -> current/<name>
    cache/<model>.npz         embeddings by text hash
    .build.lock               held (flock) by the one build allowed at a time

A folder whose manifest has no ``build`` (an index from before builds/, or a build folder itself) holds
its artifacts next to the manifest.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
MANIFEST = "manifest.json"
ARTIFACTS = ("faiss.index", "engine.pkl", "restorer.json")
BUILDS = "builds"
CURRENT = "current"
STAGING_PREFIX = ".staging-"
LOCK = ".build.lock"
# Temporary names in the top folder; fixed, so a crash leaves at most one of each for the next build.
_POINTER_TMP = ".manifest.json.tmp"
_LINK_TMP = ".link.tmp"
# An index from before builds/ kept its build here while moving files in place.
_LEGACY_STAGING = "staging"


def build_folder(index_dir: Path, build: str) -> Path:
    """Where the artifacts of a manifest's build are (``build`` is the manifest's field)."""
    if not build:
        return index_dir
    folder = index_dir / build
    # The pointer is our own file, but a hand-edited one must not send readers outside the index.
    if folder.parent != index_dir / BUILDS or folder.name.startswith("."):
        raise ValueError(f"manifest points outside {index_dir / BUILDS}: {build}")
    return folder


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder (across processes); the OS drops the lock if a build dies."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK).open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def clear_leftovers(index_dir: Path) -> None:
    """Remove what a crashed build left (call with the build lock held: nothing else is building)."""
    builds = index_dir / BUILDS
    stale = [p for p in builds.glob(STAGING_PREFIX + "*")] if builds.is_dir() else []
    legacy = index_dir / _LEGACY_STAGING
    if legacy.is_dir() and not legacy.is_symlink():
        stale.append(legacy)
    for folder in stale:
        logger.warning("removing %s, left by an interrupted index build", folder)
        shutil.rmtree(folder)
    for name in (_POINTER_TMP, _LINK_TMP):
        (index_dir / name).unlink(missing_ok=True)


def new_staging(index_dir: Path) -> tuple[Path, str]:
    """A fresh, empty staging folder and the stamp its build will be published under."""
    stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
    staging = index_dir / BUILDS / (STAGING_PREFIX + stamp)
    staging.mkdir(parents=True)
    return staging, stamp


def write_file(path: Path, data: bytes) -> None:
    """Write and fsync: a published build must survive a power cut, not just a process crash."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make renames and new entries in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def manifest_bytes(fields: dict[str, Any]) -> bytes:
    """The JSON of a manifest."""
    return json.dumps(fields, indent=2).encode("utf-8")


def publish(index_dir: Path, staging: Path, stamp: str, pointer: dict[str, Any], previous: str) -> None:
    """Move a verified staging folder into builds/ and switch the manifest to it (build lock held).

    Until the manifest's ``os.replace`` the old index is untouched and in service; after it, the new one
    is. Only then are the compatibility links moved and old builds removed; failures there are logged,
    not raised, because the switch has happened and the next build retries them.
    """
    for name in [*ARTIFACTS, MANIFEST]:
        (staging / name).stat()  # every file there, before anything points at the folder
    fsync_dir(staging)
    final = index_dir / BUILDS / stamp
    os.replace(staging, final)
    tmp = index_dir / _POINTER_TMP
    try:
        fsync_dir(final.parent)
        write_file(tmp, manifest_bytes(pointer))
        os.replace(tmp, index_dir / MANIFEST)
    except BaseException:
        # Not switched: nothing points at the new folder, so it goes rather than waiting for a build.
        tmp.unlink(missing_ok=True)
        shutil.rmtree(final, ignore_errors=True)
        raise
    try:
        fsync_dir(index_dir)
        _point_links(index_dir, f"{BUILDS}/{stamp}")
        remove_old_builds(index_dir, keep={stamp, Path(previous).name} if previous else {stamp})
    except Exception as error:
        # The switch is done: a failure here must not be reported as a failed build.
        logger.warning("index switched to %s, but tidying the folder failed: %s", final, error)


def _replace_link(path: Path, target: str) -> None:
    if path.is_symlink() and os.readlink(path) == target:
        return
    tmp = path.parent / _LINK_TMP
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, path)  # atomic: a reader opens either the old target or the new one


def _point_links(index_dir: Path, build: str) -> None:
    _replace_link(index_dir / CURRENT, build)
    for name in ARTIFACTS:
        # Replaces the files of an index from before builds/ too (that build is not kept).
        _replace_link(index_dir / name, f"{CURRENT}/{name}")


def remove_old_builds(index_dir: Path, keep: set[str]) -> None:
    """Delete published builds except ``keep`` (a reader that just followed the old manifest needs it)."""
    for folder in (index_dir / BUILDS).iterdir():
        if folder.name not in keep and not folder.name.startswith(STAGING_PREFIX) and folder.is_dir():
            shutil.rmtree(folder)
