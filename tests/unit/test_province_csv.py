"""The spreadsheet form of the province's list: rows become portal records, mistakes are named by line."""

from __future__ import annotations

import csv
import io

import pytest

from bot.knowledge.province_csv import CSV_COLUMNS, parse_csv
from bot.knowledge.province_records import check_records
from bot.knowledge.scope import ProvinceScope
from tests.unit.province_kb import PHU_THO_CSV

SCOPE = ProvinceScope("Phú Thọ", ("Hòa Bình", "Vĩnh Phúc"))
GOOD = {"code": "PTO.000950", "name": "Hỗ trợ thử nghiệm", "methods": "DIRECT", "processing_time": "3"}


def _csv(*rows: dict[str, str], delimiter: str = ",", columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_the_sample_sheet_reads_into_three_checked_records() -> None:
    numbered, errors = parse_csv(PHU_THO_CSV.read_text(encoding="utf-8"))
    assert errors == [] and [line for line, _ in numbered] == [2, 3, 4]
    checked = check_records(numbered, SCOPE, {})
    assert checked.errors == [] and len(checked.records) == 3
    second = checked.records[1]["detail"]
    # Words staff write in a sheet are the portal's codes.
    assert [m["submissionMethod"] for m in second["executionMethods"]] == ["DIRECT", "ONLINE", "POSTAL"]
    assert {m["processingTimeUnit"] for m in second["executionMethods"]} == {"WORKING_DAY"}
    assert second["isProvince"] is True and "isWard" not in second


def test_a_sheet_saved_with_semicolons_reads_the_same() -> None:
    rows = list(csv.DictReader(io.StringIO(PHU_THO_CSV.read_text(encoding="utf-8"))))
    with_commas, _ = parse_csv(_csv(*rows))
    with_semicolons, errors = parse_csv("\ufeff" + _csv(*rows, delimiter=";"))  # Excel's BOM too
    assert errors == [] and with_semicolons == with_commas


@pytest.mark.parametrize(
    ("written", "value"),
    [("50000", 50000), ("50.000", 50000), ("50,000", 50000), ("50 000 đồng", 50000), ("1.200.000đ", 1200000)],
)
def test_fee_amounts_are_read_in_the_ways_people_write_them(written: str, value: int) -> None:
    (numbered,), errors = parse_csv(_csv({**GOOD, "fee_type": "lệ phí", "fee_value": written}))
    assert errors == []
    assert numbered[1]["detail"]["executionMethods"][0]["fees"] == [
        {"type": "FEE", "value": value, "description": ""}
    ]


def test_each_mistake_in_a_row_is_named_by_the_line_it_starts_on() -> None:
    text = _csv(
        {**GOOD, "steps": "Bước 1: nộp hồ sơ\nở bộ phận một cửa"},  # a cell over two lines: rows 2–3
        {**GOOD, "code": "PTO.000951", "levels": "huyện"},
        {**GOOD, "code": "PTO.000952", "fee_type": "FEE", "fee_value": "năm mươi nghìn"},
        {**GOOD, "code": "PTO.000953", "fee_value": "50000"},
        {**GOOD, "code": "PTO.000954", "documents": "Tờ khai;một;0"},
        {**GOOD, "code": "PTO.000955", "processing_time": "mười"},
        {**GOOD, "code": "PTO.000956", "methods": ""},
        {**GOOD, "code": "PTO.000957", "methods": "qua Zalo", "time_unit": "tuần"},
    )
    numbered, errors = parse_csv(text)
    checked = check_records(numbered, SCOPE, {})
    everything = errors + checked.errors
    expected = {
        "dòng 4: cấp 'huyện' không hợp lệ",
        "dòng 5: cột 'fee_value' phải là số tiền",
        "dòng 6: có mức phí nhưng thiếu cột 'fee_type'",
        "dòng 7: giấy tờ 'Tờ khai': số bản chính, bản sao phải là số",
        "dòng 8: cột 'processing_time' phải là một số (đang là 'mười')",
        "dòng 9: cột 'methods' trống",
        "dòng 10: cách nộp thứ 1: 'submissionMethod' là \"QUA ZALO\"",
        "dòng 10: cách nộp thứ 1: 'processingTimeUnit' là \"TUẦN\"",
    }
    for fragment in expected:
        assert any(error.startswith(fragment) for error in everything), (fragment, everything)
    assert len(everything) == len(expected)  # and nothing about the good row on lines 2–3


def test_a_sheet_with_a_missing_or_unknown_column_is_refused_at_its_header() -> None:
    columns = ("code", "name", "thời gian")
    numbered, errors = parse_csv(_csv({"code": "X", "name": "Y", "thời gian": "3"}, columns=columns))
    assert numbered == []
    (error,) = errors
    assert error.startswith("dòng 1: thiếu cột methods; cột không biết: thời gian (các cột: code, name")


def test_a_row_with_more_cells_than_columns_is_named() -> None:
    text = "code,name,methods\nPTO.000960,Hỗ trợ,DIRECT,thừa\n"
    numbered, errors = parse_csv(text)
    assert numbered == [] and errors == ["dòng 2: nhiều ô hơn số cột (3)"]
