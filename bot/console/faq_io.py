"""The FAQ's exchange formats: YAML and CSV exports for bulk review, and reading them back as drafts.

Both exports carry every entry with its ``active`` flag and ``version``: an editor's file says which
version each row was exported at, so an import can refuse a row someone changed since (see
:meth:`bot.console.faq_store.FaqStore.apply_import`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

import yaml

from bot.console.faq_store import (
    LIST_SEPARATOR,
    FaqDraft,
    FaqRecord,
    ImportRow,
    split_list,
    split_words,
    validate,
)

CSV_COLUMNS = ("id", "questions", "answer", "procedure_codes", "tags", "active", "version")
FORMULA_STARTS = ("=", "+", "-", "@")  # a spreadsheet would run such a cell: exported with a leading '


def to_yaml(records: Iterable[FaqRecord]) -> str:
    """Every entry in knowledge_base/faq.yml's shape, plus its ``active`` flag and ``version``."""
    items = [
        {
            "id": r.id,
            "questions": list(r.questions),
            "answer": r.answer,
            "procedure_codes": list(r.procedure_codes),
            "tags": list(r.tags),
            "active": r.active,
            "version": r.version,
        }
        for r in records
    ]
    header = (
        "# Exported from the staff console (/console/faq). Edit and import it back: keep each entry's\n"
        "# version (the import refuses entries changed since); active: false marks a hidden entry.\n"
    )
    return header + yaml.safe_dump({"faq": items}, allow_unicode=True, sort_keys=False, width=110)


def to_csv(records: Iterable[FaqRecord]) -> str:
    """Every entry (active or not) as CSV with a header; lists joined by '|'. UTF-8 BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    joined = f" {LIST_SEPARATOR} ".join
    for r in records:
        cells = [joined(r.questions), r.answer, joined(r.procedure_codes), joined(r.tags)]
        writer.writerow([r.id, *map(_safe_cell, cells), "1" if r.active else "0", r.version])
    return "\ufeff" + buffer.getvalue()


def parse_yaml(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """(line, raw item) pairs of a faq.yml-style document, or errors."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return [], [f"Tệp YAML không đọc được: {error}"]
    if not isinstance(data, dict) or not isinstance(data.get("faq"), list) or root is None:
        return [], ["Tệp YAML cần có khóa “faq” chứa danh sách câu hỏi (như knowledge_base/faq.yml)."]
    faq_node = next(value for key, value in root.value if key.value == "faq")
    lines = [node.start_mark.line + 1 for node in faq_node.value]
    return list(zip(lines, data["faq"])), []


def parse_csv(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """(line, raw item) pairs of a CSV export, or errors."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [
        c for c in ("id", "questions", "answer", "procedure_codes") if c not in (reader.fieldnames or [])
    ]
    if missing:
        return [], ["Tệp CSV thiếu cột: " + ", ".join(missing) + "."]
    items = []
    try:
        for row in reader:
            item: dict[str, Any] = {
                "id": (row.get("id") or "").strip(),
                "questions": list(split_list(_cell(row, "questions"))),
                "answer": _cell(row, "answer").strip(),
                "procedure_codes": list(split_words(_cell(row, "procedure_codes"))),
                "tags": list(split_list(_cell(row, "tags"))),
            }
            if (row.get("version") or "").strip().isdigit():
                item["version"] = int((row.get("version") or "").strip())
            if (row.get("active") or "").strip():
                item["active"] = (row.get("active") or "").strip().lower() in ("1", "true", "có", "co", "yes")
            items.append((reader.line_num, item))
    except csv.Error as error:
        return [], [f"Tệp CSV không đọc được (dòng {reader.line_num}): {error}"]
    return items, []


def drafts_from(
    items: list[tuple[int, dict[str, Any]]], known: Callable[[str], bool]
) -> tuple[list[ImportRow], list[str]]:
    """Validated rows of imported items; errors name the line. Ids must be given and unique."""
    drafts: list[ImportRow] = []
    errors: list[str] = []
    seen: set[str] = set()
    for line, item in items:
        if not isinstance(item, dict):
            errors.append(f"Dòng {line}: mục không đúng dạng (cần id, questions, answer, procedure_codes).")
            continue
        draft = FaqDraft(
            id=str(item.get("id") or "").strip(),
            questions=tuple(str(q).strip() for q in _as_list(item.get("questions")) if str(q).strip()),
            answer=str(item.get("answer") or "").strip(),
            procedure_codes=tuple(str(c).strip() for c in _as_list(item.get("procedure_codes"))),
            tags=tuple(str(t).strip() for t in _as_list(item.get("tags")) if str(t).strip()),
            active=item.get("active") is not False,
        )
        problems = validate(draft, known)
        if not draft.id:
            problems.insert(0, "Thiếu mã câu hỏi (id).")
        elif draft.id in seen:
            problems.insert(0, f"Mã câu hỏi “{draft.id}” lặp lại trong tệp.")
        seen.add(draft.id)
        errors.extend(f"Dòng {line}: {problem}" for problem in problems)
        version = item.get("version")
        known_version = version if isinstance(version, int) and not isinstance(version, bool) else None
        drafts.append(ImportRow(line, draft, known_version))
    return drafts, errors


def _safe_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(row: dict[str, Any], name: str) -> str:
    """A CSV cell, without the quote :func:`_safe_cell` put before a formula-like text."""
    text = str(row.get(name) or "")
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
