"""FAQ curation: seed, search, create/edit/deactivate (audited), version conflicts, import/export, try box,
and that a saved entry changes what the assistant's search engine answers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
import yaml
from sanic import Sanic

from bot.console import Console
from bot.console.faq_store import FaqDraft
from bot.knowledge.index import KnowledgeService
from bot.knowledge.store import read_faq
from bot.services.records import CitizenRecords
from tests.console.conftest import Lifespan, make_console_app
from tests.fake_rasa import FakeRasa

KHAI_SINH = "1.001193"
TAM_TRU = "1.004194"
DISTINCTIVE = "Đăng ký tạm trú cho chim bồ câu đưa thư của hợp tác xã có được không?"


@pytest.fixture(scope="module")
def knowledge() -> Iterator[KnowledgeService]:
    """The real knowledge service (var/index), loaded once for this module; its FAQ is reset after."""
    from bot.services.application import knowledge_service

    service = knowledge_service()
    service.engine.search("khởi động", 1)
    yield service
    service.reload_faq(read_faq())


@pytest.fixture
def console_app(
    records: CitizenRecords, rasa: str, monkeypatch: pytest.MonkeyPatch, knowledge: KnowledgeService
) -> tuple[Sanic, Console]:
    """The conftest's app, but wired to the knowledge service as the services process wires it."""
    return make_console_app(records, rasa, monkeypatch, knowledge)


def entry_form(csrf: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "questions": "Tạm trú cho người nước ngoài có mất phí không?\n"
        "Người nước ngoài đăng ký tạm trú hết bao nhiêu?",
        "answer": "Xem thủ tục đăng ký tạm trú: lệ phí 7.000 đồng khi nộp trực tuyến.",
        "procedure_codes": TAM_TRU,
        "tags": "cư trú, lệ phí",
    } | fields


async def create(client: httpx.AsyncClient, csrf: str, **fields: str) -> str:
    answer = await client.post("/console/faq/new", data=entry_form(csrf, **fields))
    assert answer.status_code == 302, answer.text
    return answer.headers["location"].split("?")[0].rsplit("/", 1)[1]


def audits(console: Console) -> list[tuple[str, str, dict | None, dict | None]]:
    return [
        (
            e.action,
            e.target,
            json.loads(e.before) if e.before else None,
            json.loads(e.after) if e.after else None,
        )
        for e in reversed(console.audit.entries())
    ]


async def test_seeded_from_the_file_and_searched_without_diacritics(
    client: httpx.AsyncClient, viewer: str, console: Console
) -> None:
    assert [r.id for r in console.faq.all()] == sorted(e.id for e in read_faq())
    page = (await client.get("/console/faq?q=le phi TAM tru")).text
    assert "Đăng ký tạm trú hết bao nhiêu tiền?" in page
    assert "Đăng ký khai sinh có mất lệ phí không?" not in page
    # A viewer reads an entry but gets no form to change it.
    detail = (await client.get("/console/faq/khai-sinh-le-phi")).text
    assert "Đăng ký khai sinh có mất lệ phí không?" in detail and "Lưu thay đổi" not in detail


