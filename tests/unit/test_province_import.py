"""`citizenbot kb import --province`: a good file joins the province's list; one bad line rejects the file."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge import catalogue
from bot.knowledge.catalogue import Sources
from bot.knowledge.model import Procedure
from bot.knowledge.province_records import MAX_LINE_CHARS, ImportOutcome, import_province_file
from bot.knowledge.scope import configured_scope
from bot.knowledge.store import read_procedures
from tests.unit.province_kb import BAD_JSONL, PHU_THO_CSV, PHU_THO_JSONL, small_sources

OWN = ("PTO.000001", "PTO.000002", "PTO.000003")


@pytest.fixture(autouse=True)
def _seed_province(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the seed province.yml (Phú Thọ), whatever the environment deploys."""
    monkeypatch.delenv("CITIZENBOT_PROVINCE_FILE", raising=False)


@pytest.fixture()
def sources(tmp_path: Path) -> Sources:
    return small_sources(tmp_path / "sources")


def _import(path: Path, sources: Sources, out: Path, replace: bool = False) -> ImportOutcome:
    return import_province_file(path, sources, out, configured_scope(), replace)


def _record(code: str = "PTO.000900", publisher: str = "", **detail: object) -> dict[str, Any]:
    method = {"submissionMethod": "DIRECT", "processingTime": 3, "processingTimeUnit": "WORKING_DAY"}
    if publisher:
        detail["departmentPromulgateName"] = publisher
    return {
        "code": code,
        "name": "Hỗ trợ thử nghiệm của tỉnh",
        "detail": {"executionMethods": [method], **detail},
    }


