"""Make the knowledge base from its sources, and measure what each field of the result holds.

Sources (committed compressed in ``knowledge_base/sources/``; see knowledge_base/README.md):
- the portal's own structured records of the national catalogue (5,665 procedures);
- the procedures of the older flattened crawl that the records lack (69), parsed from text;
- the province's own procedures (``knowledge_base/province_procedures.jsonl``, records of the same shape,
  added with ``citizenbot kb import --province FILE``).
The result, ``knowledge_base/procedures.jsonl``, is derived (not committed): ``citizenbot kb import``.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge.model import Procedure
from bot.knowledge.parser import parse_record
from bot.knowledge.portal_records import read_record

KB_DIR = Path(__file__).resolve().parents[2] / "knowledge_base"
SOURCES_DIR = KB_DIR / "sources"
PORTAL_RECORDS = SOURCES_DIR / "dvc_portal_records_2026.jsonl.gz"
OLDER_CRAWL = SOURCES_DIR / "dichvucong_older_crawl_2026.jsonl.gz"
PROVINCE_RECORDS = KB_DIR / "province_procedures.jsonl"


@dataclass(frozen=True)
class Sources:
    """Where the knowledge base is made from.

    $CITIZENBOT_PORTAL_RECORDS points at a newer export of the portal's records, and
    $CITIZENBOT_PROVINCE_RECORDS at the province's list kept elsewhere (a deployment's data folder).
    """

    portal: Path = PORTAL_RECORDS
    older: Path = OLDER_CRAWL
    province: Path = PROVINCE_RECORDS

    @classmethod
    def default(cls, province: Path | None = None) -> Sources:
        """The committed sources, unless the environment or ``province`` (the list's file) say otherwise."""
        return cls(
            portal=Path(os.environ.get("CITIZENBOT_PORTAL_RECORDS") or PORTAL_RECORDS),
            province=province or Path(os.environ.get("CITIZENBOT_PROVINCE_RECORDS") or PROVINCE_RECORDS),
        )


def read_json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """One JSON object a line, from a plain or a gzip'd file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            if line.strip():
                yield json.loads(line)


def import_knowledge_base(sources: Sources | None = None) -> list[Procedure]:
    """Every procedure of every source, sorted by code; a code appears once (the records win)."""
    sources = sources or Sources.default()
    by_code: dict[str, Procedure] = {}
    for record in read_json_lines(sources.portal):
        procedure = read_record(record)
        by_code[procedure.code] = procedure
    if sources.province.exists():
        for record in read_json_lines(sources.province):
            # Checked on the way in (bot.knowledge.province_records); the page cited is the province's own
            # when the record names one (its procedures are not all on the national portal).
            procedure = dataclasses.replace(read_record(record), source="province")
            if record.get("url"):
                procedure = dataclasses.replace(procedure, url=str(record["url"]).strip())
            by_code.setdefault(procedure.code, procedure)
    if sources.older.exists():
        for raw in read_json_lines(sources.older):
            procedure = parse_record(raw)
            if procedure.code not in by_code:
                by_code[procedure.code] = dataclasses.replace(
                    procedure, source="older_crawl", publisher=procedure.catalogue
                )
    return sorted(by_code.values(), key=lambda p: p.code)


def national_codes(sources: Sources) -> dict[str, str]:
    """Every code of the national catalogue (any publisher's) and its name: the province's own need others."""
    codes = {
        str(r.get("code") or "").strip(): str(r.get("name") or "") for r in read_json_lines(sources.portal)
    }
    if sources.older.exists():
        for raw in read_json_lines(sources.older):
            codes.setdefault(str(raw.get("ma_thu_tuc") or "").strip(), str(raw.get("ten_thu_tuc") or ""))
    codes.pop("", None)
    return codes


def _has_time_with_unit(procedure: Procedure) -> bool:
    return any(m.time_text and m.time_unit not in ("", "OTHER") for m in procedure.submission_methods)


# label → does the procedure hold it (in structure)?
FIELDS: dict[str, Callable[[Procedure], bool]] = {
    "steps": lambda p: bool(p.steps),
    "submission methods": lambda p: bool(p.submission_methods),
    "processing time with unit": _has_time_with_unit,
    "processing time, unit not given (OTHER)": lambda p: any(
        m.time_unit == "OTHER" for m in p.submission_methods
    ),
    "typed fees": lambda p: any(m.fees for m in p.submission_methods),
    "fee with a value > 0": lambda p: any(f.value > 0 for m in p.submission_methods for f in m.fees),
    "documents": lambda p: bool(p.documents),
    "documents with counts": lambda p: any(d.originals or d.copies for d in p.documents),
    "a form template file": lambda p: any(d.template for d in p.documents),
    "legal basis": lambda p: bool(p.legal_basis),
    "legal basis, every number": lambda p: bool(p.legal_basis) and all(d.number for d in p.legal_basis),
    "results": lambda p: bool(p.results),
    "who may apply (subject types)": lambda p: bool(p.subjects or p.applicants),
    "field (lĩnh vực)": lambda p: bool(p.sector),
    "levels": lambda p: bool(p.levels),
    "implementing agency": lambda p: bool(p.implementing_agency or p.competent_agency),
    "reception address": lambda p: bool(p.receiving_address),
    "conditions": lambda p: bool(p.conditions),
    "deciding act": lambda p: bool(p.decision),
}


@dataclass(frozen=True)
class FieldStats:
    """How many procedures hold a field, out of how many."""

    label: str
    present: int
    total: int

    @property
    def share(self) -> float:
        """The share of procedures holding it: present / total."""
        return self.present / self.total if self.total else 0.0


def field_stats(procedures: list[Procedure]) -> list[FieldStats]:
    """Per-field coverage of a knowledge base."""
    return [
        FieldStats(label, sum(1 for p in procedures if has(p)), len(procedures))
        for label, has in FIELDS.items()
    ]
