"""The inputs of the search index: one list (``index_inputs.txt``) for the manifest's hash and the Makefile.

``python -m bot.knowledge.inputs`` prints them, space-separated, relative to the project root.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INPUTS_LIST = Path(__file__).with_name("index_inputs.txt")


def input_patterns(listing: Path = INPUTS_LIST) -> list[str]:
    """The glob patterns of the list (comments and blank lines dropped)."""
    lines = (line.split("#", 1)[0].strip() for line in listing.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def index_inputs(root: Path = PROJECT_ROOT) -> list[Path]:
    """Every existing file the patterns name under ``root``, sorted, without duplicates."""
    found = {path for pattern in input_patterns() for path in root.glob(pattern) if path.is_file()}
    return sorted(found)


def inputs_hash(root: Path = PROJECT_ROOT) -> str:
    """A fingerprint of the inputs' names and contents (a change to any makes the index stale)."""
    digest = hashlib.sha256()
    for path in index_inputs(root):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


if __name__ == "__main__":
    print(" ".join(path.relative_to(PROJECT_ROOT).as_posix() for path in index_inputs()))