def _write_lines(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _own(out: Path) -> dict[str, Procedure]:
    return {p.code: p for p in read_procedures(out) if p.source == "province"}


def test_the_jsonl_file_joins_the_knowledge_base_as_the_province_own(
    sources: Sources, tmp_path: Path
) -> None:
    out = tmp_path / "procedures.jsonl"
    outcome = _import(PHU_THO_JSONL, sources, out)
    assert outcome.errors == [] and (outcome.added, outcome.updated, outcome.listed) == (3, 0, 3)
    procedures = read_procedures(out)
    codes = [p.code for p in procedures]
    assert len(codes) == len(set(codes)) == outcome.procedures
    own = _own(out)
    assert sorted(own) == list(OWN)
    assert all(p.scope_province == "Phú Thọ" for p in own.values())
    # No publisher given: the province's own; a department of the province keeps its name.
    assert own["PTO.000001"].publisher == own["PTO.000002"].publisher == "UBND tỉnh Phú Thọ"
    assert own["PTO.000003"].publisher == "Sở Xây dựng - tỉnh Phú Thọ"
    assert own["PTO.000003"].url == "https://dichvucong.phutho.gov.vn"  # the province's page is cited
    first = own["PTO.000001"]
    assert [m.method for m in first.submission_methods] == ["Trực tiếp", "Trực tuyến"]
    assert first.submission_methods[0].time_text == "10 ngày làm việc"
    assert first.documents[0].template and first.legal_basis[0].number == "69/2020/QH14"
    assert len(first.steps) == 3
    listed = [json.loads(line)["code"] for line in sources.province.read_text(encoding="utf-8").splitlines()]
    assert listed == list(OWN)


def test_the_csv_file_gives_the_same_procedures(sources: Sources, tmp_path: Path) -> None:
    from_json, from_csv = tmp_path / "json.jsonl", tmp_path / "csv.jsonl"
    assert _import(PHU_THO_JSONL, sources, from_json).errors == []
    sources.province.unlink()
    assert _import(PHU_THO_CSV, sources, from_csv).errors == []
    json_own, csv_own = _own(from_json), _own(from_csv)
    assert sorted(csv_own) == list(OWN)
    for code in OWN:
        a, b = json_own[code], csv_own[code]
        assert (a.name, a.levels, a.sector, a.subjects, a.url) == (
            b.name,
            b.levels,
            b.sector,
            b.subjects,
            b.url,
        )
        assert [(m.method, m.time_text, m.fee_text) for m in a.submission_methods] == [
            (m.method, m.time_text, m.fee_text) for m in b.submission_methods
        ]
        assert [(d.number, d.title) for d in a.legal_basis] == [(d.number, d.title) for d in b.legal_basis]
        assert {(d.name, d.originals, d.copies, d.form) for d in b.documents} <= {
            (d.name, d.originals, d.copies, d.form) for d in a.documents
        }
        assert b.scope_province == "Phú Thọ" and b.publisher == "UBND tỉnh Phú Thọ"
    assert csv_own["PTO.000003"].submission_methods[0].fees[0].kind == "SERVICE_FEE"  # "phí" in the sheet


def test_a_second_import_updates_the_codes_it_names_and_replace_starts_the_list_again(
    sources: Sources, tmp_path: Path
) -> None:
    out = tmp_path / "procedures.jsonl"
    _import(PHU_THO_JSONL, sources, out)
    one = _write_lines(tmp_path / "one.jsonl", _record("PTO.000900"))
    again = _import(PHU_THO_CSV, sources, out)
    assert (again.added, again.updated, again.listed) == (0, 3, 3)
    merged = _import(one, sources, out)
    assert (merged.added, merged.updated, merged.listed) == (1, 0, 4)
    replaced = _import(one, sources, out, replace=True)
    assert replaced.listed == 1 and sorted(_own(out)) == ["PTO.000900"]


def _unchanged_after(path: Path, sources: Sources, out: Path) -> ImportOutcome:
    """Import ``path`` over an existing list and knowledge base; assert neither changed."""
    sources.province.write_text("existing list\n", encoding="utf-8")
    out.write_text("existing knowledge base\n", encoding="utf-8")
    outcome = _import(path, sources, out)
    assert outcome.errors, "the file should have been rejected"
    assert sources.province.read_text(encoding="utf-8") == "existing list\n"
    assert out.read_text(encoding="utf-8") == "existing knowledge base\n"
    assert sorted(p.name for p in sources.province.parent.iterdir()) == ["portal.jsonl", "province.jsonl"]
    return outcome


def test_the_bad_file_is_rejected_with_every_error_named_by_its_line(
    sources: Sources, tmp_path: Path
) -> None:
    errors = _unchanged_after(BAD_JSONL, sources, tmp_path / "procedures.jsonl").errors
    by_line: dict[int, list[str]] = {}
    for error in errors:
        assert error.startswith("dòng "), error
        by_line.setdefault(int(error.split(":")[0].removeprefix("dòng ")), []).append(error)
    # Line 1 is good and line 11 blank; every other line has its own error(s).
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 12]
    expected = {
        2: ["không phải JSON hợp lệ"],
        3: ["thiếu mã thủ tục 'code'", "thiếu tên thủ tục 'name'"],
        4: ['"IN_PERSON"', '"WEEK"', "'processingTime' phải là một số không âm"],
        5: ["'type' là \"LỆ PHÍ\"", "'value' là \"50.000đ\", phải là số tiền bằng đồng"],
        6: ["'UBND tỉnh Đắk Lắk' không thuộc tỉnh Phú Thọ"],
        7: ["mã 1.012783 đã có trên Cổng Dịch vụ công quốc gia"],
        8: ["mã PTO.000101 trùng với dòng 1"],
        9: ["không phải một đối tượng JSON"],
        10: ["giấy tờ thứ 1: thiếu tên giấy tờ", "giấy tờ thứ 2: số bản chính, bản sao"],
        12: ["ít nhất một cách nộp hồ sơ"],
    }
    for line, fragments in expected.items():
        for fragment in fragments:
            assert any(fragment in error for error in by_line[line]), (line, fragment, by_line[line])


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("1.012783", "Cấp đổi Giấy chứng nhận quyền sử dụng đất"),  # a ministry's
        ("1.115269", "Cấp đổi giấy chứng nhận đã cấp"),  # Đắk Lắk's own: codes are national too
        ("2.002863", "Chấp thuận thiết kế nút giao"),  # Phú Thọ's own, already on the portal
    ],
)
def test_a_code_of_the_national_catalogue_is_rejected(
    sources: Sources, tmp_path: Path, code: str, name: str
) -> None:
    path = _write_lines(tmp_path / "clash.jsonl", _record(code))
    (error,) = _unchanged_after(path, sources, tmp_path / "procedures.jsonl").errors
    assert error.startswith(f"dòng 1: mã {code} đã có trên Cổng Dịch vụ công quốc gia ('{name}")


@pytest.mark.parametrize(
    ("publisher", "fragment"),
    [
        ("UBND tỉnh Đắk Lắk", "không thuộc tỉnh Phú Thọ"),
        ("UBND Thành phố Hà Nội", "không thuộc tỉnh Phú Thọ"),
        ("Bộ Tư pháp", "không ghi tên tỉnh"),
        ("Sở Y tế", "không ghi tên tỉnh"),
    ],
)
def test_a_publisher_other_than_the_province_is_rejected(
    sources: Sources, tmp_path: Path, publisher: str, fragment: str
) -> None:
    path = _write_lines(tmp_path / "other.jsonl", _record(publisher=publisher))
    (error,) = _unchanged_after(path, sources, tmp_path / "procedures.jsonl").errors
    assert error.startswith(f"dòng 1: cơ quan công bố '{publisher}'") and fragment in error


@pytest.mark.parametrize("publisher", ["UBND tỉnh Hoà Bình", "Sở Y tế tỉnh Vĩnh Phúc", "UBND tỉnh Phú Thọ"])
def test_a_former_name_of_the_province_is_the_province(
    sources: Sources, tmp_path: Path, publisher: str
) -> None:
    # Decomposed Unicode (as some editors save it) is the same name.
    path = _write_lines(tmp_path / "former.jsonl", _record(publisher=unicodedata.normalize("NFD", publisher)))
    out = tmp_path / "procedures.jsonl"
    assert _import(path, sources, out).errors == []
    (procedure,) = _own(out).values()
    assert procedure.publisher == publisher and configured_scope().is_home(procedure.scope_province)


