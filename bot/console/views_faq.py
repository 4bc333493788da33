"""FAQ curation: list and search, create, edit (version-checked), deactivate, try a question, export, import.

Every change is audited with before/after, then handed to the assistant's search engine in a thread
(:meth:`Console.publish_faq`): the next citizen message is answered with it, without a restart.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import views_main
from bot.console.accounts import StaffUser
from bot.console.faq_io import drafts_from, parse_csv, parse_yaml, to_csv, to_yaml
from bot.console.faq_store import (
    FaqDraft,
    FaqRecord,
    ImportRow,
    VersionConflict,
    matches,
    slug_of,
    split_list,
    split_tags,
    split_words,
    validate,
)
from bot.console.faq_try import ASPECTS, try_question, understood_as
from bot.console.notices import change_notice, index_error
from bot.console.security import PREFIX, form_value, guard
from bot.console.sessions import Session
from bot.console.uploads import download, read_upload, too_big
from bot.console.views_insights import mark_resolved, parse_ids
from bot.errors import CitizenBotError
from bot.knowledge.search import FIELD_LABELS
from bot.services.procedure_answers import Aspect

if TYPE_CHECKING:
    from bot.console.app import Console

MAX_IMPORT_BYTES = 512 * 1024
FAQ_ACTIONS = {
    "faq.create": "Thêm câu hỏi thường gặp",
    "faq.edit": "Sửa câu hỏi thường gặp",
    "faq.deactivate": "Tạm ẩn câu hỏi thường gặp",
    "faq.reactivate": "Dùng lại câu hỏi thường gặp",
    "faq.import": "Nhập câu hỏi thường gặp từ tệp",
}
NOTICES = {
    "created": "Đã thêm câu hỏi.",
    "saved": "Đã lưu thay đổi.",
    "unchanged": "Không có gì thay đổi: câu hỏi vẫn như trước.",
    "deactivate": "Đã tạm ẩn câu hỏi: trợ lý không dùng câu trả lời này nữa.",
    "reactivate": "Đã bật câu hỏi: trợ lý trả lời bằng nội dung này từ câu hỏi tiếp theo.",
    "import": "Đã nhập tệp.",
}
DRAFT_SAVED = 'Đã lưu bản nháp. Trợ lý chưa dùng câu trả lời này cho đến khi bạn bấm "Bắt đầu dùng".'
HIDDEN_SAVED = "Đã lưu. Câu hỏi này đang tạm ẩn: trợ lý không dùng nó."


def draft_from_form(request: Request, faq_id: str) -> FaqDraft:
    """The entry as the edit form submits it (questions one a line; codes and tags separated)."""
    return FaqDraft(
        id=faq_id,
        questions=split_list(form_value(request, "questions")),
        answer=form_value(request, "answer").strip(),
        procedure_codes=split_words(form_value(request, "procedure_codes")),
        tags=split_tags(form_value(request, "tags")),
        active=form_value(request, "active") != "0",
    )


def form_fields(draft: FaqDraft | FaqRecord) -> dict[str, Any]:
    """The edit form's field values."""
    return {
        "id": draft.id,
        "questions": "\n".join(draft.questions),
        "answer": draft.answer,
        "procedure_codes": ", ".join(draft.procedure_codes),
        "tags": ", ".join(draft.tags),
        "active": draft.active,
    }


