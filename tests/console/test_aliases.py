"""Aliases and concept rules: seed, search, create/edit/deactivate (audited), validation, version conflicts,
export/import, the unanswered groups' "Tạo từ đồng nghĩa" link, and that a saved alias changes what the
assistant's search engine finds, for the next question, without a restart."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml
from sanic import Sanic

from bot.console import Console
from bot.console.alias_store import SynonymStore
from bot.knowledge import analysis
from bot.knowledge.index import KnowledgeService
from bot.knowledge.store import read_faq
from bot.services.records import CitizenRecords
from tests.console.conftest import make_console_app

KET_HON = "1.000894"  # Thủ tục đăng ký kết hôn
QUESTION = "thủ tục về chuyện trăm năm của hai đứa"
FILE = yaml.safe_load(open(analysis.SYNONYMS_FILE, encoding="utf-8"))  # noqa: SIM115


@pytest.fixture(scope="module")
def knowledge() -> Iterator[KnowledgeService]:
    """The real knowledge service (var/index), loaded once for this module; its FAQ is reset after."""
    from bot.services.application import knowledge_service

    service = knowledge_service()
    service.engine.search("khởi động", 1)
    yield service
    analysis.set_synonyms(None)
    service.reload_faq(read_faq())


@pytest.fixture(autouse=True)
def file_synonyms_again() -> Iterator[None]:
    """Whatever a test publishes, the query analysis reads the synonyms file again afterwards."""
    yield
    analysis.set_synonyms(None)
    assert analysis.aliases() == analysis._file_aliases(analysis.SYNONYMS_FILE)


@pytest.fixture
def console_app(
    records: CitizenRecords, rasa: str, monkeypatch: pytest.MonkeyPatch, knowledge: KnowledgeService
) -> tuple[Sanic, Console]:
    """The conftest's app, wired to the knowledge service as the services process wires it."""
    return make_console_app(records, rasa, monkeypatch, knowledge)


def store(console: Console) -> SynonymStore:
    return SynonymStore(console.faq.database)


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


def row_id(answer: httpx.Response) -> int:
    assert answer.status_code == 302, answer.text
    return int(answer.headers["location"].split("?")[0].rsplit("/", 1)[1])


async def test_seeded_from_the_file_and_searched_without_diacritics(
    client: httpx.AsyncClient, viewer: str, console: Console
) -> None:
    assert store(console).document() == {"aliases": FILE["aliases"], "concepts": FILE["concepts"]}
    page = (await client.get("/console/aliases?q=SO DO")).text
    assert "giấy chứng nhận quyền sử dụng đất" in page and "thị thực" not in page
    assert "Thêm từ đồng nghĩa" not in page  # a viewer gets no button to change anything
    rules = (await client.get("/console/aliases?q=bao lanh")).text
    assert "cấp thị thực cho người nước ngoài" in rules and "hộ tịch</strong>" not in rules