@pytest.mark.parametrize("content", ["", "\n\n  \n", "code,name,methods\n"])
def test_an_empty_file_is_rejected(sources: Sources, tmp_path: Path, content: str) -> None:
    path = tmp_path / ("empty.csv" if content.startswith("code") else "empty.jsonl")
    path.write_text(content, encoding="utf-8")
    (error,) = _unchanged_after(path, sources, tmp_path / "procedures.jsonl").errors
    assert "không có thủ tục nào" in error


def test_a_huge_line_is_rejected_and_the_others_still_checked(sources: Sources, tmp_path: Path) -> None:
    huge = _record("PTO.000901", conditions="x" * MAX_LINE_CHARS)
    path = _write_lines(tmp_path / "huge.jsonl", huge, _record("PTO.000902", publisher="UBND tỉnh Gia Lai"))
    errors = _unchanged_after(path, sources, tmp_path / "procedures.jsonl").errors
    assert len(errors) == 2
    assert errors[0].startswith("dòng 1: dài ") and "quá giới hạn 200.000 ký tự" in errors[0]
    assert errors[1].startswith("dòng 2: cơ quan công bố 'UBND tỉnh Gia Lai'")


def test_a_file_that_is_not_utf8_is_rejected_naming_the_line(sources: Sources, tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    path.write_bytes(json.dumps(_record()).encode() + b"\n" + '{"name": "Hà Nam"}\n'.encode("latin-1"))
    (error,) = _unchanged_after(path, sources, tmp_path / "procedures.jsonl").errors
    assert error.startswith("dòng 2: không phải văn bản UTF-8")


def test_a_missing_file_is_an_error_not_a_crash(sources: Sources, tmp_path: Path) -> None:
    (error,) = _unchanged_after(tmp_path / "missing.jsonl", sources, tmp_path / "procedures.jsonl").errors
    assert error.startswith("không mở được tệp")


def test_the_default_sources_follow_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITIZENBOT_PROVINCE_RECORDS", str(tmp_path / "list.jsonl"))
    monkeypatch.delenv("CITIZENBOT_PORTAL_RECORDS", raising=False)
    sources = Sources.default()
    assert sources.province == tmp_path / "list.jsonl" and sources.portal == catalogue.PORTAL_RECORDS
    assert Sources.default(tmp_path / "into.jsonl").province == tmp_path / "into.jsonl"  # --into wins
    monkeypatch.delenv("CITIZENBOT_PROVINCE_RECORDS")
    assert Sources.default().province == catalogue.PROVINCE_RECORDS


@pytest.mark.parametrize(
    ("detail", "fragment"),
    [
        (
            {"executionSteps": "Bước 1: nộp hồ sơ"},
            "'detail.executionSteps' phải là danh sách các đối tượng JSON",
        ),
        (
            {"executionCases": [{"profileComponents": [{"name": "Đơn", "attachments": "don.docx"}]}]},
            "'attachments'",
        ),
        (
            {"procedureProposal": "Quyết định 1/QĐ-UBND"},
            "'detail.procedureProposal' phải là một đối tượng JSON",
        ),
    ],
)
def test_a_misshapen_record_is_named_instead_of_breaking_kb_import(
    sources: Sources, tmp_path: Path, detail: dict[str, object], fragment: str
) -> None:
    # The reader would stop on these; once in the list, every later `kb import` would fail.
    record = _record()
    record["detail"] = {**record["detail"], **detail}
    path = _write_lines(tmp_path / "shape.jsonl", record)
    (error,) = _unchanged_after(path, sources, tmp_path / "procedures.jsonl").errors
    assert error.startswith("dòng 1: ") and fragment in error


def test_kb_import_derives_the_knowledge_base_with_the_province_list(
    sources: Sources, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("CITIZENBOT_PORTAL_RECORDS", str(sources.portal))  # the committed older crawl: 69
    listed, out = tmp_path / "list.jsonl", tmp_path / "procedures.jsonl"
    listed.write_text(PHU_THO_JSONL.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["kb", "import", "--into", str(listed), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"wrote 82 procedures to {out}: 10 from the portal's records (6 of them")
    assert printed.rstrip().endswith("69 kept from the older crawl, 3 from the province's own list")
    assert sorted(_own(out)) == list(OWN)


def test_a_broken_province_list_is_named_and_left_for_a_person_to_mend(
    sources: Sources, tmp_path: Path
) -> None:
    from bot.errors import KnowledgeBaseError

    sources.province.write_text(
        '{"code": "PTO.000001", "name": \n', encoding="utf-8"
    )  # a hand edit gone wrong
    with pytest.raises(KnowledgeBaseError, match="hỏng, không nhập gì"):
        _import(PHU_THO_JSONL, sources, tmp_path / "procedures.jsonl")
    assert sources.province.read_text(encoding="utf-8") == '{"code": "PTO.000001", "name": \n'
    assert not (tmp_path / "procedures.jsonl").exists()
