"""The province's own procedures: records of the portal's shape, checked line by line before they count.

A province publishes procedures of its own (a provincial support policy, a local licence). Staff add them
with ``citizenbot kb import --province FILE``: one JSON object a line, the same shape as the portal's
records (``code``, ``name``, ``detail`` with ``executionMethods``, ``executionCases``, …; see
knowledge_base/README.md), or a CSV with one procedure a row (:mod:`bot.knowledge.province_csv`). Every
line is checked; one bad line rejects the file with every error named by its line, and nothing is written.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import KnowledgeBaseError
from bot.knowledge.fees import FEE_KINDS
from bot.knowledge.portal_records import METHOD_NAMES, TIME_UNITS, province_of_publisher, read_record
from bot.knowledge.scope import ProvinceScope

if TYPE_CHECKING:
    from bot.knowledge.catalogue import Sources

_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-_]{0,39}")
_URL = re.compile(r"https?://\S+")
_UNITS = (*TIME_UNITS, "OTHER")
# A procedure's record is a few kilobytes (the portal's longest is under 100,000 characters); a line or a
# file far beyond that is a wrong file (an export of something else), not a province's list.
MAX_LINE_CHARS = 200_000
MAX_FILE_BYTES = 20_000_000
# Lists of objects in ``detail`` that the reader walks: anything else there would stop `kb import`.
_OBJECT_LISTS = (
    "executionSteps",
    "executionCases",
    "categoriesDetails",
    "subjectTypesDetails",
    "resultsDetails",
    "legalBasisesDetails",
    "departmentsAuthority",
    "departmentsExecuting",
)


@dataclass
class ProvinceImport:
    """The checked records (in the portal's shape) and the errors, one per bad field, by line."""

    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _objects(value: Any) -> bool:
    """None, or a list of JSON objects (what the reader walks)."""
    return value is None or (isinstance(value, list) and all(isinstance(item, dict) for item in value))


def _one_of(values: Iterable[str]) -> str:
    return ", ".join(values)


def _count(value: int) -> str:
    """12345 → "12.345" (Vietnamese thousands)."""
    return f"{value:,}".replace(",", ".")


def _check_method(method: Any, at: str) -> list[str]:
    if not isinstance(method, dict):
        return [f"{at}: không phải một đối tượng JSON"]
    errors = []
    kind = method.get("submissionMethod")
    if kind not in METHOD_NAMES:
        errors.append(
            f"{at}: 'submissionMethod' là {json.dumps(kind, ensure_ascii=False)}, phải là một trong "
            f"{_one_of(f'{k} ({v.lower()})' for k, v in METHOD_NAMES.items())}"
        )
    unit = method.get("processingTimeUnit", "OTHER")
    if unit not in _UNITS:
        errors.append(
            f"{at}: 'processingTimeUnit' là {json.dumps(unit, ensure_ascii=False)}, phải là một "
            f"trong {_one_of(_UNITS)} (OTHER: không ghi đơn vị)"
        )
    if method.get("processingTime") is not None and not _number(method["processingTime"]):
        errors.append(f"{at}: 'processingTime' phải là một số không âm")
    fees = method.get("fees")
    if fees is not None and not isinstance(fees, list):
        return [*errors, f"{at}: 'fees' phải là danh sách các khoản phí"]
    for j, fee in enumerate(fees or [], 1):
        if not isinstance(fee, dict) or fee.get("type") not in FEE_KINDS:
            kinds = _one_of(f"{k} ({v.lower()})" for k, v in FEE_KINDS.items())
            kind = json.dumps(fee.get("type") if isinstance(fee, dict) else fee, ensure_ascii=False)
            errors.append(f"{at}, khoản phí thứ {j}: 'type' là {kind}, phải là một trong {kinds}")
        elif not _number(fee.get("value", 0)):
            value = json.dumps(fee.get("value"), ensure_ascii=False)
            errors.append(
                f"{at}, khoản phí thứ {j}: 'value' là {value}, phải là số tiền bằng đồng (ví dụ 50000)"
            )
    return errors


def _check_documents(detail: dict[str, Any], where: str) -> list[str]:
    errors = []
    for i, case in enumerate(detail.get("executionCases") or [], 1):
        components = case.get("profileComponents")
        if not isinstance(components, list):
            errors.append(f"{where}: trường hợp hồ sơ thứ {i}: thiếu danh sách giấy tờ 'profileComponents'")
            continue
        for j, component in enumerate(components, 1):
            at = f"{where}: trường hợp hồ sơ thứ {i}, giấy tờ thứ {j}"
            if not isinstance(component, dict) or not str(component.get("name") or "").strip():
                errors.append(f"{at}: thiếu tên giấy tờ 'name'")
                continue
            if not all(_number(component.get(k, 0)) for k in ("originalQty", "copyQty")):
                errors.append(f"{at}: số bản chính, bản sao ('originalQty', 'copyQty') phải là số không âm")
            if not _objects(component.get("attachments")):
                errors.append(f"{at}: 'attachments' phải là danh sách các đối tượng có 'fileName'")
    return errors


def check_record(record: Any, where: str) -> list[str]:
    """What is wrong with one record (an empty list when nothing is)."""
    if not isinstance(record, dict):
        return [f"{where}: không phải một đối tượng JSON {{…}}"]
    errors = []
    code, name, detail = record.get("code"), record.get("name"), record.get("detail")
    if not isinstance(code, str) or not code.strip():
        errors.append(f"{where}: thiếu mã thủ tục 'code'")
    elif not _CODE.fullmatch(code.strip()):
        errors.append(
            f"{where}: mã thủ tục '{code.strip()[:50]}' không hợp lệ (chỉ gồm chữ không dấu, số, '.', '-', "
            "'_'; tối đa 40 ký tự)"
        )
    if not isinstance(name, str) or not name.strip():
        errors.append(f"{where}: thiếu tên thủ tục 'name'")
    url = record.get("url")
    if url is not None and not (isinstance(url, str) and _URL.fullmatch(url.strip())):
        errors.append(f"{where}: 'url' phải là địa chỉ trang thủ tục, bắt đầu bằng http:// hoặc https://")
    if not isinstance(detail, dict):
        return [*errors, f"{where}: thiếu nội dung thủ tục 'detail'"]
    misshapen = [key for key in _OBJECT_LISTS if not _objects(detail.get(key))]
    errors.extend(f"{where}: 'detail.{key}' phải là danh sách các đối tượng JSON" for key in misshapen)
    if detail.get("procedureProposal") is not None and not isinstance(detail["procedureProposal"], dict):
        errors.append(f"{where}: 'detail.procedureProposal' phải là một đối tượng JSON")
    methods = detail.get("executionMethods")
    if not isinstance(methods, list) or not methods:
        errors.append(f"{where}: 'detail.executionMethods' phải là danh sách có ít nhất một cách nộp hồ sơ")
        methods = []
    for i, method in enumerate(methods, 1):
        errors.extend(_check_method(method, f"{where}: cách nộp thứ {i}"))
    if "executionCases" not in misshapen:
        errors.extend(_check_documents(detail, where))
    if not errors:
        try:  # the reader `kb import` will run: a record it cannot read must not reach the list
            read_record(record)
        except Exception as error:  # noqa: BLE001 - any failure is this line's error, named below
            errors.append(f"{where}: bản ghi không đọc được ({type(error).__name__}: {error})")
    return errors


def _publisher_error(publisher: str, scope: ProvinceScope, where: str) -> str | None:
    if not publisher:
        return None
    owner = province_of_publisher(publisher)
    if owner and scope.is_home(owner):
        return None
    if owner:
        return (
            f"{where}: cơ quan công bố '{publisher}' không thuộc {scope.title}; thủ tục riêng của tỉnh, "
            "thành phố khác không áp dụng ở đây"
        )
    # Without the province's name the procedure would read as a national one.
    return (
        f"{where}: cơ quan công bố '{publisher}' không ghi tên tỉnh; ghi kèm tên tỉnh (ví dụ "
        f"'Sở Y tế {scope.title}') hoặc để trống để ghi là '{scope.publisher}'"
    )


def check_records(
    lines: Iterable[tuple[int, Any]], scope: ProvinceScope, national: Mapping[str, str]
) -> ProvinceImport:
    """Check numbered records; each becomes the province's own (its publisher set to the province).

    ``national`` maps the codes of the national catalogue (every publisher's) to their names: a province's
    own procedure needs a code of its own, or the two would be one procedure in the knowledge base.
    """
    result = ProvinceImport()
    seen: dict[str, int] = {}
    for number, record in lines:
        where = f"dòng {number}"
        errors = check_record(record, where)
        if not errors:
            code = record["code"].strip()
            detail = record["detail"]
            publisher = " ".join(str(detail.get("departmentPromulgateName") or "").split())
            problem = _publisher_error(publisher, scope, where)
            errors.extend([problem] if problem else [])
            if code in national:
                errors.append(
                    f"{where}: mã {code} đã có trên Cổng Dịch vụ công quốc gia ('{national[code][:80]}'); "
                    "thủ tục riêng của tỉnh cần một mã khác"
                )
            if code in seen:
                errors.append(f"{where}: mã {code} trùng với dòng {seen[code]}")
            seen.setdefault(code, number)
            if not errors:
                detail = {**detail, "departmentPromulgateName": publisher or scope.publisher}
                result.records.append(
                    {**record, "code": code, "name": record["name"].strip(), "detail": detail}
                )
        result.errors.extend(errors)
    return result


def parse_json_lines(text: str) -> tuple[list[tuple[int, Any]], list[str]]:
    """Numbered records of a JSON-lines text, and the lines that are not JSON."""
    records, errors = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            errors.append(
                f"dòng {number}: dài {_count(len(line))} ký tự, quá giới hạn {_count(MAX_LINE_CHARS)} ký tự "
                "của một thủ tục"
            )
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as error:
            errors.append(
                f"dòng {number}: không phải JSON hợp lệ (lỗi ở ký tự thứ {error.pos + 1}: {error.msg})"
            )
    return records, errors


def read_province_file(path: Path) -> tuple[list[tuple[int, Any]], list[str]]:
    """Numbered records of a province's file (.csv, otherwise JSON lines) and what keeps them from reading."""
    from bot.knowledge.province_csv import parse_csv

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return [], [
                f"tệp nặng {_count(size)} byte, vượt giới hạn {_count(MAX_FILE_BYTES)} byte của một danh "
                "sách thủ tục; hãy kiểm tra lại có chọn đúng tệp không"
            ]
        # utf-8-sig: spreadsheet programs put a byte-order mark before "CSV UTF-8".
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        return [], [f"không mở được tệp: {error.strerror or error}"]
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        return [], [f"dòng {line}: không phải văn bản UTF-8; hãy lưu lại tệp với bảng mã UTF-8"]
    # One Unicode form, so a name typed in decomposed form ("Hòa" as o + ̀) matches the catalogue's.
    text = unicodedata.normalize("NFC", text)
    return parse_csv(text) if path.suffix.lower() == ".csv" else parse_json_lines(text)


def read_list(path: Path) -> dict[str, dict[str, Any]]:
    """The province's list of its own procedures, by code ({} when there is none yet)."""
    if not path.exists():
        return {}
    try:
        with path.open(encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
        return {str(r["code"]): r for r in records}
    except (OSError, ValueError, KeyError, TypeError) as error:
        # Written only by the import; a hand edit that broke it must be named, not overwritten.
        raise KnowledgeBaseError(f"danh sách {path} hỏng, không nhập gì: {error}") from error


def merge(
    existing: Mapping[str, dict[str, Any]], records: list[dict[str, Any]], replace: bool = False
) -> tuple[dict[str, dict[str, Any]], int, int]:
    """The list after an import (a code already listed is updated) and how many were added and updated."""
    kept = {} if replace else dict(existing)
    added = sum(1 for r in records if r["code"] not in kept)
    kept.update({r["code"]: r for r in records})
    return kept, added, len(records) - added


def write_list(path: Path, records: Mapping[str, dict[str, Any]]) -> None:
    """Write the list sorted by code, whole or not at all (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(records[code], ensure_ascii=False, sort_keys=True) + "\n" for code in sorted(records)]
    # mkstemp makes the file private; the list is project data, readable like the file it replaces.
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.writelines(lines)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass
class ImportOutcome:
    """What `kb import --province` did: nothing when there are errors, else the counts after it."""

    errors: list[str]
    checked: int = 0
    added: int = 0
    updated: int = 0
    listed: int = 0  # procedures in the province's list afterwards
    procedures: int = 0  # procedures in the knowledge base derived from it


def import_province_file(
    path: Path, sources: Sources, out: Path, scope: ProvinceScope, replace: bool = False
) -> ImportOutcome:
    """Check ``path``; only a file without one error changes the list; then derive the knowledge base.

    The knowledge base is derived from the new list before the list itself is replaced: if deriving
    fails, the province's list stays as it was.
    """
    import dataclasses

    from bot.knowledge.catalogue import import_knowledge_base, national_codes
    from bot.knowledge.store import write_procedures

    numbered, errors = read_province_file(path)
    checked = check_records(numbered, scope, national_codes(sources))
    errors += checked.errors
    if not errors and not checked.records:
        errors = ["tệp không có thủ tục nào (tệp trống hoặc chỉ có dòng tiêu đề)"]
    if errors:
        return ImportOutcome(errors)
    kept, added, updated = merge(read_list(sources.province), checked.records, replace)
    sources.province.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".province-", dir=sources.province.parent) as folder:
        trial = Path(folder) / sources.province.name
        write_list(trial, kept)
        procedures = import_knowledge_base(dataclasses.replace(sources, province=trial))
        write_procedures(procedures, out)
        write_list(sources.province, kept)
    return ImportOutcome([], len(checked.records), added, updated, len(kept), len(procedures))
