"""The province's own procedures from a spreadsheet: one procedure a CSV row, turned into a portal record.

For staff who keep their list in a spreadsheet. The CSV holds the fields a citizen asks about; one fee a
row, the same time and fee for every way to submit (the JSON-lines form has no such limits). Lists inside
a cell are separated by "|"; a document is "name;originals;copies[;template file]", a legal basis
"number;title". Errors are named by the row's first line in the file; the records are then checked like
JSON lines (:func:`bot.knowledge.province_records.check_records`).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from bot.knowledge.fees import FEE_KINDS
from bot.knowledge.portal_records import METHOD_NAMES, TIME_UNITS

CSV_COLUMNS = (
    "code",
    "name",
    "levels",  # "xã", "tỉnh" or "xã|tỉnh"
    "field",  # lĩnh vực
    "subjects",  # who may apply: "Công dân Việt Nam|Doanh nghiệp"
    "methods",  # DIRECT|ONLINE|POSTAL, or "trực tiếp|trực tuyến|bưu chính"
    "processing_time",
    "time_unit",  # WORKING_DAY, DAY, HOUR, MONTH, YEAR, OTHER, or "ngày làm việc", "ngày", "giờ", …
    "fee_type",  # FEE, SERVICE_FEE, PRICE_LEVEL, or "lệ phí", "phí", "giá dịch vụ" (empty: no fee)
    "fee_value",  # đồng: "50000", "50.000" or "50.000 đồng"
    "fee_description",
    "documents",
    "steps",
    "results",
    "legal_bases",
    "agency",
    "address",
    "conditions",
    "url",  # the procedure's page on the province's portal
)
REQUIRED_COLUMNS = ("code", "name", "methods")
# Since 1 July 2025 there are two tiers of local government: the commune and the province.
_LEVELS = {"xã": "isWard", "xa": "isWard", "tỉnh": "isProvince", "tinh": "isProvince"}
# The portal's codes, or the words staff write in a spreadsheet ("trực tiếp", "ngày làm việc", "lệ phí").
_METHODS = {
    **{m: m for m in METHOD_NAMES},
    **{w.lower(): m for m, w in METHOD_NAMES.items()},
    "bưu chính": "POSTAL",
}
_UNITS = {**{u: u for u in (*TIME_UNITS, "OTHER")}, **{w: u for u, w in TIME_UNITS.items()}}
_FEE_KINDS = {**{k: k for k in FEE_KINDS}, **{w.lower(): k for k, w in FEE_KINDS.items()}}
_MONEY = re.compile(r"(\d{1,3}(?:[., ]\d{3})+|\d+)\s*(?:đồng|đ|vnđ|vnd)?", re.IGNORECASE)


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split("|") if part.strip()]


def _cell(row: dict[str, str | None], key: str) -> str:
    return (row.get(key) or "").strip()


class _Row:
    """One CSV row being turned into a record, collecting what is wrong with it."""

    def __init__(self, row: dict[str, str | None], where: str) -> None:
        self.row, self.where = row, where
        self.errors: list[str] = []

    def time(self) -> float | None:
        raw = _cell(self.row, "processing_time")
        if not raw:
            return None
        try:
            return float(raw.replace(",", "."))
        except ValueError:
            self.errors.append(f"{self.where}: cột 'processing_time' phải là một số (đang là '{raw}')")
            return None

    @staticmethod
    def _code(words: dict[str, str], raw: str) -> str:
        """The portal's code for a cell; an unknown value is passed on for the record's check to name."""
        return words.get(raw) or words.get(raw.lower()) or raw.upper()

    def fees(self) -> list[dict[str, Any]]:
        kind, raw = self._code(_FEE_KINDS, _cell(self.row, "fee_type")), _cell(self.row, "fee_value")
        description = _cell(self.row, "fee_description")
        if not kind:
            if raw or description:
                self.errors.append(
                    f"{self.where}: có mức phí nhưng thiếu cột 'fee_type' (FEE: lệ phí, "
                    "SERVICE_FEE: phí, PRICE_LEVEL: giá dịch vụ)"
                )
            return []
        value = 0
        if raw:
            money = _MONEY.fullmatch(raw)
            if money is None:
                self.errors.append(
                    f"{self.where}: cột 'fee_value' phải là số tiền bằng đồng, ví dụ 50000 hoặc "
                    f"50.000 (đang là '{raw}')"
                )
            else:
                value = int(re.sub(r"\D", "", money.group(1)))
        return [{"type": kind, "value": value, "description": description}]

    def documents(self) -> list[dict[str, Any]]:
        components = []
        for item in _split(self.row.get("documents")):
            parts = [p.strip() for p in item.split(";")]
            counts = [
                parts[k] if len(parts) > k and parts[k] else default for k, default in ((1, "1"), (2, "0"))
            ]
            if not all(c.isdigit() for c in counts):
                self.errors.append(
                    f"{self.where}: giấy tờ '{parts[0][:60]}': số bản chính, bản sao phải là số "
                    "nguyên (ghi 'tên;bản chính;bản sao')"
                )
                counts = ["1", "0"]
            files = [{"fileName": parts[3]}] if len(parts) > 3 and parts[3] else []
            components.append(
                {
                    "name": parts[0],
                    "originalQty": int(counts[0]),
                    "copyQty": int(counts[1]),
                    "attachments": files,
                }
            )
        return components

    def levels(self) -> dict[str, bool]:
        flags = {}
        for level in _split(self.row.get("levels")):
            flag = _LEVELS.get(level.lower().removeprefix("cấp ").strip())
            if flag is None:
                self.errors.append(
                    f"{self.where}: cấp '{level}' không hợp lệ: ghi 'xã', 'tỉnh' hoặc 'xã|tỉnh' "
                    "(từ 1/7/2025 không còn cấp huyện)"
                )
            else:
                flags[flag] = True
        return flags

    def record(self) -> dict[str, Any]:
        time, fees = self.time(), self.fees()
        unit = self._code(_UNITS, _cell(self.row, "time_unit")) or "OTHER"
        methods = [
            {
                "submissionMethod": self._code(_METHODS, m),
                "processingTime": time,
                "processingTimeUnit": unit,
                "fees": fees,
                "description": "",
            }
            for m in _split(self.row.get("methods"))
        ]
        components = self.documents()
        legal = []
        for item in _split(self.row.get("legal_bases")):
            number, _, title = item.partition(";")
            legal.append({"code": number.strip(), "name": title.strip() or number.strip()})
        record: dict[str, Any] = {
            "code": _cell(self.row, "code"),
            "name": _cell(self.row, "name"),
            "detail": {
                **self.levels(),
                "executionMethods": methods,
                "executionCases": [{"name": "", "profileComponents": components}] if components else [],
                "executionSteps": [{"name": "", "description": "\n".join(_split(self.row.get("steps")))}],
                "categoriesDetails": [{"name": f} for f in _split(self.row.get("field"))],
                "subjectTypesDetails": [{"name": s} for s in _split(self.row.get("subjects"))],
                "resultsDetails": [{"name": r} for r in _split(self.row.get("results"))],
                "legalBasisesDetails": legal,
                "executingAgencies": _cell(self.row, "agency"),
                "dossierReceivingAddresses": _cell(self.row, "address"),
                "requirementsAndConditions": _cell(self.row, "conditions"),
            },
        }
        if _cell(self.row, "url"):
            record["url"] = _cell(self.row, "url")
        return record


def _delimiter(header: str) -> str:
    # Spreadsheets in a Vietnamese locale (decimal comma) save CSV with ";" between columns.
    return max((",", ";", "\t"), key=header.count)


def parse_csv(text: str) -> tuple[list[tuple[int, Any]], list[str]]:
    """Numbered records (in the portal's shape) of a CSV with the columns of CSV_COLUMNS, and the errors."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text.partition("\n")[0]))
    columns = [c.strip() for c in reader.fieldnames or []]
    reader.fieldnames = columns
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if missing or unknown:
        problems = ([f"thiếu cột {', '.join(missing)}"] if missing else []) + (
            [f"cột không biết: {', '.join(unknown)}"] if unknown else []
        )
        return [], [f"dòng 1: {'; '.join(problems)} (các cột: {', '.join(CSV_COLUMNS)})"]
    records, errors = [], []
    end = reader.line_num
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if None in row:
                errors.append(f"dòng {start}: nhiều ô hơn số cột ({len(columns)})")
                continue
            if not any((value or "").strip() for value in row.values()):
                continue  # an empty row of the spreadsheet
            converted = _Row(row, f"dòng {start}")
            if not _split(row.get("methods")):
                errors.append(
                    f"dòng {start}: cột 'methods' trống: ghi cách nộp hồ sơ, ví dụ 'DIRECT|ONLINE' "
                    "hoặc 'trực tiếp|trực tuyến'"
                )
                continue
            records.append((start, converted.record()))
            errors.extend(converted.errors)
    except csv.Error as error:
        errors.append(f"dòng {reader.line_num}: không đọc được CSV ({error})")
    return records, errors
