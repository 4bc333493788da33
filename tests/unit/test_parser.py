"""The catalogue parser on real records whose tables the crawl flattened into run-on text."""

import json
from pathlib import Path

import pytest

from bot.knowledge.parser import (
    parse_documents,
    parse_legal_basis,
    parse_record,
    parse_results,
    parse_steps,
    parse_submission_methods,
)

RAW = {
    json.loads(line)["ma_thu_tuc"]: json.loads(line)
    for line in (Path(__file__).parents[1] / "data" / "raw_records.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
}


def test_submission_methods_with_time_and_fee_in_dong() -> None:
    methods = parse_submission_methods(RAW["1.011325"]["cach_thuc_thuc_hien"])
    assert [m.method for m in methods] == ["Trực tuyến", "Dịch vụ bưu chính", "Trực tiếp"]
    assert all(m.working_days == 5 and m.fee_vnd == (2_000_000,) for m in methods)
    assert "đơn hàng" in methods[0].fee_text


def test_free_methods_with_a_bare_number_keep_the_number_without_inventing_a_unit() -> None:
    methods = parse_submission_methods(RAW["1.001193"]["cach_thuc_thuc_hien"])
    assert len(methods) == 3
    assert all(m.free and m.time_text == "1" and m.working_days is None for m in methods)


def test_different_fee_per_method() -> None:
    methods = {m.method: m for m in parse_submission_methods(RAW["1.004222"]["cach_thuc_thuc_hien"])}
    assert methods["Trực tuyến"].fee_vnd[0] == 10_000
    assert methods["Trực tiếp"].fee_vnd[0] == 20_000
    assert methods["Trực tuyến"].working_days == 7


def test_method_words_inside_descriptions_do_not_start_rows() -> None:
    text = (
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp15 NgàyMiễn phí: nộp hồ sơ Trực tuyến qua cổng"
        "Dịch vụ bưu chính15 NgàyMiễn phí"
    )
    methods = parse_submission_methods(text)
    assert [m.method for m in methods] == ["Trực tiếp", "Dịch vụ bưu chính"]


def test_documents_with_counts_and_form_templates() -> None:
    documents = parse_documents(RAW["1.011325"]["thanh_phan_ho_so"])
    assert len(documents) >= 4
    form = next(d for d in documents if d.form)
    assert form.form.endswith(".docx") and "Mẫu số 01" in form.name
    copies = next(d for d in documents if d.copies)
    assert copies.copies == 1 and copies.originals == 0


def test_documents_keep_their_group_heading() -> None:
    documents = parse_documents(RAW["1.001193"]["thanh_phan_ho_so"])
    assert documents[0].group == "Giấy tờ phải nộp"
    assert documents[0].originals == 1


def test_legal_basis_splits_rows_and_numbers() -> None:
    legal = parse_legal_basis(RAW["1.001193"]["can_cu_phap_ly"])
    numbers = [d.number for d in legal]
    assert "85/2019/TT-BTC" in numbers and "123/2015/NĐ-CP" in numbers and "87/2020/NĐ-CP" in numbers
    assert all(d.title and not d.title.endswith(d.number + d.number) for d in legal)


def test_legal_title_that_repeats_its_number() -> None:
    legal = parse_legal_basis(RAW["6.003636"]["can_cu_phap_ly"])
    assert legal[0].number == "27/2023/QH15"
    assert legal[0].title == "Luật Nhà ở số 27/2023/QH15"


def test_results_drop_portal_codes_and_widgets() -> None:
    assert parse_results(RAW["1.001193"]["ket_qua_xu_ly"]) == ["Giấy khai sinh"]


def test_numbered_steps() -> None:
    steps = parse_steps("Bước 1: Nộp hồ sơ.\nBước 2: Nhận kết quả.")
    assert steps == ["Bước 1: Nộp hồ sơ.", "Bước 2: Nhận kết quả."]


@pytest.mark.parametrize("text", ["", "Không có thông tin", "rác không có cấu trúc", "Hình thức nộp"])
def test_odd_text_gives_empty_structure_not_errors(text: str) -> None:
    assert parse_submission_methods(text) == [] or text == "Hình thức nộp"
    assert parse_documents(text) == []
    assert parse_legal_basis(text) == []


def test_unparsed_source_is_kept_as_fallback() -> None:
    raw = {**RAW["1.001193"], "thanh_phan_ho_so": "Một đoạn văn không theo bảng."}
    procedure = parse_record(raw)
    assert procedure.documents == ()
    assert procedure.fallback["thanh_phan_ho_so"] == "Một đoạn văn không theo bảng."


def test_record_round_trips_through_json() -> None:
    from bot.knowledge.model import Procedure

    procedure = parse_record(RAW["1.004222"])
    assert Procedure.from_dict(json.loads(json.dumps(procedure.to_dict()))) == procedure
