"""Import the raw national catalogue into the knowledge base, and measure how much of it parsed."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge.model import Procedure
from bot.knowledge.parser import NO_INFO, parse_record

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CATALOGUE = PROJECT_ROOT.parent / "shared" / "data" / "catalogue" / "dichvucong_procedures_2026.jsonl"

# source field → (label, does the parsed procedure hold it in structure?)
STRUCTURED_FIELDS: dict[str, tuple[str, Any]] = {
    "trinh_tu_thuc_hien": ("steps", lambda p: bool(p.steps)),
    "cach_thuc_thuc_hien": ("submission methods", lambda p: bool(p.submission_methods)),
    "thanh_phan_ho_so": ("documents", lambda p: bool(p.documents)),
    "can_cu_phap_ly": ("legal basis", lambda p: bool(p.legal_basis) and all(d.number for d in p.legal_basis)),
    "ket_qua_xu_ly": ("results", lambda p: bool(p.results)),
    "cap_thuc_hien": ("levels", lambda p: bool(p.levels)),
    "linh_vuc": ("sector", lambda p: bool(p.sector)),
    "doi_tuong_thuc_hien": ("applicants", lambda p: bool(p.applicants)),
    "yeu_cau_dieu_kien": ("conditions", lambda p: bool(p.conditions)),
}


def catalogue_path() -> Path:
    """The raw catalogue: $CITIZENBOT_CATALOGUE or ../shared/data/catalogue/…jsonl."""
    return Path(os.environ.get("CITIZENBOT_CATALOGUE", DEFAULT_CATALOGUE))


def read_raw(path: Path) -> Iterator[dict[str, Any]]:
    """Raw records, one JSON object a line."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def import_catalogue(path: Path) -> list[Procedure]:
    """Parse every record of the raw catalogue."""
    return [parse_record(raw) for raw in read_raw(path)]


@dataclass(frozen=True)
class FieldStats:
    """How many records have a field in the source, and how many of those parsed into structure."""

    field: str
    label: str
    in_source: int
    structured: int

    @property
    def share(self) -> float:
        """Structured / in source."""
        return self.structured / self.in_source if self.in_source else 1.0


def field_stats(path: Path) -> list[FieldStats]:
    """Per-field parse coverage over the raw catalogue."""
    counts = {key: [0, 0] for key in STRUCTURED_FIELDS}
    for raw in read_raw(path):
        procedure = parse_record(raw)
        for key, (_, has_structure) in STRUCTURED_FIELDS.items():
            text = str(raw.get(key) or "").strip()
            if text and text != NO_INFO:
                counts[key][0] += 1
                counts[key][1] += bool(has_structure(procedure))
    return [FieldStats(key, STRUCTURED_FIELDS[key][0], n, ok) for key, (n, ok) in counts.items()]