async def test_create_edit_deactivate_are_audited_with_before_and_after(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    faq_id = await create(client, editor)
    assert faq_id == "tam-tru-cho-nguoi-nuoc-ngoai-co-mat-phi-khong"
    created = await client.get(f"/console/faq/{faq_id}?ok=created&took=0.123")
    assert "Đã thêm câu hỏi." in created.text and "0,12 giây" in created.text
    edited = await client.post(
        f"/console/faq/{faq_id}", data=entry_form(editor, answer="Lệ phí 10.000 đồng.", version="1")
    )
    assert edited.status_code == 302 and "ok=saved" in edited.headers["location"]
    off = await client.post(
        f"/console/faq/{faq_id}/active", data={"csrf_token": editor, "version": "2", "active": "0"}
    )
    assert off.status_code == 302
    assert console.faq.get(faq_id).active is False and console.faq.get(faq_id).version == 3
    assert faq_id not in [e.id for e in console.faq.active_entries()]
    on = await client.post(
        f"/console/faq/{faq_id}/active", data={"csrf_token": editor, "version": "3", "active": "1"}
    )
    assert on.status_code == 302
    log = audits(console)
    assert [(action, target) for action, target, _, _ in log] == [
        ("faq.create", faq_id), ("faq.edit", faq_id), ("faq.deactivate", faq_id), ("faq.reactivate", faq_id),
    ]  # fmt: skip
    assert log[0][2] is None and log[0][3]["procedure_codes"] == [TAM_TRU] and log[0][3]["version"] == 1
    assert log[1][2]["answer"].startswith("Xem thủ tục") and log[1][3]["answer"] == "Lệ phí 10.000 đồng."
    assert (log[2][2]["active"], log[2][3]["active"]) == (True, False)
    assert (log[3][2]["version"], log[3][3]["version"]) == (3, 4)
    assert "Thêm câu hỏi thường gặp" in (await client.get("/console/audit")).text


async def test_saving_an_older_version_is_a_409_showing_the_current_text(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    first = await client.post(
        "/console/faq/khai-sinh-le-phi",
        data=entry_form(editor, answer="Bản của cán bộ thứ nhất.", version="1"),
    )
    assert first.status_code == 302
    second = await client.post(
        "/console/faq/khai-sinh-le-phi",
        data=entry_form(editor, answer="Bản của cán bộ thứ hai.", version="1"),
    )
    assert second.status_code == 409
    assert "CHƯA được lưu" in second.text and "Bản của cán bộ thứ nhất." in second.text
    assert "Bản của cán bộ thứ hai." in second.text  # the editor's own text is kept in the form
    assert 'name="version" value="2"' in second.text
    assert console.faq.get("khai-sinh-le-phi").answer == "Bản của cán bộ thứ nhất."
    stale = await client.post(
        "/console/faq/khai-sinh-le-phi/active", data={"csrf_token": editor, "version": "1", "active": "0"}
    )
    assert stale.status_code == 409 and console.faq.get("khai-sinh-le-phi").active
    assert [a for a, *_ in audits(console)] == ["faq.edit"]


async def test_saving_without_a_change_makes_no_version_and_no_audit_entry(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    changed = await client.post(
        "/console/faq/khai-sinh-le-phi", data=entry_form(editor, answer="Miễn lệ phí.", version="1")
    )
    assert changed.status_code == 302 and console.faq.get("khai-sinh-le-phi").version == 2
    again = await client.post(
        "/console/faq/khai-sinh-le-phi", data=entry_form(editor, answer="Miễn lệ phí.", version="2")
    )
    assert again.status_code == 302 and again.headers["location"].endswith("?ok=unchanged")
    assert console.faq.get("khai-sinh-le-phi").version == 2
    assert [a for a, *_ in audits(console)] == ["faq.edit"]
    assert "Không có gì thay đổi" in (await client.get(again.headers["location"])).text


async def test_unknown_procedure_codes_and_empty_questions_are_refused(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    unknown = await client.post("/console/faq/new", data=entry_form(editor, procedure_codes="9.999999"))
    assert unknown.status_code == 400 and "không có trong danh mục: 9.999999" in unknown.text
    empty = await client.post("/console/faq/new", data=entry_form(editor, questions="  \n "))
    assert empty.status_code == 400 and "Cần ít nhất một cách hỏi." in empty.text
    taken = await client.post("/console/faq/new", data=entry_form(editor, id="khai-sinh-le-phi"))
    assert taken.status_code == 400
    assert console.audit.entries() == []


async def test_the_create_form_is_prefilled_from_the_query(client: httpx.AsyncClient, editor: str) -> None:
    page = await client.get(
        "/console/faq/new",
        params=[("question", "làm căn cước cho bé ở đâu"), ("question", "căn cước trẻ em <b>"),
                ("procedure", "1.014062")],
    )  # fmt: skip
    assert page.status_code == 200
    assert "làm căn cước cho bé ở đâu\ncăn cước trẻ em &lt;b&gt;</textarea>" in page.text
    assert 'name="procedure_codes" value="1.014062"' in page.text
    assert "Cấp thẻ căn cước cho người dưới" in page.text  # the code's procedure name is shown


async def upload(client: httpx.AsyncClient, csrf: str, name: str, content: str) -> httpx.Response:
    return await client.post(
        "/console/faq/import",
        data={"csrf_token": csrf},
        files={"file": (name, content.encode(), "text/plain")},
    )


async def test_import_is_all_or_nothing_with_line_numbers(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    before = console.faq.all()
    bad_yaml = (
        "faq:\n"
        "  - id: moi-mot\n    questions: ['Câu hỏi mới một?']\n    answer: Trả lời.\n"
        f"    procedure_codes: ['{KHAI_SINH}']\n"
        "  - id: moi-hai\n    questions: []\n    answer: Trả lời.\n    procedure_codes: ['9.999999']\n"
    )
    answer = await upload(client, editor, "faq.yml", bad_yaml)
    assert answer.status_code == 400
    assert "Dòng 6: Cần ít nhất một cách hỏi." in answer.text
    assert "Dòng 6: Mã thủ tục không có trong danh mục: 9.999999." in answer.text
    bad_csv = (
        "id,questions,answer,procedure_codes,tags,active\n"
        f"moi-mot,Câu hỏi mới?,Trả lời.,{KHAI_SINH},,1\n"
        "moi-hai,,Trả lời.,1.001193,,1\n"
    )
    answer = await upload(client, editor, "faq.csv", bad_csv)
    assert answer.status_code == 400 and "Dòng 3: Cần ít nhất một cách hỏi." in answer.text
    assert console.faq.all() == before and console.audit.entries() == []
    too_big = await upload(client, editor, "faq.csv", "x" * (600 * 1024))
    assert too_big.status_code == 413
    good = bad_csv.replace("moi-hai,,", "moi-hai,Một câu khác | Cách hỏi thứ hai,")
    answer = await upload(client, editor, "faq.csv", good)
    assert answer.status_code == 302 and "created=2" in answer.headers["location"]
    assert console.faq.get("moi-hai").questions == ("Một câu khác", "Cách hỏi thứ hai")
    assert [(a, t) for a, t, _, _ in audits(console)] == [
        ("faq.import", "moi-mot"),
        ("faq.import", "moi-hai"),
    ]


async def test_export_round_trips(client: httpx.AsyncClient, editor: str, console: Console) -> None:
    exported = await client.get("/console/faq/export.yml")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    data = yaml.safe_load(exported.text)
    assert [item["id"] for item in data["faq"]] == [e.id for e in console.faq.all()]
    assert data["faq"][0].keys() == {
        "id",
        "questions",
        "answer",
        "procedure_codes",
        "tags",
        "active",
        "version",
    }
    csv_export = await client.get("/console/faq/export.csv")
    assert csv_export.text.startswith("\ufeffid,questions,answer,procedure_codes,tags,active")
    for name, text in (("faq.yml", exported.text), ("faq.csv", csv_export.text)):
        answer = await upload(client, editor, name, text)
        assert answer.status_code == 302 and "created=0&changed=0" in answer.headers["location"], name
    assert console.audit.entries() == []


async def test_a_saved_faq_changes_the_engines_answer(
    client: httpx.AsyncClient, editor: str, console: Console, knowledge: KnowledgeService
) -> None:
    before = knowledge.engine.search(DISTINCTIVE, 5)
    assert before.faq is None
    started = time.perf_counter()
    saved = await client.post(
        "/console/faq/new",
        data=entry_form(
            editor, questions=DISTINCTIVE, answer="Không: đăng ký tạm trú chỉ dành cho con người."
        ),
    )
    faq_id = saved.headers["location"].split("?")[0].rsplit("/", 1)[1]
    result = knowledge.engine.search(DISTINCTIVE, 5)
    took = time.perf_counter() - started
    assert result.faq is not None and result.faq.id == faq_id
    assert result.top is not None and result.top.code == TAM_TRU
    reload = saved.headers["location"].split("took=")[1]
    print(f"\nFAQ saved → search answers with it: {took:.3f} s (POST + reload + search); reload {reload} s")
    # The try box shows the reply a citizen would get now.
    page = (await client.get("/console/faq/try", params={"q": DISTINCTIVE, "aspect": "ask_procedure"})).text
    assert "Trả lời bằng câu hỏi thường gặp" in page and "chỉ dành cho con người" in page
    # Deactivated, it no longer answers.
    await client.post(
        f"/console/faq/{faq_id}/active", data={"csrf_token": editor, "version": "1", "active": "0"}
    )
    assert knowledge.engine.search(DISTINCTIVE, 5).faq is None


async def test_the_try_box_shows_candidates_and_confidence(client: httpx.AsyncClient, viewer: str) -> None:
    page = await client.get(
        "/console/faq/try", params={"q": "Đăng ký khai sinh có mất lệ phí không?", "aspect": "ask_fee"}
    )
    assert page.status_code == 200
    assert "khai-sinh-le-phi" in page.text and KHAI_SINH in page.text and "Độ tin cậy" in page.text
    assert "Trả lời bằng câu hỏi thường gặp" in page.text
    assert (await client.get("/console/faq/try")).status_code == 200  # the empty form


async def test_start_up_gives_the_engine_the_stored_faq(
    console_app: tuple[Sanic, Console], knowledge: KnowledgeService
) -> None:
    app, console = console_app
    record = console.faq.get("khai-sinh-le-phi")
    assert record is not None
    fields = {"questions": record.questions, "procedure_codes": record.procedure_codes, "tags": record.tags}
    console.faq.update(FaqDraft(**record.content() | fields | {"active": False}), 1, "editor1")
    knowledge.reload_faq(read_faq())  # as after a restart: the engine has the file's FAQ
    assert knowledge.engine.search("Đăng ký khai sinh có mất lệ phí không?", 5).faq is not None
    lifespan = Lifespan(app)
    await lifespan.start()
    try:
        assert knowledge.engine.search("Đăng ký khai sinh có mất lệ phí không?", 5).faq is None
    finally:
        await lifespan.stop()


async def test_a_csv_exported_before_someone_else_saved_is_refused(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    exported = (await client.get("/console/faq/export.csv")).text
    saved = await client.post(
        "/console/faq/khai-sinh-le-phi",
        data=entry_form(editor, answer="Bản mới trong bảng điều khiển.", version="1"),
    )
    assert saved.status_code == 302
    stale = exported.replace("Theo Cổng Dịch vụ công quốc gia", "Bản sửa trong tệp cũ", 1)
    assert stale != exported
    answer = await upload(client, editor, "faq.csv", stale)
    assert answer.status_code == 409 and "hiện ở phiên bản 2 (editor1 sửa lần cuối)" in answer.text
    assert console.faq.get("khai-sinh-le-phi").answer == "Bản mới trong bảng điều khiển."
    assert [a for a, *_ in audits(console)] == ["faq.edit"]


async def test_csv_cells_that_look_like_formulas_are_quoted_and_round_trip(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    faq_id = await create(client, editor, answer='=HYPERLINK("http://x") không phải công thức')
    exported = (await client.get("/console/faq/export.csv")).text
    assert "'=HYPERLINK" in exported
    answer = await upload(client, editor, "faq.csv", exported)
    assert answer.status_code == 302 and "changed=0" in answer.headers["location"]
    assert console.faq.get(faq_id).answer.startswith("=HYPERLINK")


async def test_a_draft_from_unanswered_questions_is_saved_but_not_used(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    form = (
        await client.get("/console/faq/new", params={"question": "nuôi cá sấu có cần xin phép không"})
    ).text
    assert 'name="draft" value="1"' in form and "Bản nháp" in form
    assert 'name="draft"' not in (await client.get("/console/faq/new")).text  # an FAQ written from scratch
    faq_id = await create(client, editor, draft="1")
    record = console.faq.get(faq_id)
    assert record is not None and not record.active


async def test_the_try_box_lets_the_assistants_nlu_decide_what_is_asked(
    client: httpx.AsyncClient, viewer: str
) -> None:
    FakeRasa.parse_intent = {"name": "ask_fee", "confidence": 0.93}
    page = (await client.get("/console/faq/try", params={"q": "Đăng ký khai sinh có mất lệ phí không?"})).text
    assert "Trợ lý hiểu là" in page and "Lệ phí (93%)" in page
    [(path, body)] = [(p, b) for p, b in FakeRasa.received if p.startswith("/model/parse")]
    assert "token=" in path and body == {"text": "Đăng ký khai sinh có mất lệ phí không?"}
    FakeRasa.status = 500
    page = (await client.get("/console/faq/try", params={"q": "Đăng ký khai sinh có mất lệ phí không?"})).text
    assert "Không hỏi được máy chủ Rasa" in page
