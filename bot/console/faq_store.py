"""FAQ entries in the console's store: versioned rows, validation, and the YAML/CSV exchange formats.

The table ``console_faq`` (see :mod:`bot.console.db`) is seeded once from ``knowledge_base/faq.yml`` when
empty; from then on the store is the truth and the YAML file its export. Every change raises the row's
``version``: a save that names an older version is refused (:class:`VersionConflict`), so two editors
never silently overwrite each other. A save reads the version and writes in one exclusive transaction, so
two processes sharing one database cannot both pass the check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from bot.console.db import ConsoleDatabase, utcnow
from bot.knowledge.model import FaqEntry
from bot.text.vietnamese import fold, strip_diacritics

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_QUESTIONS = 20
MAX_QUESTION_CHARS = 300
MAX_ANSWER_CHARS = 4000
MAX_TAGS = 10
LIST_SEPARATOR = "|"  # between questions, codes and tags in one CSV cell


@dataclass(frozen=True)
class FaqDraft:
    """What an editor submits: the entry without its bookkeeping (id may be empty for a new entry)."""

    id: str
    questions: tuple[str, ...]
    answer: str
    procedure_codes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    active: bool = True

    def content(self) -> dict[str, Any]:
        """The fields compared on import and written to the audit log."""
        return {
            "id": self.id,
            "questions": list(self.questions),
            "answer": self.answer,
            "procedure_codes": list(self.procedure_codes),
            "tags": list(self.tags),
            "active": self.active,
        }


@dataclass(frozen=True)
class FaqRecord(FaqDraft):
    """A stored entry: the draft plus its version and who changed it last."""

    version: int = 1
    updated_at: str = ""
    updated_by: str = ""

    def entry(self) -> FaqEntry:
        """The entry as the search engine takes it."""
        return FaqEntry(self.id, self.questions, self.answer, self.procedure_codes, self.tags)

    def audit(self) -> dict[str, Any]:
        """Before/after state for the audit log."""
        return self.content() | {"version": self.version}


class VersionConflict(Exception):
    """The entry changed since the editor opened it; ``current`` is what is stored now."""

    def __init__(self, current: FaqRecord) -> None:
        super().__init__(f"{current.id} is at version {current.version}")
        self.current = current


class ImportRow(NamedTuple):
    """One validated entry of an imported file: its line, and the version it was exported at (CSV)."""

    line: int
    draft: FaqDraft
    version: int | None = None


@dataclass
class ImportReport:
    """What an import did: the entries created and changed, or the conflicting rows (then nothing)."""

    conflicts: list[str] = field(default_factory=list)  # rows refused: changed since the export
    created: list[FaqRecord] = field(default_factory=list)
    changed: list[tuple[FaqRecord, FaqRecord]] = field(default_factory=list)  # (before, after)
    unchanged: int = 0


def split_list(text: str) -> tuple[str, ...]:
    """Items of a textarea (one a line) or a CSV cell (separated by '|'), trimmed, empty ones dropped."""
    items = (part.strip() for line in text.splitlines() for part in line.split(LIST_SEPARATOR))
    return tuple(dict.fromkeys(item for item in items if item))


def split_words(text: str) -> tuple[str, ...]:
    """Codes or tags typed with commas, spaces, semicolons or '|' between them."""
    return tuple(dict.fromkeys(item for item in re.split(r"[\s,;|]+", text) if item))


def split_tags(text: str) -> tuple[str, ...]:
    """Tags (which may hold spaces: "hộ tịch") separated by commas, semicolons, '|' or lines."""
    return tuple(dict.fromkeys(t.strip() for t in re.split(r"[,;|\n]+", text) if t.strip()))


def slug_of(text: str) -> str:
    """An id from a question: "Đăng ký tạm trú hết bao nhiêu?" → "dang-ky-tam-tru-het-bao-nhieu"."""
    words = re.findall(r"[a-z0-9]+", strip_diacritics(fold(text)))
    return "-".join(words)[:60].strip("-") or "cau-hoi"


def search_key(record: FaqDraft) -> str:
    """Folded, diacritics-free text of an entry, for the list's search box."""
    parts = [record.id, *record.questions, record.answer, *record.procedure_codes, *record.tags]
    return strip_diacritics(fold(" ".join(parts)))


