"""Aliases and concept rules in the console's store: versioned rows (see :mod:`bot.console.alias_model`).

The tables ``console_aliases`` and ``console_concepts`` (see :mod:`bot.console.db`) are seeded once from
``knowledge_base/synonyms.yml`` when both are empty; from then on the store is the truth and
:meth:`SynonymStore.document` (the active rows, in the file's shape) is what the query analysis uses.
Every change raises the row's ``version``; a save naming an older version raises :class:`VersionConflict`.
The check and the write share one exclusive transaction (two processes may share the database).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from bot.console.alias_io import drafts_of
from bot.console.alias_model import (
    AliasDraft,
    AliasRecord,
    ImportReport,
    Line,
    Record,
    RuleDraft,
    RuleRecord,
    VersionConflict,
    key,
)
from bot.console.db import ConsoleDatabase, utcnow


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

    def export_document(self) -> dict[str, Any]:
        """Every row (hidden ones too) with its ``active`` flag and ``version``: the export's content."""
        aliases: dict[str, Any] = {}
        for alias in self.aliases():  # active first: a hidden row never hides an active one's target
            entry = {"phrases": list(alias.phrases), "active": alias.active, "version": alias.version}
            aliases.setdefault(alias.target, entry)
        concepts = [r.content() | {"version": r.version} for r in self.rules()]
        return {"aliases": aliases, "concepts": concepts}

    def apply_import(
        self, aliases: list[Line[AliasDraft]], rules: list[Line[RuleDraft]], actor: str
    ) -> tuple[ImportReport[AliasRecord], ImportReport[RuleRecord]]:
        """Create or update (matched by catalogue phrase / search phrase) in one transaction.

        A line that would change a stored row must name the row's current version; otherwise it is
        listed in ``conflicts`` and nothing at all is written.
        """
        alias_report: ImportReport[AliasRecord] = ImportReport()
        rule_report: ImportReport[RuleRecord] = ImportReport()
        with self.database.connect(exclusive=True) as db:
            stored_aliases = _by_key(db, "console_aliases", _alias, "target")
            stored_rules = _by_key(db, "console_concepts", _rule, "search")
            alias_report.conflicts = _conflicts(aliases, stored_aliases, "target", "Mục")
            rule_report.conflicts = _conflicts(rules, stored_rules, "search", "Quy tắc")
            if alias_report.conflicts or rule_report.conflicts:
                return alias_report, rule_report
            for _, draft, _ in aliases:
                self._merge(
                    db, "console_aliases", _alias, "target", draft, _alias_columns, alias_report, actor
                )
            for _, rule, _ in rules:
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


def _by_key(db: Any, table: str, read: Callable[[Any], Record], name: str) -> dict[str, Record]:
    """The stored rows by the key of their phrase (the first, active ones first, as :meth:`_merge` picks)."""
    found: dict[str, Record] = {}
    for row in db.execute(f"SELECT * FROM {table} ORDER BY active DESC, id"):
        record = read(row)
        found.setdefault(key(getattr(record, name)), record)
    return found


def _conflicts(lines: list[Any], stored: Mapping[str, Any], name: str, what: str) -> list[str]:
    """Lines that would overwrite a row changed since the file was exported (or naming no version)."""
    problems = []
    for line, draft, version in lines:
        now = stored.get(key(getattr(draft, name)))
        if now is None or now.draft() == draft or version == now.version:
            continue
        exported = "không ghi phiên bản" if version is None else f"được tải về ở phiên bản {version}"
        problems.append(
            f"Dòng {line}: {what} “{getattr(draft, name)}” {exported}, nhưng hiện ở phiên bản "
            f"{now.version} ({now.updated_by} sửa lần cuối). Dòng này sẽ ghi đè thay đổi đó. Tải tệp xuất "
            "mới nhất rồi sửa trên tệp đó."
        )
    return problems


def _fetch(db: Any, table: str, read: Callable[[Any], Record], row_id: int) -> Record:
    """One row, read into its record; KeyError when there is none."""
    row = db.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
    if row is None:
        raise KeyError(row_id)
    return read(row)