async def test_create_edit_deactivate_are_audited_with_before_and_after(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    created = await client.post(
        "/console/aliases/new",
        data={"csrf_token": editor, "phrases": "chuyện trăm năm\nnên duyên", "target": "kết hôn"},
    )
    alias = row_id(created)
    assert "ok=created&took=" in created.headers["location"]
    page = (await client.get(created.headers["location"])).text
    assert "Đã thêm." in page and "Trợ lý dùng nội dung mới từ câu hỏi tiếp theo" in page
    assert "/console/faq/try?q=chuy%E1%BB%87n%20tr%C4%83m%20n%C4%83m" in page  # the try box link
    assert "Thủ tục đăng ký kết hôn</strong>" in page  # what the search finds now
    edited = await client.post(
        f"/console/aliases/{alias}",
        data={
            "csrf_token": editor,
            "phrases": "chuyện trăm năm",
            "target": "kết hôn",
            "version": "1",
        },
    )
    assert row_id(edited) == alias and "ok=saved" in edited.headers["location"]
    off = await client.post(
        f"/console/aliases/{alias}/active", data={"csrf_token": editor, "version": "2", "active": "0"}
    )
    assert off.status_code == 302 and store(console).alias(alias).active is False
    rule = row_id(
        await client.post(
            "/console/aliases/rules/new",
            data={
                "csrf_token": editor,
                "search": "đăng ký kết hôn",
                "when_all": "cưới, cưới xin\nhồ sơ, giấy tờ",
                "unless": "đám cưới ảo",
            },
        )  # fmt: skip
    )
    assert store(console).rule(rule).when_all == (("cưới", "cưới xin"), ("hồ sơ", "giấy tờ"))
    rule_off = await client.post(
        f"/console/aliases/rules/{rule}/active", data={"csrf_token": editor, "version": "1", "active": "0"}
    )
    assert rule_off.status_code == 302
    log = audits(console)
    assert [(action, target) for action, target, _, _ in log] == [
        ("alias.create", f"{alias}: kết hôn"), ("alias.edit", f"{alias}: kết hôn"),
        ("alias.deactivate", f"{alias}: kết hôn"), ("rule.create", f"{rule}: đăng ký kết hôn"),
        ("rule.deactivate", f"{rule}: đăng ký kết hôn"),
    ]  # fmt: skip
    assert log[0][2] is None and log[0][3]["phrases"] == ["chuyện trăm năm", "nên duyên"]
    assert (log[1][2]["phrases"], log[1][3]["phrases"]) == (
        ["chuyện trăm năm", "nên duyên"],
        ["chuyện trăm năm"],
    )
    assert (log[2][2]["active"], log[2][3]["active"], log[2][3]["version"]) == (True, False, 3)
    assert log[3][3]["unless"] == ["đám cưới ảo"] and (log[4][2]["active"], log[4][3]["active"]) == (
        True,
        False,
    )
    assert "Thêm từ đồng nghĩa" in (await client.get("/console/audit")).text


async def test_validation_refuses_short_empty_and_duplicate_phrases_and_warns_on_unknown_targets(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    def post(phrases: str, target: str) -> dict[str, str]:
        return {"csrf_token": editor, "phrases": phrases, "target": target}

    short = await client.post("/console/aliases/new", data=post("x", "đăng ký kết hôn"))
    assert short.status_code == 400 and "“x” quá ngắn" in short.text
    empty = await client.post("/console/aliases/new", data=post(" \n ", ""))
    assert empty.status_code == 400 and "Cần ít nhất một cách nói" in empty.text
    assert "Cần cụm từ trong danh mục thủ tục." in empty.text
    taken = await client.post("/console/aliases/new", data=post("chuyện trăm năm", "Đăng ký kết hôn"))
    assert taken.status_code == 400 and "Đã có mục cho cụm từ “đăng ký kết hôn”" in taken.text
    shared = await client.post("/console/aliases/new", data=post("so do", "đất đai"))
    assert shared.status_code == 400 and "Cách nói “so do” đã có trong mục" in shared.text
    twice = await client.post("/console/aliases/new", data=post("nên duyên\nNên Duyên", "kết hôn"))
    assert twice.status_code == 400 and "bị lặp lại" in twice.text
    visa = {"csrf_token": editor, "search": "cấp thị thực cho người nước ngoài", "when_all": "a"}
    rule = await client.post("/console/aliases/rules/new", data=visa)
    assert rule.status_code == 400 and "Đã có quy tắc tìm" in rule.text and "“a” quá ngắn" in rule.text
    assert console.audit.entries() == []
    unknown = await client.post("/console/aliases/new", data=post("nuôi chim cảnh", "giấy phép nuôi chim"))
    page = (await client.get(unknown.headers["location"])).text
    assert "Không thủ tục nào có “giấy phép nuôi chim” trong tên" in page  # saved, with a warning


async def test_saving_an_older_version_is_a_409_showing_the_current_text(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    alias = next(a for a in store(console).aliases() if a.target == "thị thực")
    form = {"csrf_token": editor, "target": "thị thực", "version": str(alias.version)}
    assert (
        await client.post(f"/console/aliases/{alias.id}", data=form | {"phrases": "visa\nxin visa"})
    ).status_code == 302
    second = await client.post(f"/console/aliases/{alias.id}", data=form | {"phrases": "visa\nvisa du lịch"})
    assert second.status_code == 409 and "CHƯA được lưu" in second.text
    assert "<li>xin visa</li>" in second.text and "visa du lịch" in second.text
    assert 'name="version" value="2"' in second.text
    stale = await client.post(f"/console/aliases/{alias.id}/active", data=form | {"active": "0"})
    assert stale.status_code == 409 and store(console).alias(alias.id).phrases == ("visa", "xin visa")
    rule = store(console).rules()[0]
    rule_form = {"csrf_token": editor, "search": rule.search, "when_all": "sửa\nkhai sinh", "version": "0"}
    assert (await client.post(f"/console/aliases/rules/{rule.id}", data=rule_form)).status_code == 409
    assert [action for action, *_ in audits(console)] == ["alias.edit"]


async def test_a_new_alias_changes_the_engines_answer_and_deactivating_it_restores_it(
    client: httpx.AsyncClient, editor: str, console: Console, knowledge: KnowledgeService
) -> None:
    before = knowledge.engine.search(QUESTION, 5)
    assert before.top is None or before.top.code != KET_HON
    created = await client.post(
        "/console/aliases/new",
        data={"csrf_token": editor, "phrases": "chuyện trăm năm", "target": "kết hôn"},
    )
    alias = row_id(created)
    assert knowledge.engine.search(QUESTION, 5).top.code == KET_HON  # the next question, no restart
    off = await client.post(
        f"/console/aliases/{alias}/active", data={"csrf_token": editor, "version": "1", "active": "0"}
    )
    assert off.status_code == 302
    after = knowledge.engine.search(QUESTION, 5)
    assert [h.code for h in after.hits] == [h.code for h in before.hits] and after.abstain == before.abstain


async def test_the_unanswered_groups_open_a_prefilled_alias_form(
    client: httpx.AsyncClient, editor: str, records: CitizenRecords
) -> None:
    for _ in range(2):
        records.record_unanswered(
            "web-1", "chuyện trăm năm làm ở đâu", "low_confidence", None, 0.3, [KET_HON]
        )
    page = (await client.get("/console/unanswered")).text
    link = unescape(re.findall(r'href="(/console/aliases/new\?[^"]+)"', page)[0])
    query = parse_qs(urlsplit(link).query)
    assert query["phrase"] == ["chuyện trăm năm làm ở đâu"] and query["target"] == ["Thủ tục đăng ký kết hôn"]
    # The group's question ids, which saving the alias marks as resolved.
    assert sorted(int(part) for part in query["group"][0].split(",")) == [1, 2]
    form = (await client.get(link)).text
    assert ">chuyện trăm năm làm ở đâu</textarea>" in form and 'value="Thủ tục đăng ký kết hôn"' in form


async def upload(client: httpx.AsyncClient, csrf: str, content: str) -> httpx.Response:
    return await client.post(
        "/console/aliases/import",
        data={"csrf_token": csrf},
        files={"file": ("synonyms.yml", content.encode(), "text/plain")},
    )


async def test_export_import_round_trip_all_or_nothing(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    exported = await client.get("/console/aliases/export.yml")
    assert exported.status_code == 200 and "synonyms.yml" in exported.headers["content-disposition"]
    document = yaml.safe_load(exported.text)
    assert {t: e["phrases"] for t, e in document["aliases"].items()} == FILE["aliases"]
    assert all(e["active"] is True and e["version"] == 1 for e in document["aliases"].values())
    assert [{k: r[k] for k in ("search", "when_all", "unless")} for r in document["concepts"]] == FILE[
        "concepts"
    ]
    same = await upload(client, editor, exported.text)
    assert same.status_code == 302 and "created=0&changed=0&same=" in same.headers["location"]
    assert console.audit.entries() == []
    document["aliases"]["thị thực"]["phrases"] = ["visa", "xin visa"]
    document["aliases"]["đăng ký kết hôn"]["phrases"].append("chuyện trăm năm")
    document["aliases"]["bảo hiểm xã hội"] = ["bhxh"]  # a new row in the seed file's plain shape
    bad = dict(document, aliases=dict(document["aliases"], **{"hộ chiếu": ["x", "passport"]}))
    refused = await upload(client, editor, yaml.safe_dump(bad, allow_unicode=True))
    assert (
        refused.status_code == 400
        and "quá ngắn" in refused.text
        and "Cách nói “passport” đã có" in refused.text
    )
    assert re.search(r"Dòng \d+: Cách nói: “x” quá ngắn", refused.text)
    assert console.audit.entries() == [] and store(console).document()["aliases"] == FILE["aliases"]
    taken = await upload(client, editor, yaml.safe_dump(document, allow_unicode=True))
    assert taken.status_code == 302 and "created=1&changed=2" in taken.headers["location"]
    log = {t.split(": ")[1]: (a, before, after) for a, t, before, after in audits(console)}
    assert sorted(log) == ["bảo hiểm xã hội", "thị thực", "đăng ký kết hôn"]
    assert log["bảo hiểm xã hội"][:2] == ("alias.import", None)
    assert (log["thị thực"][1]["phrases"], log["thị thực"][2]["phrases"]) == (["visa"], ["visa", "xin visa"])
    wanted = {t: e if isinstance(e, list) else e["phrases"] for t, e in document["aliases"].items()}
    assert store(console).document() == {"aliases": wanted, "concepts": FILE["concepts"]}
    again = await client.get("/console/aliases/export.yml")
    assert yaml.safe_load(again.text) == store(console).export_document()
    not_yaml = await upload(client, editor, "faq: []\n")
    assert not_yaml.status_code == 400 and "aliases" in not_yaml.text


async def test_a_rule_form_submitted_unchanged_keeps_its_groups(
    client: httpx.AsyncClient, editor: str, console: Console
) -> None:
    rule = store(console).rules()[0]
    page = (await client.get(f"/console/aliases/rules/{rule.id}")).text

    def field(name: str) -> str:
        found = re.search(rf'name="{name}"[^>]*>([^<]*)</textarea>', page) or re.search(
            rf'name="{name}" value="([^"]*)"', page
        )
        assert found, name
        return unescape(found.group(1))

    form = {"csrf_token": editor, "version": str(rule.version)}
    form |= {name: field(name) for name in ("search", "when_all", "unless")}
    assert (await client.post(f"/console/aliases/rules/{rule.id}", data=form)).status_code == 302
    after = store(console).rule(rule.id)
    assert (after.search, after.when_all, after.unless) == (rule.search, rule.when_all, rule.unless)
    assert after.version == rule.version + 1