def matches(record: FaqDraft, query: str) -> bool:
    """Whether every word of the query occurs in the entry, ignoring case and diacritics."""
    key = search_key(record)
    return all(word in key for word in strip_diacritics(fold(query)).split())


def validate(draft: FaqDraft, known: Callable[[str], bool]) -> list[str]:
    """Problems of a draft in Vietnamese (empty when it may be saved); ``known`` checks a procedure code."""
    problems = []
    if draft.id and not SLUG.match(draft.id):
        problems.append(f"Mã câu hỏi “{draft.id}” chỉ được gồm chữ thường không dấu, số và dấu gạch ngang.")
    if not draft.questions:
        problems.append("Cần ít nhất một cách hỏi.")
    if len(draft.questions) > MAX_QUESTIONS:
        problems.append(f"Tối đa {MAX_QUESTIONS} cách hỏi.")
    if any(len(q) > MAX_QUESTION_CHARS for q in draft.questions):
        problems.append(f"Mỗi cách hỏi tối đa {MAX_QUESTION_CHARS} ký tự.")
    if not draft.answer.strip():
        problems.append("Câu trả lời không được để trống.")
    if len(draft.answer) > MAX_ANSWER_CHARS:
        problems.append(f"Câu trả lời tối đa {MAX_ANSWER_CHARS} ký tự.")
    if not draft.procedure_codes:
        problems.append("Cần gắn ít nhất một mã thủ tục (câu trả lời phải dẫn nguồn thủ tục).")
    unknown = [code for code in draft.procedure_codes if not known(code)]
    if unknown:
        problems.append("Mã thủ tục không có trong danh mục: " + ", ".join(unknown) + ".")
    if len(draft.tags) > MAX_TAGS:
        problems.append(f"Tối đa {MAX_TAGS} nhãn.")
    return problems


