"""Imports never overwrite silently, unanswered groups leave the list once answered, the try box shows the
citizen's reply for every kind of plan, the audit page filters and pages, and `citizenbot staff` manages
accounts."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml
from sanic import Sanic

from bot.cli import main
from bot.console import Console
from bot.console.alias_store import SynonymStore
from bot.console.faq_try import reply_messages
from bot.knowledge import analysis
from bot.knowledge.index import KnowledgeService
from bot.knowledge.store import read_faq
from bot.services.candidates import Candidate
from bot.services.procedure_answers import Aspect
from bot.services.records import CitizenRecords
from bot.services.turn import ReplyKind, ReplyPlan
from tests.console.conftest import EDITOR, csrf_of, login, make_console_app

KHAI_SINH = "1.001193"
CHOICES = (Candidate("1.001193", "Đăng ký khai sinh"), Candidate("1.000894", "Đăng ký kết hôn"))


@pytest.fixture(scope="module")
def knowledge() -> Iterator[KnowledgeService]:
    from bot.services.application import knowledge_service

    service = knowledge_service()
    service.engine.search("khởi động", 1)
    yield service
    analysis.set_synonyms(None)
    service.reload_faq(read_faq())


@pytest.fixture
def console_app(
    records: CitizenRecords, rasa: str, monkeypatch: pytest.MonkeyPatch, knowledge: KnowledgeService
) -> Iterator[tuple[Sanic, Console]]:
    yield make_console_app(records, rasa, monkeypatch, knowledge)
    analysis.set_synonyms(None)


async def upload(client: httpx.AsyncClient, csrf: str, path: str, name: str, text: str) -> httpx.Response:
    files = {"file": (name, text.encode(), "text/plain")}
    return await client.post(path, data={"csrf_token": csrf}, files=files)


# --- Gap 1: version and active in the exports; a row without its current version is a conflict -----------


async def test_faq_yaml_export_carries_version_and_hidden_entries(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    hide = {"csrf_token": editor, "version": "1", "active": "0"}
    assert (await client.post("/console/faq/khai-sinh-le-phi/active", data=hide)).status_code == 302
    data = yaml.safe_load((await client.get("/console/faq/export.yml")).text)
    entry = next(item for item in data["faq"] if item["id"] == "khai-sinh-le-phi")
    assert entry["active"] is False and entry["version"] == 2
    assert len(data["faq"]) == len(console.faq.all())
    csv_text = (await client.get("/console/faq/export.csv")).text
    assert re.search(r"\nkhai-sinh-le-phi,.*,0,2\r\n", csv_text)


@pytest.mark.parametrize("version", [None, 1])
async def test_faq_yaml_without_or_with_a_stale_version_is_a_conflict(
    client: httpx.AsyncClient, editor: str, console: Console, version: int | None
) -> None:
    exported = yaml.safe_load((await client.get("/console/faq/export.yml")).text)
    edit = {"csrf_token": editor, "version": "1", "active": "0"}
    assert (await client.post("/console/faq/khai-sinh-le-phi/active", data=edit)).status_code == 302
    for item in exported["faq"]:
        if item["id"] == "khai-sinh-le-phi":
            item["answer"] = "Bản sửa trên tệp cũ."
            item.pop("version")
            if version is not None:
                item["version"] = version
    new = {"id": "moi-trong-tep", "questions": ["Câu hỏi mới?"], "answer": "Đáp.",
           "procedure_codes": [KHAI_SINH]}  # fmt: skip
    exported["faq"].append(new)
    text = yaml.safe_dump(exported, allow_unicode=True)
    answer = await upload(client, editor, "/console/faq/import", "faq.yml", text)
    assert answer.status_code == 409
    said = "không ghi phiên bản" if version is None else "được tải về ở phiên bản 1"
    assert f"“khai-sinh-le-phi” {said}, nhưng câu hỏi này hiện ở phiên bản 2" in unescape(answer.text)
    assert console.faq.get("khai-sinh-le-phi").answer != "Bản sửa trên tệp cũ."
    assert console.faq.get("moi-trong-tep") is None  # nothing of the file is written


async def test_faq_yaml_at_the_current_version_is_taken(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    exported = yaml.safe_load((await client.get("/console/faq/export.yml")).text)
    exported["faq"][0]["answer"] = "Câu trả lời sửa trên tệp mới."
    exported["faq"][0]["active"] = False
    text = yaml.safe_dump(exported, allow_unicode=True)
    answer = await upload(client, editor, "/console/faq/import", "faq.yml", text)
    assert answer.status_code == 302 and "changed=1" in answer.headers["location"]
    record = console.faq.get(exported["faq"][0]["id"])
    assert record.answer == "Câu trả lời sửa trên tệp mới." and record.active is False


async def test_alias_export_round_trips_and_refuses_unversioned_or_stale_changes(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    store = SynonymStore(console.faq.database)
    alias = store.aliases()[0]
    hide = {"csrf_token": editor, "version": "1", "active": "0"}
    assert (await client.post(f"/console/aliases/{alias.id}/active", data=hide)).status_code == 302
    exported = (await client.get("/console/aliases/export.yml")).text
    document = yaml.safe_load(exported)
    assert document["aliases"][alias.target] == {
        "phrases": list(alias.phrases),
        "active": False,
        "version": 2,
    }
    assert all({"version", "active"} <= set(rule) for rule in document["concepts"])
    same = await upload(client, editor, "/console/aliases/import", "synonyms.yml", exported)
    assert same.status_code == 302 and "created=0&changed=0" in same.headers["location"]
    plain = {"aliases": {alias.target: [*alias.phrases, "cách nói thêm"]}}  # the seed file's shape
    refused = await upload(client, editor, "/console/aliases/import", "s.yml", yaml.safe_dump(plain))
    assert refused.status_code == 409 and "không ghi phiên bản" in refused.text
    rule = store.rules()[0]
    document["concepts"][0]["unless"] = [*rule.unless, "ngoại lệ mới"]
    document["concepts"][0]["version"] = rule.version - 1 if rule.version > 1 else 99
    stale = await upload(client, editor, "/console/aliases/import", "s.yml", yaml.safe_dump(document))
    assert stale.status_code == 409 and f"Quy tắc “{rule.search}”" in unescape(stale.text)
    assert store.rule(rule.id) == rule and store.alias(alias.id).phrases == alias.phrases
    document["concepts"][0]["version"] = rule.version
    taken = await upload(client, editor, "/console/aliases/import", "s.yml", yaml.safe_dump(document))
    assert taken.status_code == 302 and "changed=1" in taken.headers["location"]
    assert "ngoại lệ mới" in store.rule(rule.id).unless and store.alias(alias.id).active is False


# --- Gap 2: an FAQ or alias made from a group takes all its wordings and takes the group off the list ----


def crocodile_group(records: CitizenRecords) -> list[int]:
    return [
        records.record_unanswered("web-9", text, "low_confidence", "ask_overview", 0.3, [KHAI_SINH])
        for text in ("nuôi cá sấu có cần xin phép không", "Nuôi cá sấu có cần xin phép không?",
                     "nuoi ca sau co can xin phep khong a")
    ]  # fmt: skip


async def test_an_faq_saved_from_a_group_marks_its_questions_reviewed(
    client: httpx.AsyncClient, editor: str, records: CitizenRecords, console: Console
) -> None:
    ids = crocodile_group(records)
    page = (await client.get("/console/unanswered")).text
    link = unescape(re.findall(r'href="(/console/faq/new\?[^"]+)"', page)[0])
    query = parse_qs(urlsplit(link).query)
    assert len(query["question"]) == 2 and query["group"] == [",".join(map(str, sorted(ids)))]
    form = (await client.get(link)).text
    assert 'name="group"' in form and "nuoi ca sau co can xin phep khong a" in form
    fields = {
        "csrf_token": csrf_of(form), "questions": "\n".join(query["question"]), "answer": "Không cần.",
        "procedure_codes": KHAI_SINH, "draft": "1", "group": query["group"][0],
    }  # fmt: skip
    saved = await client.post("/console/faq/new", data=fields)
    assert saved.status_code == 302
    assert "Không có câu hỏi nào cần xem xét." in (await client.get("/console/unanswered")).text
    dismissed = (await client.get("/console/unanswered?show=dismissed")).text
    assert "Đã tạo câu hỏi thường gặp" in dismissed
    [entry] = console.audit.entries(action="unanswered.resolve")
    assert json.loads(entry.after)["reason"] == "faq" and sorted(json.loads(entry.after)["ids"]) == ids


async def test_an_alias_saved_from_a_group_marks_its_questions_reviewed(
    client: httpx.AsyncClient, editor: str, records: CitizenRecords
) -> None:
    crocodile_group(records)
    page = (await client.get("/console/unanswered")).text
    link = unescape(re.findall(r'href="(/console/aliases/new\?[^"]+)"', page)[0])
    query = parse_qs(urlsplit(link).query)
    form = (await client.get(link)).text
    fields = {
        "csrf_token": csrf_of(form), "phrases": "\n".join(query["phrase"]),
        "target": "nuôi động vật hoang dã", "group": query["group"][0],
    }  # fmt: skip
    assert (await client.post("/console/aliases/new", data=fields)).status_code == 302
    assert "Không có câu hỏi nào cần xem xét." in (await client.get("/console/unanswered")).text


# --- Gap 3: the try box shows the reply itself for every kind of plan --------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (ReplyKind.CLARIFY, "Anh/chị hỏi về thủ tục nào dưới đây?"),
        (ReplyKind.UNSURE, "Tôi chưa chắc chắn anh/chị hỏi thủ tục nào"),
        (ReplyKind.ASK_WHICH, "Anh/chị muốn hỏi về thủ tục nào?"),
        (ReplyKind.PASS, "Xin lỗi, tôi chưa hiểu rõ ý anh/chị."),
    ],
)
def test_reply_messages_are_the_domains_texts_with_their_buttons(kind: ReplyKind, expected: str) -> None:
    [message] = reply_messages(ReplyPlan(kind, Aspect.FEE, candidates=CHOICES))
    assert message["text"].startswith(expected) and "{" not in message["text"]
    if kind is ReplyKind.CLARIFY:
        assert "1. Đăng ký khai sinh (mã 1.001193)" in message["text"]
        assert message["buttons"] == ["Đăng ký khai sinh", "Đăng ký kết hôn"]
    if kind is ReplyKind.UNSURE:
        assert message["buttons"] == ["Đăng ký khai sinh", "Đăng ký kết hôn", "Gặp cán bộ"]


async def test_the_try_box_shows_an_ask_back_reply_and_its_buttons(
    client: httpx.AsyncClient, viewer: str
) -> None:
    page = unescape(
        (await client.get("/console/faq/try", params={"q": "lệ phí bao nhiêu", "aspect": "ask_fee"})).text
    )
    assert "Câu trả lời công dân nhận được" in page
    assert 'class="bubble bot reply"></div>' not in page  # never an empty bubble


# --- Gap 7: audit filters and pages; `citizenbot staff` manages accounts; drafts are called drafts -------


async def test_the_audit_page_filters_by_user_and_action_and_pages(
    client: httpx.AsyncClient, viewer: str, console: Console
) -> None:
    for number in range(55):
        console.audit.record("editor1", "faq.edit", f"muc-{number}")
    console.audit.record("editor2", "ticket.reply", "PA-1")
    page = (await client.get("/console/audit")).text
    assert "Trang sau" in page and page.count("<tr>") == 51  # header row + 50
    second = (await client.get("/console/audit", params={"page": "2", "user": "editor1"})).text
    assert second.count("muc-") == 5 and "Trang trước" in second and "PA-1" not in second
    replies = (await client.get("/console/audit", params={"action": "ticket.reply"})).text
    assert "Trả lời công dân về phản ánh" in replies and "muc-1" not in replies


def test_staff_unlock_disable_and_reset_password(
    records: CitizenRecords, console: Console, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    db = ["--db", str(records.path)]
    for _ in range(10):
        console.accounts.authenticate(EDITOR[0], "sai mật khẩu")
    assert console.accounts.is_locked(EDITOR[0])
    assert main(["staff", "unlock", EDITOR[0], *db]) == 0 and not console.accounts.is_locked(EDITOR[0])
    monkeypatch.setattr("sys.stdin", io.StringIO("mật khẩu mới của A\n"))
    assert main(["staff", "reset-password", EDITOR[0], "--password-stdin", *db]) == 0
    assert console.accounts.authenticate(EDITOR[0], "mật khẩu mới của A")[1] is not None
    assert console.accounts.authenticate(EDITOR[0], EDITOR[1])[1] is None
    monkeypatch.setattr("sys.stdin", io.StringIO("ngắn\n"))
    assert main(["staff", "reset-password", EDITOR[0], "--password-stdin", *db]) == 1
    assert main(["staff", "disable", EDITOR[0], *db]) == 0 and console.accounts.get(EDITOR[0]) is None
    assert main(["staff", "disable", "khong-co-ai", *db]) == 1
    actions = [e.action for e in console.audit.entries()]
    assert actions == ["staff.disable", "staff.password", "staff.unlock"]


async def test_a_disabled_account_loses_its_session(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    assert (await client.get("/console/")).status_code == 200
    console.accounts.disable(EDITOR[0])
    assert (await client.get("/console/")).status_code in (302, 401, 403)
    assert (await login(client, *EDITOR)).status_code == 401


async def test_an_faq_draft_is_called_a_draft(client: httpx.AsyncClient, editor: str) -> None:
    form = {
        "csrf_token": editor, "questions": "Câu hỏi nháp?", "answer": "Đáp.",
        "procedure_codes": KHAI_SINH, "draft": "1",
    }  # fmt: skip
    assert (await client.post("/console/faq/new", data=form)).status_code == 302
    listing = (await client.get("/console/faq", params={"q": "Câu hỏi nháp"})).text
    assert "Bản nháp" in listing and "Đã tạm ẩn</span>" not in listing
