"""The province decides scope: national procedures and its own are indexed, another province's never are."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from bot.cli import main
from bot.knowledge import embedding
from bot.knowledge.index import IndexManifest, build_index, load_engine, read_manifest
from bot.knowledge.model import Procedure
from bot.knowledge.portal_records import read_record
from bot.knowledge.scope import ProvinceScope, ScopeReport, configured_scope, partition
from bot.knowledge.search import SearchEngine
from tests.unit.province_kb import (
    DAK_LAK_RENEWAL,
    NATIONAL_RENEWAL,
    OTHER_PROVINCES,
    PHU_THO_OWN,
    HashEmbedder,
    portal_records,
    small_knowledge_base,
)

PHU_THO = ProvinceScope("Phú Thọ", ("Hòa Bình", "Vĩnh Phúc"))
RENEWAL_QUESTION = "cấp đổi giấy chứng nhận đã cấp"


@pytest.fixture(autouse=True)
def _seed_province(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the seed province.yml (Phú Thọ), whatever the environment deploys."""
    monkeypatch.delenv("CITIZENBOT_PROVINCE_FILE", raising=False)


def _published_by(publisher: str) -> Procedure:
    record = {"code": "X.1", "name": "Thủ tục thử", "detail": {"departmentPromulgateName": publisher}}
    return read_record(record)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return small_knowledge_base(tmp_path_factory.mktemp("scope-kb"))