class FaqStore:
    """The FAQ rows in the console's SQLite file."""

    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database

    def seed(self, entries: Iterable[FaqEntry]) -> int:
        """Fill the table from the FAQ file when it is empty (first start); returns how many were added."""
        with self.database.connect(exclusive=True) as db:
            if db.execute("SELECT COUNT(*) FROM console_faq").fetchone()[0]:
                return 0
            drafts = [FaqDraft(e.id, e.questions, e.answer, e.procedure_codes, e.tags) for e in entries]
            for draft in drafts:
                self._insert(db, draft, "seed:faq.yml")
        return len(drafts)

    def all(self) -> list[FaqRecord]:
        """Every entry, active ones first, then by id."""
        with self.database.connect() as db:
            rows = db.execute("SELECT * FROM console_faq ORDER BY active DESC, id").fetchall()
        return [_record(row) for row in rows]

    def active_entries(self) -> list[FaqEntry]:
        """The active entries as the search engine takes them."""
        return [record.entry() for record in self.all() if record.active]

    def get(self, faq_id: str) -> FaqRecord | None:
        """One entry, or None."""
        with self.database.connect() as db:
            row = db.execute("SELECT * FROM console_faq WHERE id = ?", (faq_id,)).fetchone()
        return _record(row) if row else None

    def free_id(self, wanted: str) -> str:
        """``wanted``, or ``wanted-2``, ``wanted-3``… whichever no entry uses yet."""
        candidate, number = wanted, 1
        while self.get(candidate) is not None:
            number += 1
            candidate = f"{wanted}-{number}"
        return candidate

    def create(self, draft: FaqDraft, actor: str) -> FaqRecord:
        """Insert a new entry at version 1 (the id must be free: see :meth:`free_id`)."""
        with self.database.connect(exclusive=True) as db:
            self._insert(db, draft, actor)
        record = self.get(draft.id)
        assert record is not None
        return record

    def update(self, draft: FaqDraft, expected_version: int, actor: str) -> tuple[FaqRecord, FaqRecord]:
        """Save ``draft`` over the entry if it is still at ``expected_version``; (before, after).

        Raises KeyError for an unknown id and :class:`VersionConflict` when someone saved in between.
        """
        with self.database.connect(exclusive=True) as db:
            row = db.execute("SELECT * FROM console_faq WHERE id = ?", (draft.id,)).fetchone()
            if row is None:
                raise KeyError(draft.id)
            before = _record(row)
            if before.version != expected_version:
                raise VersionConflict(before)
            if _same(before, draft):  # saved without a change: no new version, nothing to audit
                return before, before
            self._write(db, draft, before.version + 1, actor)
        after = self.get(draft.id)
        assert after is not None
        return before, after

    def apply_import(self, rows: list[ImportRow], actor: str) -> ImportReport:
        """Create or update every entry in one transaction (unchanged ones are left alone).

        A row that would change a stored entry must name the version it was exported at, and that must
        still be the stored one: otherwise it is a conflict, ``conflicts`` lists it, and nothing is
        written (a file without versions is usually an old export or the seed file, and would silently
        undo someone's later edit).
        """
        report = ImportReport()
        with self.database.connect(exclusive=True) as db:
            stored = {row["id"]: _record(row) for row in db.execute("SELECT * FROM console_faq")}
            for line, draft, version in rows:
                now = stored.get(draft.id)
                if now is None or _same(now, draft) or version == now.version:
                    continue
                exported = "không ghi phiên bản" if version is None else f"được tải về ở phiên bản {version}"
                report.conflicts.append(
                    f"Dòng {line}: “{draft.id}” {exported}, nhưng câu hỏi này hiện ở phiên bản "
                    f"{now.version} ({now.updated_by} sửa lần cuối). Dòng này sẽ ghi đè thay đổi đó, "
                    "nên chưa nhập gì. Tải tệp xuất mới nhất rồi sửa trên tệp đó."
                )
            if report.conflicts:
                return report
            for _, draft, _ in rows:
                row = db.execute("SELECT * FROM console_faq WHERE id = ?", (draft.id,)).fetchone()
                if row is None:
                    self._insert(db, draft, actor)
                    report.created.append(FaqRecord(**draft.content() | _lists(draft)))
                    continue
                before = _record(row)
                if _same(before, draft):
                    report.unchanged += 1
                    continue
                self._write(db, draft, before.version + 1, actor)
                after = FaqRecord(**draft.content() | _lists(draft), version=before.version + 1)
                report.changed.append((before, after))
        return report

    def _insert(self, db: Any, draft: FaqDraft, actor: str) -> None:
        db.execute(
            "INSERT INTO console_faq (id, questions, answer, procedure_codes, tags, active, version,"
            " updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            (draft.id, *_columns(draft), utcnow().isoformat(), actor),
        )

    def _write(self, db: Any, draft: FaqDraft, version: int, actor: str) -> None:
        db.execute(
            "UPDATE console_faq SET questions = ?, answer = ?, procedure_codes = ?, tags = ?, active = ?,"
            " version = ?, updated_at = ?, updated_by = ? WHERE id = ?",
            (*_columns(draft), version, utcnow().isoformat(), actor, draft.id),
        )


def _columns(draft: FaqDraft) -> tuple[Any, ...]:
    dump = json.dumps
    return (
        dump(list(draft.questions), ensure_ascii=False),
        draft.answer,
        dump(list(draft.procedure_codes)),
        dump(list(draft.tags), ensure_ascii=False),
        int(draft.active),
    )


def _same(record: FaqRecord, draft: FaqDraft) -> bool:
    """Whether importing ``draft`` would leave the stored entry as it is."""
    return FaqDraft(**record.content() | _lists(record)) == draft


def _lists(draft: FaqDraft) -> dict[str, Any]:
    """The tuple fields of a draft (content() holds lists, the dataclasses hold tuples)."""
    return {
        "questions": tuple(draft.questions),
        "procedure_codes": tuple(draft.procedure_codes),
        "tags": tuple(draft.tags),
    }


def _record(row: Any) -> FaqRecord:
    return FaqRecord(
        id=row["id"],
        questions=tuple(json.loads(row["questions"])),
        answer=row["answer"],
        procedure_codes=tuple(json.loads(row["procedure_codes"])),
        tags=tuple(json.loads(row["tags"])),
        active=bool(row["active"]),
        version=int(row["version"]),
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )
