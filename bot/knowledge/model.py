"""Typed records of the knowledge base: a procedure and its parts, an FAQ entry."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fee:
    """One typed fee of a submission method, as the portal's record gives it."""

    kind: str  # FEE (lệ phí), SERVICE_FEE (phí), PRICE_LEVEL (giá dịch vụ)
    value: int = 0  # đồng; 0 when the record sets no fixed amount (free, or a rule in the description)
    description: str = ""


@dataclass(frozen=True)
class SubmissionMethod:
    """One way to submit (in person, online, by post) with its time and fee."""

    method: str
    time_text: str = ""
    working_days: float | None = None  # set only where the record states days
    fee_text: str = ""
    fee_vnd: tuple[int, ...] = ()  # amounts in đồng found in the fee text; () when free or unstated
    free: bool = False
    note: str = ""
    # From the portal's structured records (empty for the older crawl): the time as a number and its unit
    # (WORKING_DAY, DAY, HOUR, MONTH, YEAR; OTHER = the record gives no unit), and the typed fees.
    time_value: float | None = None
    time_unit: str = ""
    fees: tuple[Fee, ...] = ()


@dataclass(frozen=True)
class RequiredDocument:
    """One document of the dossier (thành phần hồ sơ)."""

    name: str
    form: str = ""  # the form template's file or code, when the record names one
    originals: int | None = None
    copies: int | None = None
    group: str = ""  # the heading the document stands under ("Giấy tờ phải nộp", a case…)
    template: bool = False  # the form is a template file attached on the procedure's portal page


@dataclass(frozen=True)
class LegalDocument:
    """One legal document the procedure rests on (căn cứ pháp lý)."""

    title: str
    number: str = ""


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure of the national catalogue, parsed into structure."""

    code: str
    name: str
    url: str
    catalogue: str  # the ministry whose catalogue lists it
    levels: tuple[str, ...] = ()
    sector: str = ""  # lĩnh vực
    procedure_type: str = ""
    decision: str = ""
    applicants: str = ""
    competent_agency: str = ""
    implementing_agency: str = ""
    receiving_address: str = ""
    authorized_agency: str = ""
    coordinating_agency: str = ""
    steps: tuple[str, ...] = ()
    submission_methods: tuple[SubmissionMethod, ...] = ()
    documents: tuple[RequiredDocument, ...] = ()
    legal_basis: tuple[LegalDocument, ...] = ()
    conditions: str = ""
    results: tuple[str, ...] = ()
    related: str = ""
    # Who publishes the procedure: a ministry, or a province for a procedure of its own ("UBND tỉnh …").
    publisher: str = ""
    # "" for a national procedure; the province's name ("Đắk Lắk") for one a province published for itself,
    # which applies only there.
    scope_province: str = ""
    subjects: tuple[str, ...] = ()  # who may apply, as the portal's subject types ("Công dân Việt Nam", …)
    # "portal_records"; "older_crawl": kept from the flattened crawl the records lack; "province": the
    # province's own list (knowledge_base/province_procedures.jsonl).
    source: str = "portal_records"
    # Source text kept where structure could not be recovered (so nothing is lost).
    fallback: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Procedure:
        """Rebuild a procedure from :meth:`to_dict`'s output."""
        return cls(
            **{
                **raw,
                "levels": tuple(raw.get("levels") or ()),
                "steps": tuple(raw.get("steps") or ()),
                "results": tuple(raw.get("results") or ()),
                "subjects": tuple(raw.get("subjects") or ()),
                "submission_methods": tuple(
                    SubmissionMethod(
                        **{
                            **m,
                            "fee_vnd": tuple(m.get("fee_vnd") or ()),
                            "fees": tuple(Fee(**f) for f in m.get("fees") or ()),
                        }
                    )
                    for m in raw.get("submission_methods") or ()
                ),
                "documents": tuple(RequiredDocument(**d) for d in raw.get("documents") or ()),
                "legal_basis": tuple(LegalDocument(**d) for d in raw.get("legal_basis") or ()),
                "fallback": dict(raw.get("fallback") or {}),
            }
        )


@dataclass(frozen=True)
class FaqEntry:
    """A curated question with its answer, linked to procedures."""

    id: str
    questions: tuple[str, ...]
    answer: str
    procedure_codes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
