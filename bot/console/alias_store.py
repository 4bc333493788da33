"""Aliases and concept rules in the console's store: versioned rows, validation, the YAML exchange format.

An alias is one catalogue phrase ("đăng ký khai sinh") with the citizens' ways of saying it ("làm giấy
khai sinh", …); a concept rule searches a catalogue phrase when every ``when_all`` group has one of its
phrases in the question and no ``unless`` phrase does. The tables ``console_aliases`` and
``console_concepts`` (see :mod:`bot.console.db`) are seeded once from ``knowledge_base/synonyms.yml`` when
both are empty; from then on the store is the truth and :meth:`SynonymStore.document` (the active rows,
in the file's shape) is what the query analysis uses and what the export writes. Every change raises the
row's ``version``; a save naming an older version raises :class:`VersionConflict`.
The check and the write share one exclusive transaction (two processes may share the database).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import yaml

from bot.console.db import ConsoleDatabase, utcnow
from bot.knowledge.analysis import syllables
from bot.text.vietnamese import fold, strip_diacritics

MIN_PHRASE_CHARS = 2
MAX_PHRASE_CHARS = 150
MAX_PHRASES = 40


@dataclass(frozen=True)
class AliasDraft:
    """Citizens' phrases (``phrases``) that also search the catalogue phrase ``target``."""

    target: str
    phrases: tuple[str, ...]
    active: bool = True

    def content(self) -> dict[str, Any]:
        """The fields compared on import and written to the audit log."""
        return {"target": self.target, "phrases": list(self.phrases), "active": self.active}


@dataclass(frozen=True)
class RuleDraft:
    """A concept rule: search ``search`` when each group of ``when_all`` matches and no ``unless`` does."""

    search: str
    when_all: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...] = ()
    active: bool = True

    def content(self) -> dict[str, Any]:
        """The fields compared on import and written to the audit log."""
        return {
            "search": self.search,
            "when_all": [list(group) for group in self.when_all],
            "unless": list(self.unless),
            "active": self.active,
        }


@dataclass(frozen=True)
class AliasRecord(AliasDraft):
    """A stored alias: the draft plus its id, version and who changed it last."""

    id: int = 0
    version: int = 1
    updated_at: str = ""
    updated_by: str = ""

    def draft(self) -> AliasDraft:
        """The record without its bookkeeping."""
        return AliasDraft(self.target, self.phrases, self.active)

    def audit(self) -> dict[str, Any]:
        """Before/after state for the audit log."""
        return self.content() | {"id": self.id, "version": self.version}


@dataclass(frozen=True)
class RuleRecord(RuleDraft):
    """A stored concept rule: the draft plus its id, version and who changed it last."""

    id: int = 0
    version: int = 1
    updated_at: str = ""
    updated_by: str = ""

    def draft(self) -> RuleDraft:
        """The record without its bookkeeping."""
        return RuleDraft(self.search, self.when_all, self.unless, self.active)

    def audit(self) -> dict[str, Any]:
        """Before/after state for the audit log."""
        return self.content() | {"id": self.id, "version": self.version}


Record = TypeVar("Record", AliasRecord, RuleRecord)
Draft = TypeVar("Draft", AliasDraft, RuleDraft)
Line = tuple[int, Draft]  # a draft of an imported file and its line


class VersionConflict(Exception):
    """The row changed since the editor opened it; ``current`` is what is stored now."""

    def __init__(self, current: AliasRecord | RuleRecord) -> None:
        super().__init__(f"row {current.id} is at version {current.version}")
        self.current = current


@dataclass
class ImportReport(Generic[Record]):
    """What an import did: the rows created and changed (before, after), and how many were the same."""

    created: list[Record] = field(default_factory=list)
    changed: list[tuple[Record, Record]] = field(default_factory=list)
    unchanged: int = 0


# --- Normal forms and validation ------------------------------------------------------------------------


def key(phrase: str) -> str:
    """A phrase as the query analysis matches it: folded syllables without diacritics."""
    return " ".join(strip_diacritics(fold(phrase)).split())


def in_catalogue(phrase: str, names: Iterable[str]) -> bool:
    """Whether the phrase's syllables occur, in order, in a procedure name (diacritics ignored)."""
    wanted = " " + " ".join(strip_diacritics(s) for s in syllables(phrase)) + " "
    return wanted.strip() != "" and any(
        wanted in " " + " ".join(strip_diacritics(s) for s in syllables(name)) + " " for name in names
    )


