"""Read the National Public Service Portal's own procedure records into typed procedures.

The records are structured (no flattened tables): submission methods with the processing time and its
unit, typed fees with values, documents per case with original/copy counts and template files, steps,
legal bases with numbers, results, subject types, level flags, agencies. Each field is read as it is;
only the steps text, which the portal keeps as one paragraph with "Bước 1: … Bước 2: …", is split.
"""

from __future__ import annotations

import re
from typing import Any

from bot.knowledge.fees import describe_fees
from bot.knowledge.model import Fee, LegalDocument, Procedure, RequiredDocument, SubmissionMethod
from bot.knowledge.parser import parse_steps

PORTAL_PAGE = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/{id}"
METHOD_NAMES = {"DIRECT": "Trực tiếp", "ONLINE": "Trực tuyến", "POSTAL": "Dịch vụ bưu chính"}
# The portal's time units in words. OTHER means the record gives a number without a unit: never guessed.
TIME_UNITS = {
    "WORKING_DAY": "ngày làm việc",
    "DAY": "ngày",
    "HOUR": "giờ",
    "MONTH": "tháng",
    "YEAR": "năm",
}
# Working days per unit, for comparing times ("how long"); hours and years are not converted.
_WORKING_DAYS = {"WORKING_DAY": 1.0, "DAY": 1.0, "MONTH": 22.0}
LEVEL_FLAGS = (
    ("isMinistry", "Cấp bộ"),
    ("isProvince", "Cấp tỉnh"),
    ("isWard", "Cấp xã"),
    ("isOtherAgency", "Cơ quan khác"),
)
# Publishers written two ways in the records, in the form answers show.
_PUBLISHER_NAMES = {
    "Bộ Công thương": "Bộ Công Thương",
    "Bộ xây dựng (Giao thông vận tải cũ)": "Bộ Xây dựng",
}
# "UBND tỉnh Đắk Lắk", "UBND Thành phố Hải Phòng", "Trung tâm phục vụ hành chính công Thành phố Hà Nội",
# "Sở Xây dựng - tỉnh Quảng Ngãi": a province (or centrally-run city) that published the procedure itself.
_PROVINCE_PUBLISHER = re.compile(r"(?:^|\s|-\s*)(?:tỉnh|thành phố)\s+(\S.*)$", re.IGNORECASE)
_NATIONAL_PUBLISHER = re.compile(r"^(?:Bộ|Ngân hàng|Tòa án|Tập đoàn|Thanh tra|Văn phòng|Ủy ban Dân tộc)\b")


def clean(text: object) -> str:
    """One line of text: no-break spaces and runs of blanks folded."""
    return re.sub(r"[ \t\xa0]+", " ", str(text or "")).strip()


def _names(items: object) -> list[str]:
    if not isinstance(items, list):
        return []
    return [clean(item.get("name")) for item in items if isinstance(item, dict) and clean(item.get("name"))]


def province_of_publisher(publisher: str) -> str:
    """The province that published a procedure for itself ("Đắk Lắk"), "" for a national publisher."""
    if not publisher or _NATIONAL_PUBLISHER.match(publisher):
        return ""
    match = _PROVINCE_PUBLISHER.search(publisher)
    return clean(match.group(1)) if match else ""


def _time(method: dict[str, Any]) -> tuple[str, float | None, float | None, str]:
    """(time text, working days, value, unit) of one submission method."""
    value = method.get("processingTime")
    unit = str(method.get("processingTimeUnit") or "OTHER")
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        return "", None, None, unit
    number = f"{value:g}".replace(".", ",")
    words = TIME_UNITS.get(unit)
    text = f"{number} {words}" if words else number  # a bare number: the unit is not given
    days = value * _WORKING_DAYS[unit] if unit in _WORKING_DAYS else None
    return text, days, float(value), unit


def _fees(method: dict[str, Any]) -> tuple[Fee, ...]:
    fees = []
    for raw in method.get("fees") or ():
        value = raw.get("value")
        fees.append(
            Fee(
                kind=str(raw.get("type") or "FEE"),
                value=int(value) if isinstance(value, (int, float)) and value > 0 else 0,
                description=clean(raw.get("description")),
            )
        )
    return tuple(fees)