@pytest.fixture(scope="module")
def phu_tho_index(
    kb: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[IndexManifest, Path]:
    index_dir = tmp_path_factory.mktemp("phu-tho") / "index"
    return build_index(index_dir, HashEmbedder(), *kb, scope=PHU_THO), index_dir


@pytest.fixture(scope="module")
def phu_tho_engine(phu_tho_index: tuple[IndexManifest, Path]) -> SearchEngine:
    return load_engine(phu_tho_index[1], HashEmbedder(), [])


def test_the_configured_province_is_phu_tho_with_its_former_names() -> None:
    scope = configured_scope()
    assert scope.name == "Phú Thọ" and scope.title == "tỉnh Phú Thọ"
    assert {"Hòa Bình", "Vĩnh Phúc"} <= set(scope.former_names)
    assert scope.publisher == "UBND tỉnh Phú Thọ"


@pytest.mark.parametrize(
    "publisher",
    [
        "UBND tỉnh Phú Thọ",
        "UBND tỉnh Hòa Bình",
        "UBND tỉnh Hoà Bình",
        "Sở Y tế tỉnh Vĩnh Phúc",
        "UBND TỈNH PHÚ THỌ",
    ],
)
def test_the_province_and_its_former_names_are_in_scope(publisher: str) -> None:
    procedure = _published_by(publisher)
    assert procedure.scope_province  # published by a province for itself…
    assert PHU_THO.applies(procedure)  # …and that province is this one ("Hoà" is the old tone style)


@pytest.mark.parametrize(
    ("publisher", "province"),
    [
        ("UBND tỉnh Đắk Lắk", "Đắk Lắk"),
        ("UBND Thành phố Hải Phòng", "Hải Phòng"),
        ("Trung tâm phục vụ hành chính công Thành phố Hà Nội", "Hà Nội"),
        ("Sở Xây dựng - tỉnh Quảng Ngãi", "Quảng Ngãi"),
        ("UBND tỉnh Quảng Bình", "Quảng Bình"),  # shares "Bình" with Hòa Bình, not the province
    ],
)
def test_another_province_own_procedures_are_out_of_scope(publisher: str, province: str) -> None:
    procedure = _published_by(publisher)
    assert procedure.scope_province == province
    assert not PHU_THO.applies(procedure)


@pytest.mark.parametrize(
    "publisher", ["Bộ Nông nghiệp và Môi trường", "Bộ Công an", "Ngân hàng Nhà nước Việt Nam"]
)
def test_national_procedures_are_in_scope(publisher: str) -> None:
    procedure = _published_by(publisher)
    assert procedure.scope_province == ""
    assert PHU_THO.applies(procedure)


def test_the_portal_records_own_two_for_phu_tho_and_partition_counts_the_rest() -> None:
    procedures = [read_record(record) for record in portal_records()]
    kept, report = partition(procedures, PHU_THO)
    kept_codes = {p.code for p in kept}
    assert set(PHU_THO_OWN) <= kept_codes
    assert {p.publisher for p in procedures if p.code in PHU_THO_OWN} == {"UBND tỉnh Phú Thọ"}
    assert DAK_LAK_RENEWAL not in kept_codes and NATIONAL_RENEWAL in kept_codes
    assert report.left_out == Counter(OTHER_PROVINCES)
    assert report.kept == len(kept) == len(procedures) - sum(OTHER_PROVINCES.values())


def test_the_index_never_holds_another_province_own_procedures(
    phu_tho_index: tuple[IndexManifest, Path], phu_tho_engine: SearchEngine
) -> None:
    manifest, _ = phu_tho_index
    indexed = {p.code: p for p in phu_tho_engine.procedures}
    assert all(PHU_THO.applies(p) for p in indexed.values())
    assert set(PHU_THO_OWN) <= set(indexed) and NATIONAL_RENEWAL in indexed
    assert manifest.out_of_scope == OTHER_PROVINCES
    assert manifest.procedures == len(indexed)


def test_the_renewal_question_is_answered_with_the_national_procedure(phu_tho_engine: SearchEngine) -> None:
    result = phu_tho_engine.search(RENEWAL_QUESTION, 5)
    assert result.top is not None and result.top.code == NATIONAL_RENEWAL
    assert DAK_LAK_RENEWAL not in {hit.code for hit in result.hits}


def test_in_dak_lak_its_own_procedure_would_win_the_same_question(
    kb: tuple[Path, Path], tmp_path: Path
) -> None:
    # The control: the competitor is real, so the test above fails if scope stops leaving it out.
    index_dir = tmp_path / "index"
    build_index(index_dir, HashEmbedder(), *kb, scope=ProvinceScope("Đắk Lắk"))
    result = load_engine(index_dir, HashEmbedder(), []).search(RENEWAL_QUESTION, 5)
    assert result.top is not None and result.top.code == DAK_LAK_RENEWAL


def test_an_index_built_for_the_configured_province_reports_what_it_left_out(
    kb: tuple[Path, Path], tmp_path: Path
) -> None:
    manifest = build_index(tmp_path / "index", HashEmbedder(), *kb)  # province.yml: Phú Thọ
    assert manifest.out_of_scope == OTHER_PROVINCES
    assert read_manifest(tmp_path / "index") == manifest


def test_kb_build_prints_how_many_it_left_out_and_why(
    kb: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(embedding, "make_embedder", lambda spec: HashEmbedder())
    procedures, faq = kb
    argv = ["kb", "build", "--index-dir", str(tmp_path / "index"), "--procedures", str(procedures)]
    assert main([*argv, "--faq", str(faq), "--quiet"]) == 0
    out = capsys.readouterr().out
    left_out = sum(OTHER_PROVINCES.values())
    assert f"left out {left_out} that 3 other provinces published for themselves" in out
    assert "Đắk Lắk 2" in out and "Bắc Ninh 1" in out and "Hải Phòng 1" in out
    assert "stages: read" in out


def test_kb_build_if_stale_refuses_a_knowledge_base_it_cannot_judge(
    kb: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["kb", "build", "--index-dir", str(tmp_path / "index"), "--procedures", str(kb[0]), "--if-stale"]
    assert main(argv) == 2
    assert "--if-stale" in capsys.readouterr().err
    assert not (tmp_path / "index").exists()


def test_the_scope_report_names_the_provinces_left_out_most_first() -> None:
    report = ScopeReport(10, Counter({f"Tỉnh {i}": i for i in range(1, 11)}))
    (line,) = report.lines()
    assert line.startswith("in scope: 10 procedures; left out 55 that 10 other provinces")
    assert line.index("Tỉnh 10 10") < line.index("Tỉnh 9 9")
    assert line.endswith("… 2 more")
    assert ScopeReport(3, Counter()).lines() == ["in scope: 3 procedures; none left out"]


def test_a_scope_names_its_province_and_its_publisher() -> None:
    city = dataclasses.replace(PHU_THO, name="Hà Nội", former_names=(), full_name="thành phố Hà Nội")
    assert city.publisher == "UBND thành phố Hà Nội"
    assert city.applies(_published_by(city.publisher))
