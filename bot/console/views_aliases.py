"""Aliases and concept rules: list and search, create, edit (version-checked), deactivate, export, import.

Every change is audited with before/after, then the active rows go to the query analysis
(:func:`bot.knowledge.analysis.set_synonyms`) and the FAQ is re-indexed with them: the next citizen
message is analysed with the change, without a restart.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import yaml
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import views_main
from bot.console.accounts import StaffUser
from bot.console.alias_io import check_import, parse_yaml, to_yaml
from bot.console.alias_model import (
    AliasDraft,
    AliasRecord,
    Line,
    RuleDraft,
    RuleRecord,
    VersionConflict,
    in_catalogue,
    key,
    searchable_text,
    split_phrases,
    validate_alias,
    validate_rule,
)
from bot.console.alias_store import SynonymStore
from bot.console.faq_store import split_list
from bot.console.notices import change_notice, index_error
from bot.console.security import PREFIX, form_value, guard
from bot.console.sessions import Session
from bot.console.uploads import download, read_upload, too_big
from bot.console.views_insights import mark_resolved, parse_ids
from bot.errors import CitizenBotError
from bot.knowledge.analysis import SYNONYMS_FILE, set_synonyms

if TYPE_CHECKING:
    from bot.console.app import Console

MAX_IMPORT_BYTES = 256 * 1024
ACTIONS = {
    "alias.create": "Thêm từ đồng nghĩa",
    "alias.edit": "Sửa từ đồng nghĩa",
    "alias.deactivate": "Tạm ẩn từ đồng nghĩa",
    "alias.reactivate": "Dùng lại từ đồng nghĩa",
    "alias.import": "Nhập từ đồng nghĩa từ tệp",
    "rule.create": "Thêm quy tắc khái niệm",
    "rule.edit": "Sửa quy tắc khái niệm",
    "rule.deactivate": "Tạm ẩn quy tắc khái niệm",
    "rule.reactivate": "Dùng lại quy tắc khái niệm",
    "rule.import": "Nhập quy tắc khái niệm từ tệp",
}
NOTICES = {
    "created": "Đã thêm.",
    "saved": "Đã lưu thay đổi.",
    "deactivate": "Đã tạm ẩn: trợ lý không dùng mục này nữa.",
    "reactivate": "Đã dùng lại.",
    "import": "Đã nhập tệp.",
}
_publishing = threading.Lock()


def store_of(console: Console) -> SynonymStore:
    """The store over the console's tables, seeded from knowledge_base/synonyms.yml on first use."""
    store = SynonymStore(console.faq.database)
    with open(SYNONYMS_FILE, encoding="utf-8") as seed:
        store.seed(yaml.safe_load(seed) or {})
    return store


def publish(console: Console, store: SynonymStore) -> float | None:
    """Give the query analysis the active rows, then re-index the FAQ with them; seconds (None: no engine).

    Blocking: call it through ``asyncio.to_thread``.
    """
    if console.knowledge is None:
        return None
    with _publishing:
        set_synonyms(store.document())
        return console.publish_faq()


def publish_stored(console: Console) -> float | None:
    """At start-up: the stored aliases and rules replace the file's (see :func:`publish`)."""
    return publish(console, store_of(console))


def alias_from_form(request: Request) -> AliasDraft:
    """The alias as its form submits it (citizens' phrases one a line)."""
    return AliasDraft(form_value(request, "target").strip(), split_list(form_value(request, "phrases")))


def rule_from_form(request: Request) -> RuleDraft:
    """The rule as its form submits it (one group a line, phrases separated by commas)."""
    groups = (split_phrases(line) for line in form_value(request, "when_all").splitlines())
    return RuleDraft(
        form_value(request, "search").strip(),
        tuple(group for group in groups if group),
        split_phrases(form_value(request, "unless")),
    )