def submission_methods(detail: dict[str, Any]) -> tuple[SubmissionMethod, ...]:
    """The record's submission methods with time (and unit) and typed fees."""
    methods = []
    for raw in detail.get("executionMethods") or ():
        fees = _fees(raw)
        time_text, days, value, unit = _time(raw)
        methods.append(
            SubmissionMethod(
                method=METHOD_NAMES.get(str(raw.get("submissionMethod")), clean(raw.get("submissionMethod"))),
                time_text=time_text,
                working_days=days,
                fee_text=describe_fees(fees),
                fee_vnd=tuple(dict.fromkeys(f.value for f in fees if f.value)),
                free=bool(fees) and all(f.value == 0 and not f.description for f in fees),
                note=clean(raw.get("description")),
                time_value=value,
                time_unit=unit,
                fees=fees,
            )
        )
    return tuple(methods)


def _count(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def documents(detail: dict[str, Any]) -> tuple[RequiredDocument, ...]:
    """Every document of every case, with its counts and the template file attached to it."""
    cases = list(detail.get("executionCases") or ())
    if not cases and detail.get("profileComponents"):
        cases = [{"name": "", "profileComponents": detail["profileComponents"]}]
    rows = []
    for case in cases:
        group = clean(case.get("name")).strip(" *-:")
        for component in case.get("profileComponents") or ():
            name = clean(component.get("name"))
            if not name:
                continue
            files = [
                clean(a.get("fileName")) for a in component.get("attachments") or () if a.get("fileName")
            ]
            rows.append(
                RequiredDocument(
                    name=name,
                    form="; ".join(dict.fromkeys(files)),
                    originals=_count(component.get("originalQty")),
                    copies=_count(component.get("copyQty")),
                    group=group,
                    template=bool(files),
                )
            )
    return tuple(rows)


def _steps(detail: dict[str, Any]) -> tuple[str, ...]:
    parts = []
    for step in detail.get("executionSteps") or ():
        name, text = clean(step.get("name")), str(step.get("description") or "").strip()
        parts.append(f"{name}: {text}" if name and text else name or text)
    return tuple(parse_steps("\n".join(p for p in parts if p)))


def read_record(record: dict[str, Any]) -> Procedure:
    """One portal record (``{"code", "name", "id", "detail": {…}}``) → Procedure. Never raises on odd text."""
    detail = record.get("detail") or {}
    publisher = clean(detail.get("departmentPromulgateName"))
    province = province_of_publisher(publisher)
    subjects = tuple(dict.fromkeys(_names(detail.get("subjectTypesDetails"))))
    proposal = detail.get("procedureProposal") or {}
    record_id = clean(record.get("id") or detail.get("id"))
    return Procedure(
        code=clean(record.get("code") or detail.get("code")),
        name=clean(record.get("name") or detail.get("name")),
        url=PORTAL_PAGE.format(id=record_id) if record_id else "https://dichvucong.gov.vn",
        catalogue=_PUBLISHER_NAMES.get(publisher, publisher),
        levels=tuple(label for flag, label in LEVEL_FLAGS if detail.get(flag)),
        sector="; ".join(dict.fromkeys(_names(detail.get("categoriesDetails")))),
        decision=clean(proposal.get("proposalNumber") or detail.get("decisionNo")),
        applicants=", ".join(subjects),
        competent_agency=", ".join(_names(detail.get("departmentsAuthority")))
        or clean(detail.get("delegatedAgencies"))
        or ", ".join(_names(detail.get("unitGroupsAuthority"))),
        # Where the record names no agency, the unit group ("Ủy ban nhân dân cấp xã") says who carries it out.
        implementing_agency=clean(detail.get("executingAgencies"))
        or ", ".join(_names(detail.get("departmentsExecuting")))
        or ", ".join(_names(detail.get("unitGroupsExecuting"))),
        receiving_address=clean(detail.get("dossierReceivingAddresses")),
        authorized_agency=clean(detail.get("authorizedAgencies")),
        coordinating_agency=clean(detail.get("coordinatingAgencies")),
        steps=_steps(detail),
        submission_methods=submission_methods(detail),
        documents=documents(detail),
        legal_basis=tuple(
            LegalDocument(title=clean(item.get("name")), number=clean(item.get("code")))
            for item in detail.get("legalBasisesDetails") or ()
            if clean(item.get("name")) or clean(item.get("code"))
        ),
        conditions=str(detail.get("requirementsAndConditions") or "").strip(),
        results=tuple(dict.fromkeys(n.rstrip(" .;") for n in _names(detail.get("resultsDetails")))),
        publisher=_PUBLISHER_NAMES.get(publisher, publisher),
        scope_province=province,
        subjects=subjects,
        source="portal_records",
    )