def register(blueprint: Blueprint, console: Console) -> None:
    """Add the FAQ routes to the console blueprint."""
    login_required = guard(console.sessions, console.accounts)
    editor_required = guard(console.sessions, console.accounts, edit=True)
    # The audit page names the FAQ actions in words too.
    views_main.ACTION_NAMES.update(FAQ_ACTIONS)

    async def publish() -> str:
        """Hand the active entries to the search engine (in a thread); the time it took, for the notice."""
        try:
            took = await asyncio.to_thread(console.publish_faq)
        except CitizenBotError:
            return "&index=failed"
        return "" if took is None else f"&took={took:.3f}"

    def missing(user: StaffUser, session: Session) -> HTTPResponse:
        return console.render("message.html", user, session, status=404, message="Không có câu hỏi này.")

    def edit_page(
        user: StaffUser, session: Session, fields: dict[str, Any], status: int = 200, **context: Any
    ) -> HTTPResponse:
        """The create/edit form; ``context``: record, version, current (on a conflict), error, notice."""
        context = {"record": None, "version": None, "current": None, "as_draft": False, "group": ""} | context
        if not user.can_edit and not context.get("error"):
            # A viewer reaches the form by its address: say why nothing can be saved rather than leave them
            # with a form without a button.
            context["error"] = "Tài khoản xem chỉ đọc được nội dung; cần tài khoản biên tập để thêm hoặc sửa."
        names = _names(console, fields.get("procedure_codes", ""))
        return console.render("faq_edit.html", user, session, status, fields=fields, names=names, **context)

    @blueprint.get("/faq")
    @login_required
    async def faq_list(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        query = (request.args.get("q") or "").strip()
        shown = request.args.get("show") if request.args.get("show") in ("active", "inactive") else "all"
        rows = [
            record
            for record in console.faq.all()
            if (not query or matches(record, query))
            and (shown == "all" or record.active == (shown == "active"))
        ]
        return console.render(
            "faq_list.html", user, session, rows=rows, query=query, shown=shown,
            notice=change_notice(request, NOTICES), error=index_error(request),
        )  # fmt: skip

    @blueprint.get("/faq/new")
    @login_required
    async def faq_new(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        """The create form, prefilled from ?question=…&procedure=… (repeatable; e.g. unanswered groups)."""
        questions = [q.strip() for q in request.args.getlist("question", []) if q.strip()]
        codes = [c.strip() for c in request.args.getlist("procedure", []) if c.strip()]
        draft = FaqDraft("", tuple(dict.fromkeys(questions)), "", tuple(dict.fromkeys(codes)))
        # Made from questions the assistant could not answer: saved as a draft, used once an editor turns
        # it on, so that nobody's half-finished answer reaches citizens.
        group = ",".join(map(str, parse_ids(request.args.get("group") or "")))
        return edit_page(user, session, form_fields(draft), as_draft=bool(questions), group=group)

    @blueprint.post("/faq/new")
    @editor_required
    async def faq_create(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        wanted = form_value(request, "id").strip()
        draft = draft_from_form(request, wanted)
        if form_value(request, "draft") == "1":
            draft = replace(draft, active=False)
        problems = validate(draft, console.is_procedure)
        if wanted and console.faq.get(wanted) is not None:
            problems.append(f"Mã câu hỏi “{wanted}” đã có. Chọn mã khác hoặc để trống.")
        group = form_value(request, "group")
        if problems:
            return edit_page(
                user, session, form_fields(draft), 400, error=" ".join(problems),
                as_draft=form_value(request, "draft") == "1", group=group,
            )  # fmt: skip
        if not wanted:
            draft = replace(draft, id=console.faq.free_id(slug_of(draft.questions[0])))
        record = console.faq.create(draft, user.username)
        console.audit.record(user.username, "faq.create", record.id, None, record.audit())
        # Made from an unanswered group: its questions are answered now, off the "to review" list.
        mark_resolved(console, group, "faq", user.username, f"faq:{record.id}")
        shown = await publish()
        return response.redirect(f"{PREFIX}/faq/{record.id}?ok=created{shown}")

    @blueprint.get("/faq/<faq_id:slug>")
    @login_required
    async def faq_detail(request: Request, faq_id: str, user: StaffUser, session: Session) -> HTTPResponse:
        record = console.faq.get(faq_id)
        if record is None:
            return missing(user, session)
        notice = change_notice(request, NOTICES)
        if request.args.get("ok") in ("created", "saved") and not record.active:  # not used (yet)
            notice = DRAFT_SAVED if record.version == 1 else HIDDEN_SAVED
        return edit_page(
            user, session, form_fields(record), record=record, version=record.version,
            notice=notice, error=index_error(request),
        )  # fmt: skip

    @blueprint.post("/faq/<faq_id:slug>")
    @editor_required
    async def faq_save(request: Request, faq_id: str, user: StaffUser, session: Session) -> HTTPResponse:
        record = console.faq.get(faq_id)
        if record is None:
            return missing(user, session)
        draft = replace(draft_from_form(request, faq_id), active=record.active)
        version = _version(request)
        problems = validate(draft, console.is_procedure)
        if version is None:
            problems.append("Thiếu số phiên bản của biểu mẫu. Tải lại trang rồi sửa lại.")
        if problems:
            return edit_page(
                user, session, form_fields(draft), 400, record=record, version=version,
                error=" ".join(problems),
            )  # fmt: skip
        assert version is not None
        try:
            before, after = console.faq.update(draft, version, user.username)
        except VersionConflict as conflict:
            return conflict_page(user, session, draft, conflict.current)
        if after is before:  # nothing changed: no version, no audit entry, no re-index
            return response.redirect(f"{PREFIX}/faq/{faq_id}?ok=unchanged")
        console.audit.record(user.username, "faq.edit", faq_id, before.audit(), after.audit())
        shown = await publish()
        return response.redirect(f"{PREFIX}/faq/{faq_id}?ok=saved{shown}")

    def conflict_page(user: StaffUser, session: Session, draft: FaqDraft, current: FaqRecord) -> HTTPResponse:
        message = (
            f"Câu hỏi này vừa được {current.updated_by} thay đổi (phiên bản {current.version}) trong lúc "
            "anh/chị đang sửa. Thay đổi của anh/chị CHƯA được lưu. Nội dung hiện tại ở khung bên dưới; "
            "hãy đối chiếu, sửa lại biểu mẫu rồi bấm Lưu nếu vẫn muốn thay."
        )
        return edit_page(
            user, session, form_fields(draft), 409, record=current, version=current.version,
            current=current, error=message,
        )  # fmt: skip

    @blueprint.post("/faq/<faq_id:slug>/active")
    @editor_required
    async def faq_active(request: Request, faq_id: str, user: StaffUser, session: Session) -> HTTPResponse:
        record = console.faq.get(faq_id)
        if record is None:
            return missing(user, session)
        active = form_value(request, "active") == "1"
        version = _version(request)
        try:
            before, after = console.faq.update(
                replace(record, active=active), -1 if version is None else version, user.username
            )
        except VersionConflict as conflict:
            return conflict_page(user, session, record, conflict.current)
        action = "faq.reactivate" if active else "faq.deactivate"
        console.audit.record(user.username, action, faq_id, before.audit(), after.audit())
        shown = await publish()
        return response.redirect(f"{PREFIX}/faq/{faq_id}?ok={action.split('.')[1]}{shown}")

    @blueprint.get("/faq/try")
    @login_required
    async def faq_try(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        """Run the assistant's own search and reply decision on a question (changes nothing)."""
        question = (request.args.get("q") or "").strip()[:500]
        chosen = request.args.get("aspect") or ""
        aspect = Aspect.from_intent(chosen)
        outcome: dict[str, Any] | None = None
        error = ""
        understood: dict[str, Any] | None = None
        if question and not chosen:
            # As in a real conversation: the Rasa server's NLU decides what the question is about.
            understood = await asyncio.to_thread(understood_as, console, question)
            aspect = Aspect.from_intent(understood["intent"]) if understood else Aspect.OVERVIEW
        if question and console.knowledge is None:
            error = "Bảng điều khiển chưa được nối với công cụ tìm kiếm của trợ lý."
        elif question:
            try:
                nlu_unsure = bool(understood and understood["intent"] == "nlu_fallback")
                outcome = await asyncio.to_thread(try_question, console, question, aspect, nlu_unsure)
            except CitizenBotError:
                error = "Công cụ tìm kiếm chưa sẵn sàng. Thử lại sau ít phút."
        return console.render(
            "faq_try.html", user, session, question=question, aspect=aspect, aspects=ASPECTS,
            outcome=outcome, error=error, field_labels=FIELD_LABELS, chosen=chosen, understood=understood,
            aspect_names=dict(ASPECTS),
        )  # fmt: skip

    @blueprint.get("/faq/export.yml")
    @login_required
    async def faq_export_yaml(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        return download(to_yaml(console.faq.all()), "faq.yml", "application/yaml")

    @blueprint.get("/faq/export.csv")
    @login_required
    async def faq_export_csv(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        return download(to_csv(console.faq.all()), "faq.csv", "text/csv")

    @blueprint.get("/faq/import")
    @login_required
    async def faq_import_form(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        return console.render("faq_import.html", user, session, limit_kb=MAX_IMPORT_BYTES // 1024)

    @blueprint.post("/faq/import")
    @editor_required
    async def faq_import(request: Request, user: StaffUser, session: Session) -> HTTPResponse:
        errors, rows = _read_upload(request, console)
        report = console.faq.apply_import(rows, user.username) if not errors else None
        if errors or (report and report.conflicts):
            status = 413 if errors == [too_big(MAX_IMPORT_BYTES)] else 400 if errors else 409
            return console.render(
                "faq_import.html", user, session, status=status, errors=errors,
                conflicts=report.conflicts if report else [], limit_kb=MAX_IMPORT_BYTES // 1024,
            )  # fmt: skip
        assert report is not None
        for record in report.created:
            console.audit.record(user.username, "faq.import", record.id, None, record.audit())
        for before, after in report.changed:
            console.audit.record(user.username, "faq.import", after.id, before.audit(), after.audit())
        shown = await publish()
        counts = f"&created={len(report.created)}&changed={len(report.changed)}&same={report.unchanged}"
        return response.redirect(f"{PREFIX}/faq?ok=import{counts}{shown}")


def _read_upload(request: Request, console: Console) -> tuple[list[str], list[ImportRow]]:
    """Errors, or the validated drafts of the uploaded YAML/CSV file."""
    text, name, error = read_upload(request, MAX_IMPORT_BYTES)
    if error:
        return [error], []
    if name.endswith((".yml", ".yaml")):
        items, errors = parse_yaml(text)
    elif name.endswith(".csv"):
        items, errors = parse_csv(text)
    else:
        return ["Chỉ nhận tệp .yml, .yaml hoặc .csv."], []
    if errors:
        return errors, []
    if not items:
        return ["Tệp không có câu hỏi nào."], []
    drafts, errors = drafts_from(items, console.is_procedure)
    return errors, drafts


def _version(request: Request) -> int | None:
    try:
        return int(form_value(request, "version"))
    except ValueError:
        return None


def _names(console: Console, codes: str) -> list[tuple[str, str]]:
    """(code, procedure name or a warning) for the codes in the form."""
    try:
        catalogue = console.catalogue()
    except CitizenBotError:
        return []
    return [(code, catalogue.get(code, "— không có trong danh mục —")) for code in split_words(codes)]