def _phrase_problems(phrases: Iterable[str], what: str) -> list[str]:
    problems = []
    seen: set[str] = set()
    for phrase in phrases:
        if len(phrase.strip()) < MIN_PHRASE_CHARS:
            problems.append(f"{what}: “{phrase}” quá ngắn (cần ít nhất {MIN_PHRASE_CHARS} ký tự).")
        elif len(phrase) > MAX_PHRASE_CHARS:
            problems.append(f"{what}: “{phrase[:40]}…” quá dài (tối đa {MAX_PHRASE_CHARS} ký tự).")
        if key(phrase) in seen:
            problems.append(f"{what}: “{phrase}” bị lặp lại.")
        seen.add(key(phrase))
    return problems


def validate_alias(draft: AliasDraft, others: Iterable[AliasDraft]) -> list[str]:
    """Problems (in Vietnamese) that refuse the save; ``others``: the other active aliases."""
    problems = []
    if not draft.target.strip():
        problems.append("Cần cụm từ trong danh mục thủ tục.")
    if not draft.phrases:
        problems.append("Cần ít nhất một cách nói của công dân.")
    if len(draft.phrases) > MAX_PHRASES:
        problems.append(f"Tối đa {MAX_PHRASES} cách nói.")
    problems += _phrase_problems([draft.target] if draft.target.strip() else [], "Cụm từ danh mục")
    problems += _phrase_problems(draft.phrases, "Cách nói")
    for other in others:
        if draft.target.strip() and key(other.target) == key(draft.target):
            problems.append(
                f"Đã có mục cho cụm từ “{other.target}”: thêm cách nói vào mục đó thay vì tạo mục mới."
            )
        shared = {key(p) for p in draft.phrases} & {key(p) for p in other.phrases}
        problems += [f"Cách nói “{p}” đã có trong mục “{other.target}”." for p in sorted(shared)]
    return problems


def validate_rule(draft: RuleDraft, others: Iterable[RuleDraft]) -> list[str]:
    """Problems (in Vietnamese) that refuse the save; ``others``: the other active rules."""
    problems = []
    if not draft.search.strip():
        problems.append("Cần cụm từ tìm trong danh mục thủ tục.")
    if not draft.when_all:
        problems.append("Cần ít nhất một nhóm từ “phải có”.")
    problems += _phrase_problems([draft.search] if draft.search.strip() else [], "Cụm từ tìm")
    for number, group in enumerate(draft.when_all, 1):
        problems += _phrase_problems(group, f"Nhóm {number}")
    problems += _phrase_problems(draft.unless, "Từ loại trừ")
    for other in others:
        if draft.search.strip() and key(other.search) == key(draft.search):
            problems.append(f"Đã có quy tắc tìm “{other.search}”: sửa quy tắc đó thay vì tạo mới.")
    return problems


# --- The store ------------------------------------------------------------------------------------------


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _alias(row: Any) -> AliasRecord:
    return AliasRecord(
        id=int(row["id"]), target=row["target"], phrases=tuple(json.loads(row["phrases"])),
        active=bool(row["active"]), version=int(row["version"]), updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )  # fmt: skip


def _rule(row: Any) -> RuleRecord:
    return RuleRecord(
        id=int(row["id"]), search=row["search"],
        when_all=tuple(tuple(group) for group in json.loads(row["when_all"])),
        unless=tuple(json.loads(row["unless"])), active=bool(row["active"]), version=int(row["version"]),
        updated_at=row["updated_at"], updated_by=row["updated_by"],
    )  # fmt: skip


def _alias_columns(draft: AliasDraft) -> dict[str, Any]:
    return {"target": draft.target, "phrases": _dump(list(draft.phrases)), "active": int(draft.active)}


def _rule_columns(draft: RuleDraft) -> dict[str, Any]:
    return {
        "search": draft.search,
        "when_all": _dump([list(g) for g in draft.when_all]),
        "unless": _dump(list(draft.unless)),
        "active": int(draft.active),
    }