def register(blueprint: Blueprint, console: Console) -> None:
    """Add the alias and concept-rule routes to the console blueprint."""
    login_required = guard(console.sessions, console.accounts)
    editor_required = guard(console.sessions, console.accounts, edit=True)
    views_main.ACTION_NAMES.update(ACTIONS)
    store = store_of(console)
    # The unanswered page names the top candidate procedure in its "Tạo từ đồng nghĩa" link.
    console.templates.globals["procedure_name"] = lambda code: _names(console).get(code or "", "")

    async def published() -> str:
        try:
            took = await asyncio.to_thread(publish, console, store)
        except CitizenBotError:
            return "&index=failed"
        return "" if took is None else f"&took={took:.3f}"

    def others(kind: str, row_id: int | None) -> list[Any]:
        rows = store.aliases() if kind == "alias" else store.rules()
        return [row for row in rows if row.active and row.id != row_id]

    def problems_of(draft: AliasDraft | RuleDraft, row_id: int | None) -> list[str]:
        if isinstance(draft, AliasDraft):
            return validate_alias(draft, others("alias", row_id))
        return validate_rule(draft, others("rule", row_id))

    async def page(
        kind: str, user: StaffUser, session: Session, draft: Any, status: int = 200, **context: Any
    ) -> HTTPResponse:
        """The alias or rule form; ``context``: record, version, current (on a conflict), error, notice."""
        context = {"record": None, "version": None, "current": None, "error": "", "notice": ""} | context
        context.setdefault("group", "")
        target = draft.target if kind == "alias" else draft.search
        warning = ""
        if target and not in_catalogue(target, _names(console).values()):
            warning = f"Không thủ tục nào có “{target}” trong tên: kiểm tra lại cụm từ trong danh mục."
        sample = (draft.phrases[:1] if kind == "alias" else ()) or (target,)
        context |= {
            "warning": warning,
            "sample": sample[0],
            "found": await asyncio.to_thread(_top, console, sample[0]),
        }
        template = "alias_edit.html" if kind == "alias" else "alias_rule_edit.html"
        return console.render(template, user, session, status, draft=draft, kind=kind, **context)

    def missing(user: StaffUser, session: Session) -> HTTPResponse:
        return console.render("message.html", user, session, status=404, message="Không có mục này.")

    async def conflict(
        kind: str, user: StaffUser, session: Session, draft: Any, current: Any
    ) -> HTTPResponse:
        message = (
            f"Mục này vừa được {current.updated_by} thay đổi (phiên bản {current.version}) trong lúc anh/chị "
            "đang sửa. Thay đổi của anh/chị CHƯA được lưu. Nội dung hiện tại ở khung bên dưới; hãy đối "
            "chiếu, sửa lại biểu mẫu rồi bấm Lưu nếu vẫn muốn thay."
        )
        return await page(
            kind, user, session, draft, 409, record=current, version=current.version, current=current,
            error=message,
        )  # fmt: skip

    async def create(kind: str, request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        draft = alias_from_form(request) if kind == "alias" else rule_from_form(request)
        problems = problems_of(draft, None)
        group = form_value(request, "group") if kind == "alias" else ""
        if problems:
            return await page(kind, user, session, draft, 400, error=" ".join(problems), group=group)
        record: Any = (
            store.create_alias(draft, user.username)  # type: ignore[arg-type]
            if kind == "alias"
            else store.create_rule(draft, user.username)  # type: ignore[arg-type]
        )
        console.audit.record(user.username, f"{kind}.create", _label(record), None, record.audit())
        mark_resolved(console, group, "alias", user.username, f"alias:{record.id}")
        return response.redirect(f"{_url(kind, record.id)}?ok=created{await published()}")

    async def save(
        kind: str, row_id: int, request: Request, user: StaffUser, session: Session, activate: bool
    ) -> HTTPResponse:
        record: Any = store.alias(row_id) if kind == "alias" else store.rule(row_id)
        if record is None:
            return missing(user, session)
        if activate:
            draft = replace(record.draft(), active=form_value(request, "active") == "1")
        else:
            draft = alias_from_form(request) if kind == "alias" else rule_from_form(request)
            draft = replace(draft, active=record.active)
        try:
            version = int(form_value(request, "version"))
        except ValueError:
            version = -1
        problems = problems_of(draft, row_id) if draft.active else []
        if version < 0 and not activate:
            problems.append("Thiếu số phiên bản của biểu mẫu. Tải lại trang rồi sửa lại.")
        if problems:
            return await page(
                kind, user, session, draft, 400, record=record, version=record.version,
                error=" ".join(problems),
            )  # fmt: skip
        update = store.update_alias if kind == "alias" else store.update_rule
        try:
            before, after = update(row_id, draft, version, user.username)  # type: ignore[arg-type]
        except VersionConflict as clash:
            return await conflict(kind, user, session, draft, clash.current)
        action = ("reactivate" if draft.active else "deactivate") if activate else "edit"
        console.audit.record(user.username, f"{kind}.{action}", _label(after), before.audit(), after.audit())
        ok = action if activate else "saved"
        return response.redirect(f"{_url(kind, row_id)}?ok={ok}{await published()}")

    async def detail(
        kind: str, row_id: int, request: Request, user: StaffUser, session: Session
    ) -> HTTPResponse:
        record: Any = store.alias(row_id) if kind == "alias" else store.rule(row_id)
        if record is None:
            return missing(user, session)
        return await page(
            kind, user, session, record, record=record, version=record.version,
            notice=change_notice(request, NOTICES), error=index_error(request),
        )  # fmt: skip

    @blueprint.get("/aliases")
    @login_required
    async def alias_list(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        query = (request.args.get("q") or "").strip()
        shown = request.args.get("show") if request.args.get("show") in ("active", "inactive") else "all"

        words = key(query).split()

        def kept(row: AliasRecord | RuleRecord) -> bool:
            if shown != "all" and row.active != (shown == "active"):
                return False
            text = key(searchable_text(row.content()))
            return all(word in text for word in words)

        return console.render(
            "aliases.html", user, session, query=query, shown=shown,
            aliases=[a for a in store.aliases() if kept(a)], rules=[r for r in store.rules() if kept(r)],
            notice=change_notice(request, NOTICES), error=index_error(request),
        )  # fmt: skip

    @blueprint.get("/aliases/new")
    @login_required
    async def alias_new(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        """The form, prefilled from ?phrase=…&target=… (e.g. from an unanswered group)."""
        phrases = tuple(dict.fromkeys(p.strip() for p in request.args.getlist("phrase", []) if p.strip()))
        draft = AliasDraft((request.args.get("target") or "").strip()[:150], phrases)
        group = ",".join(map(str, parse_ids(request.args.get("group") or "")))
        return await page("alias", user, session, draft, group=group)

    @blueprint.post("/aliases/new")
    @editor_required
    async def alias_create(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        return await create("alias", request, user, session)

    @blueprint.get("/aliases/<alias_id:int>")
    @login_required
    async def alias_detail(
        request: Request, alias_id: int, user: StaffUser, session: Session
    ) -> HTTPResponse:
        return await detail("alias", alias_id, request, user, session)

    @blueprint.post("/aliases/<alias_id:int>")
    @editor_required
    async def alias_save(request: Request, alias_id: int, user: StaffUser, session: Session) -> HTTPResponse:
        return await save("alias", alias_id, request, user, session, activate=False)

    @blueprint.post("/aliases/<alias_id:int>/active")
    @editor_required
    async def alias_active(
        request: Request, alias_id: int, user: StaffUser, session: Session
    ) -> HTTPResponse:
        return await save("alias", alias_id, request, user, session, activate=True)

    @blueprint.get("/aliases/rules/new")
    @login_required
    async def rule_new(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        return await page("rule", user, session, RuleDraft("", ()))

    @blueprint.post("/aliases/rules/new")
    @editor_required
    async def rule_create(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        return await create("rule", request, user, session)

    @blueprint.get("/aliases/rules/<rule_id:int>")
    @login_required
    async def rule_detail(request: Request, rule_id: int, user: StaffUser, session: Session) -> HTTPResponse:
        return await detail("rule", rule_id, request, user, session)

    @blueprint.post("/aliases/rules/<rule_id:int>")
    @editor_required
    async def rule_save(request: Request, rule_id: int, user: StaffUser, session: Session) -> HTTPResponse:
        return await save("rule", rule_id, request, user, session, activate=False)

    @blueprint.post("/aliases/rules/<rule_id:int>/active")
    @editor_required
    async def rule_active(request: Request, rule_id: int, user: StaffUser, session: Session) -> HTTPResponse:
        return await save("rule", rule_id, request, user, session, activate=True)

    @blueprint.get("/aliases/export.yml")
    @login_required
    async def aliases_export(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        return download(to_yaml(store.export_document()), "synonyms.yml", "application/yaml")

    @blueprint.get("/aliases/import")
    @login_required
    async def aliases_import_form(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        return console.render("alias_import.html", user, session, limit_kb=MAX_IMPORT_BYTES // 1024)

    @blueprint.post("/aliases/import")
    @editor_required
    async def aliases_import(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        errors, aliases, rules = _read_upload(request, store)
        if errors:
            return console.render(
                "alias_import.html", user, session, status=413 if errors == [TOO_BIG] else 400,
                errors=errors, limit_kb=MAX_IMPORT_BYTES // 1024,
            )  # fmt: skip
        alias_report, rule_report = store.apply_import(aliases, rules, user.username)
        conflicts = alias_report.conflicts + rule_report.conflicts
        if conflicts:
            return console.render(
                "alias_import.html", user, session, status=409, conflicts=conflicts,
                limit_kb=MAX_IMPORT_BYTES // 1024,
            )  # fmt: skip
        counts = {"created": 0, "changed": 0, "same": alias_report.unchanged + rule_report.unchanged}
        for kind, report in (("alias", alias_report), ("rule", rule_report)):
            for record in report.created:
                console.audit.record(user.username, f"{kind}.import", _label(record), None, record.audit())
            for before, after in report.changed:
                console.audit.record(
                    user.username, f"{kind}.import", _label(after), before.audit(), after.audit()
                )
            counts["created"] += len(report.created)
            counts["changed"] += len(report.changed)
        return response.redirect(f"{PREFIX}/aliases?ok=import&{urlencode(counts)}{await published()}")


TOO_BIG = too_big(MAX_IMPORT_BYTES)


def _read_upload(
    request: Request, store: SynonymStore
) -> tuple[list[str], list[Line[AliasDraft]], list[Line[RuleDraft]]]:
    """Errors (by line), or the validated lines of the uploaded file: all of them or none."""
    text, _, error = read_upload(request, MAX_IMPORT_BYTES)
    if error:
        return [error], [], []
    aliases, rules, errors = parse_yaml(text)
    if errors:
        return errors, [], []
    if not aliases and not rules:
        return ["Tệp không có từ đồng nghĩa hay quy tắc nào."], [], []
    return check_import(aliases, rules, store.aliases(), store.rules()), aliases, rules


def _names(console: Console) -> dict[str, str]:
    """Procedure names by code ({} when the catalogue cannot be read)."""
    try:
        return console.catalogue()
    except CitizenBotError:
        return {}


def _top(console: Console, question: str) -> tuple[str, str] | None:
    """(code, name) of what the assistant's search finds first for the question, if it can search."""
    if console.knowledge is None or not question:
        return None
    try:
        hit = console.knowledge.engine.search(question, 3).top
    except CitizenBotError:
        return None
    return (hit.code, hit.name) if hit else None


def _url(kind: str, row_id: int) -> str:
    return f"{PREFIX}/aliases/{row_id}" if kind == "alias" else f"{PREFIX}/aliases/rules/{row_id}"


def _label(record: AliasRecord | RuleRecord) -> str:
    """The audit log's target: the row id and its catalogue phrase."""
    return f"{record.id}: {record.target if isinstance(record, AliasRecord) else record.search}"
