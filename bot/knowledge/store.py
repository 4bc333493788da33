"""The curated knowledge base on disk: procedures (JSON lines), FAQ and its provenance."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import yaml

from bot.errors import KnowledgeBaseError
from bot.knowledge.model import FaqEntry, Procedure

KB_DIR = Path(__file__).resolve().parents[2] / "knowledge_base"
PROCEDURES_FILE = KB_DIR / "procedures.jsonl"
FAQ_FILE = KB_DIR / "faq.yml"


def read_procedures(path: Path = PROCEDURES_FILE) -> list[Procedure]:
    """All procedures of the knowledge base, in file order."""
    try:
        with path.open(encoding="utf-8") as handle:
            return [Procedure.from_dict(json.loads(line)) for line in handle if line.strip()]
    except (OSError, ValueError, TypeError) as error:
        raise KnowledgeBaseError(f"cannot read procedures from {path}: {error}") from error


def write_procedures(procedures: Iterable[Procedure], path: Path = PROCEDURES_FILE) -> int:
    """Write procedures as JSON lines, sorted by code (stable diffs); returns how many."""
    rows = sorted(procedures, key=lambda p: p.code)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for procedure in rows:
            handle.write(json.dumps(procedure.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    return len(rows)


def read_faq(path: Path = FAQ_FILE) -> list[FaqEntry]:
    """The curated FAQ entries."""
    if not path.exists():
        return []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return [
            FaqEntry(
                id=str(item["id"]),
                questions=tuple(str(q) for q in item["questions"]),
                answer=str(item["answer"]).strip(),
                procedure_codes=tuple(str(c) for c in item.get("procedure_codes") or ()),
                tags=tuple(str(t) for t in item.get("tags") or ()),
            )
            for item in raw.get("faq") or []
        ]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise KnowledgeBaseError(f"cannot read FAQ from {path}: {error}") from error


def content_hash(procedures: list[Procedure], faq: list[FaqEntry]) -> str:
    """A fingerprint of the knowledge base's content (written into the index manifest)."""
    digest = hashlib.sha256()
    for procedure in procedures:
        digest.update(json.dumps(procedure.to_dict(), ensure_ascii=False, sort_keys=True).encode())
    for entry in faq:
        digest.update(json.dumps(entry.__dict__, ensure_ascii=False, sort_keys=True, default=list).encode())
    return digest.hexdigest()[:16]