class SynonymStore:
    """The alias and concept-rule rows in the console's SQLite file."""

    def __init__(self, database: ConsoleDatabase) -> None:
        self.database = database

    def seed(self, document: Mapping[str, Any]) -> int:
        """Fill both tables from a synonyms.yml document when both are empty; how many rows were added."""
        aliases, rules = drafts_of(document)
        with self.database.connect(exclusive=True) as db:
            if any(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES):
                return 0
            for draft in aliases:
                self._insert(db, "console_aliases", _alias_columns(draft), "seed:synonyms.yml")
            for rule in rules:
                self._insert(db, "console_concepts", _rule_columns(rule), "seed:synonyms.yml")
        return len(aliases) + len(rules)

    def aliases(self) -> list[AliasRecord]:
        """Every alias, active ones first, then by catalogue phrase."""
        with self.database.connect() as db:
            rows = db.execute("SELECT * FROM console_aliases ORDER BY active DESC, target, id").fetchall()
        return [_alias(row) for row in rows]

    def rules(self) -> list[RuleRecord]:
        """Every concept rule, active ones first, then in the order they were made."""
        with self.database.connect() as db:
            rows = db.execute("SELECT * FROM console_concepts ORDER BY active DESC, id").fetchall()
        return [_rule(row) for row in rows]

    def alias(self, alias_id: int) -> AliasRecord | None:
        """One alias, or None."""
        return next((a for a in self.aliases() if a.id == alias_id), None)

    def rule(self, rule_id: int) -> RuleRecord | None:
        """One concept rule, or None."""
        return next((r for r in self.rules() if r.id == rule_id), None)

    def document(self) -> dict[str, Any]:
        """The active rows in synonyms.yml's shape (what the query analysis and the export take)."""
        aliases: dict[str, list[str]] = {}
        for alias in self.aliases():
            if alias.active:
                aliases.setdefault(alias.target, []).extend(alias.phrases)
        concepts = [
            {"search": r.search, "when_all": [list(g) for g in r.when_all], "unless": list(r.unless)}
            for r in self.rules()
            if r.active
        ]
        return {"aliases": aliases, "concepts": concepts}

    def create_alias(self, draft: AliasDraft, actor: str) -> AliasRecord:
        """Insert a new alias at version 1."""
        with self.database.connect(exclusive=True) as db:
            return _fetch(
                db,
                "console_aliases",
                _alias,
                self._insert(db, "console_aliases", _alias_columns(draft), actor),
            )

    def create_rule(self, draft: RuleDraft, actor: str) -> RuleRecord:
        """Insert a new concept rule at version 1."""
        with self.database.connect(exclusive=True) as db:
            return _fetch(
                db,
                "console_concepts",
                _rule,
                self._insert(db, "console_concepts", _rule_columns(draft), actor),
            )

    def update_alias(
        self, alias_id: int, draft: AliasDraft, expected_version: int, actor: str
    ) -> tuple[AliasRecord, AliasRecord]:
        """Save the alias if still at ``expected_version``: (before, after); KeyError, VersionConflict."""
        return self._update(
            "console_aliases", _alias, alias_id, _alias_columns(draft), expected_version, actor
        )

    def update_rule(
        self, rule_id: int, draft: RuleDraft, expected_version: int, actor: str
    ) -> tuple[RuleRecord, RuleRecord]:
        """Save the rule if still at ``expected_version``: (before, after); KeyError, VersionConflict."""
        return self._update("console_concepts", _rule, rule_id, _rule_columns(draft), expected_version, actor)

    def apply_import(
        self, aliases: list[AliasDraft], rules: list[RuleDraft], actor: str
    ) -> tuple[ImportReport[AliasRecord], ImportReport[RuleRecord]]:
        """Create or update (matched by catalogue phrase / search phrase) in one transaction."""
        alias_report: ImportReport[AliasRecord] = ImportReport()
        rule_report: ImportReport[RuleRecord] = ImportReport()
        with self.database.connect(exclusive=True) as db:
            for draft in aliases:
                self._merge(
                    db, "console_aliases", _alias, "target", draft, _alias_columns, alias_report, actor
                )
            for rule in rules:
                self._merge(db, "console_concepts", _rule, "search", rule, _rule_columns, rule_report, actor)
        return alias_report, rule_report

    # --- rows ---

    def _insert(self, db: Any, table: str, columns: dict[str, Any], actor: str) -> int:
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        cursor = db.execute(
            f"INSERT INTO {table} ({names}, version, updated_at, updated_by) VALUES ({marks}, 1, ?, ?)",
            (*columns.values(), utcnow().isoformat(), actor),
        )
        return int(cursor.lastrowid or 0)

    def _write(
        self, db: Any, table: str, row_id: int, columns: dict[str, Any], version: int, actor: str
    ) -> None:
        sets = ", ".join(f"{name} = ?" for name in columns)
        db.execute(
            f"UPDATE {table} SET {sets}, version = ?, updated_at = ?, updated_by = ? WHERE id = ?",
            (*columns.values(), version, utcnow().isoformat(), actor, row_id),
        )

    def _update(
        self, table: str, read: Callable[[Any], Record], row_id: int, columns: dict[str, Any], expected: int,
        actor: str,
    ) -> tuple[Record, Record]:  # fmt: skip
        with self.database.connect(exclusive=True) as db:
            before = _fetch(db, table, read, row_id)
            if before.version != expected:
                raise VersionConflict(before)
            self._write(db, table, row_id, columns, before.version + 1, actor)
            return before, _fetch(db, table, read, row_id)

    def _merge(
        self, db: Any, table: str, read: Any, name: str, draft: Any, columns: Any, report: Any, actor: str
    ) -> None:
        wanted = key(getattr(draft, name))
        rows = [read(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY active DESC, id")]
        before = next((r for r in rows if key(getattr(r, name)) == wanted), None)
        if before is None:
            new_id = self._insert(db, table, columns(draft), actor)
            report.created.append(_fetch(db, table, read, new_id))
        elif before.draft() == draft:
            report.unchanged += 1
        else:
            self._write(db, table, before.id, columns(draft), before.version + 1, actor)
            report.changed.append((before, _fetch(db, table, read, before.id)))


TABLES = ("console_aliases", "console_concepts")


def _fetch(db: Any, table: str, read: Callable[[Any], Record], row_id: int) -> Record:
    """One row, read into its record; KeyError when there is none."""
    row = db.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
    if row is None:
        raise KeyError(row_id)
    return read(row)


# --- Exchange format ------------------------------------------------------------------------------------


def drafts_of(document: Mapping[str, Any]) -> tuple[list[AliasDraft], list[RuleDraft]]:
    """The drafts of a synonyms.yml document (assumed well formed: the file, or a checked import)."""
    aliases = [
        AliasDraft(str(target), tuple(str(p) for p in phrases or []))
        for target, phrases in (document.get("aliases") or {}).items()
    ]
    rules = [
        RuleDraft(
            str(rule["search"]),
            tuple(tuple(str(p) for p in group) for group in rule.get("when_all") or []),
            tuple(str(p) for p in rule.get("unless") or []),
        )
        for rule in document.get("concepts") or []
        if isinstance(rule, dict) and rule.get("search")
    ]
    return aliases, rules


def to_yaml(document: Mapping[str, Any]) -> str:
    """A synonyms.yml document as text (a drop-in replacement for knowledge_base/synonyms.yml)."""
    header = "# Exported from the staff console (/console/aliases): active aliases and concept rules only.\n"
    body = yaml.safe_dump(
        dict(document), allow_unicode=True, sort_keys=False, width=4096, default_flow_style=None
    )
    return header + body


def parse_yaml(text: str) -> tuple[list[Line[AliasDraft]], list[Line[RuleDraft]], list[str]]:
    """The drafts of an uploaded synonyms.yml-style file, or errors naming the line."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return [], [], [f"Tệp YAML không đọc được: {error}"]
    if root is None or not isinstance(data, dict) or not ({"aliases", "concepts"} & set(data)):
        return [], [], ["Tệp cần có khóa “aliases” và/hoặc “concepts” (như knowledge_base/synonyms.yml)."]
    nodes = {k.value: v for k, v in root.value}
    errors: list[str] = []
    aliases: list[Line[AliasDraft]] = []
    rules: list[Line[RuleDraft]] = []
    raw_aliases = data.get("aliases") or {}
    if not isinstance(raw_aliases, dict):
        errors.append(
            f"Dòng {nodes['aliases'].start_mark.line + 1}: “aliases” phải là bảng cụm từ → cách nói."
        )
    else:
        lines = [k.start_mark.line + 1 for k, _ in nodes["aliases"].value] if raw_aliases else []
        for line, (target, phrases) in zip(lines, raw_aliases.items()):
            if not isinstance(phrases, list) or not all(isinstance(p, str | int) for p in phrases):
                errors.append(f"Dòng {line}: “{target}” cần một danh sách cách nói.")
                continue
            aliases.append((line, AliasDraft(str(target).strip(), tuple(str(p).strip() for p in phrases))))
    raw_rules = data.get("concepts") or []
    if not isinstance(raw_rules, list):
        errors.append(f"Dòng {nodes['concepts'].start_mark.line + 1}: “concepts” phải là danh sách quy tắc.")
    else:
        lines = [n.start_mark.line + 1 for n in nodes["concepts"].value] if raw_rules else []
        for line, rule in zip(lines, raw_rules):
            groups = rule.get("when_all") if isinstance(rule, dict) else None
            unless = (rule.get("unless") or []) if isinstance(rule, dict) else None
            if (
                not isinstance(rule, dict)
                or not isinstance(groups, list)
                or not all(isinstance(g, list) for g in groups)
                or not isinstance(unless, list)
            ):
                errors.append(f"Dòng {line}: quy tắc cần search, when_all (danh sách các nhóm) và unless.")
                continue
            draft = RuleDraft(
                str(rule.get("search") or "").strip(),
                tuple(tuple(str(p).strip() for p in g) for g in groups),
                tuple(str(p).strip() for p in unless),
            )
            rules.append((line, draft))
    return aliases, rules, errors
