"""A small knowledge base for the province-scope tests: real portal records, a stand-in embedder.

The records are a handful of the committed portal records (knowledge_base/sources/), so the tests hold
without the derived knowledge_base/procedures.jsonl and build an index in about a second.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.knowledge.catalogue import PORTAL_RECORDS, Sources, import_knowledge_base
from bot.knowledge.embedding import Embedder
from bot.knowledge.store import write_procedures

DATA = Path(__file__).resolve().parents[1] / "data"
PHU_THO_JSONL = DATA / "province_phu_tho.jsonl"
PHU_THO_CSV = DATA / "province_phu_tho.csv"
BAD_JSONL = DATA / "province_bad.jsonl"

NATIONAL_RENEWAL = "1.012783"  # Cấp đổi Giấy chứng nhận quyền sử dụng đất, … (Bộ Nông nghiệp và Môi trường)
DAK_LAK_RENEWAL = "1.115269"  # "Cấp đổi giấy chứng nhận đã cấp." (UBND tỉnh Đắk Lắk): the one that competes
PHU_THO_OWN = ("2.002863", "2.002864")  # the two the portal holds for Phú Thọ (UBND tỉnh Phú Thọ)
CODES = (
    NATIONAL_RENEWAL,
    "1.012781",  # national: a certificate for land added to one already issued
    "1.012817",  # national: re-determining residential land of a certificate already issued
    "1.014067",  # national: Cấp đổi giấy chứng nhận căn cước (Bộ Công an)
    DAK_LAK_RENEWAL,
    "1.115273",  # Đắk Lắk: Đính chính Giấy chứng nhận đã cấp.
    "1.115464",  # Bắc Ninh: Cấp đổi Giấy chứng nhận quyền sử dụng đất, … (same name as the national one)
    "1.115613",  # Hải Phòng: the same
    *PHU_THO_OWN,
)
OTHER_PROVINCES = {"Đắk Lắk": 2, "Bắc Ninh": 1, "Hải Phòng": 1}


class HashEmbedder(Embedder):
    """A deterministic stand-in: these tests are about which procedures are indexed, not what vectors mean."""

    @property
    def name(self) -> str:
        return "test:hash"

    def _vectors(self, texts: list[str]) -> np.ndarray:
        seeds = [int(hashlib.sha1(t.encode("utf-8")).hexdigest()[:8], 16) for t in texts]
        rows = [np.random.default_rng(seed).normal(size=8) for seed in seeds]
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(texts), 8)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._vectors(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._vectors(texts)


@lru_cache(maxsize=1)
def portal_records() -> tuple[dict[str, Any], ...]:
    """The records of CODES, read once from the committed portal file."""
    wanted = set(CODES)
    found = []
    with gzip.open(PORTAL_RECORDS, "rt", encoding="utf-8") as handle:
        for line in handle:
            # Parse only the lines that may hold a wanted code (parsing all 5,665 takes seconds).
            if any(code in line for code in wanted):
                record = json.loads(line)
                if record["code"] in wanted:
                    found.append(record)
    assert {r["code"] for r in found} == wanted, "a test record is missing from the portal file"
    return tuple(found)


def small_sources(folder: Path) -> Sources:
    """Sources of CODES in ``folder`` (no older crawl; the province's list in ``folder``)."""
    folder.mkdir(parents=True, exist_ok=True)
    portal = folder / "portal.jsonl"
    portal.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in portal_records()), "utf-8")
    return Sources(
        portal=portal, older=folder / "no-older-crawl.jsonl.gz", province=folder / "province.jsonl"
    )


def small_knowledge_base(folder: Path, province_list: Path | None = None) -> tuple[Path, Path]:
    """procedures.jsonl (derived like `kb import`) and an empty faq.yml in ``folder``."""
    sources = small_sources(folder / "sources")
    if province_list is not None:
        sources = dataclasses.replace(sources, province=province_list)
    procedures, faq = folder / "procedures.jsonl", folder / "faq.yml"
    write_procedures(import_knowledge_base(sources), procedures)
    faq.write_text("faq: []\n", encoding="utf-8")
    return procedures, faq
