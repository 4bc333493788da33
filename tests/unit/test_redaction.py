import json
import logging
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from bot.pii_eval import Example, load, score
from bot.text.redaction import (
    EMAIL,
    PHONE,
    PersonalSpan,
    RedactingFilter,
    contains_personal_data,
    find_personal_data,
    redact,
)

TUNE = Path(__file__).parents[1] / "data" / "pii_tune.jsonl"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CCCD của tôi là 001203004567", "CCCD của tôi là [số định danh]"),
        ("cmnd 123456789 nhé", "cmnd [số định danh] nhé"),
        ("gọi 0912345678", "gọi [số điện thoại]"),
        ("gọi 0912 345 678 hoặc 0912.345.678", "gọi [số điện thoại] hoặc [số điện thoại]"),
        ("sdt +84912345678", "sdt [số điện thoại]"),
        ("sdt +84 912345678", "sdt [số điện thoại]"),
        ("mail nguyen.van.a@gmail.com ạ", "mail [email] ạ"),
        ("cccd 001 203 004 567 bị mất", "cccd [số định danh] bị mất"),
    ],
)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert contains_personal_data(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tôi tên là nguyen van an, sdt 0912345678", "tôi tên là [họ tên], sdt [số điện thoại]"),
        ("tên tôi là Trần Thị Bích", "tên tôi là [họ tên]"),
        ("em là Nguyễn Văn Hùng ạ", "em là [họ tên] ạ"),
        ("chị Hoa ơi", "chị [họ tên] ơi"),
        ("ông Lò Văn Sáng hỏi", "ông [họ tên] hỏi"),
        ("bà Đinh Thị Lan", "bà [họ tên]"),
        ("anh Hùng ơi", "anh [họ tên] ơi"),
        ("họ tên: Bùi Văn Tuấn", "họ tên: [họ tên]"),
        ("người nhận: Quách Văn Dũng", "người nhận: [họ tên]"),
        ("con tôi tên Hà Minh Khôi", "con tôi tên [họ tên]"),
        ("cháu tên là Ngọc Ánh", "cháu tên là [họ tên]"),
        ("tôi tên là An muốn hỏi", "tôi tên là [họ tên] muốn hỏi"),
        ("ông NGUYỄN VĂN AN hỏi", "ông [họ tên] hỏi"),
        ("cô giáo Hạnh nhờ hỏi", "cô giáo [họ tên] nhờ hỏi"),
        ("Tôi là Nguyễn Văn A, sinh năm 1985", "Tôi là [họ tên], sinh năm [ngày sinh]"),
        ("ten chu tk nguyen van a", "ten chu tk [họ tên]"),
    ],
)
def test_names_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("địa chỉ: số nhà 25, tổ 3, phường Phương Lâm", "địa chỉ: [địa chỉ]"),
        ("tôi ở xóm Trại, xã Yên Nghiệp, huyện Lạc Sơn ạ", "tôi ở [địa chỉ] ạ"),
        ("thường trú tại thôn 5, xã Mông Hóa", "thường trú tại [địa chỉ]"),
        ("nhà tôi ở số 45 đường Trần Hưng Đạo muốn xây nhà", "nhà tôi ở [địa chỉ] muốn xây nhà"),
        ("dia chi: xom moi, xa phu cuong, huyen tan lac", "dia chi: [địa chỉ]"),
    ],
)
def test_addresses_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sinh ngày 12/05/1990", "sinh ngày [ngày sinh]"),
        ("ns 12-08-1979, quê Kim Bôi", "ns [ngày sinh], quê Kim Bôi"),
        ("con sinh ngày 5 tháng 3 năm 2020", "con sinh ngày [ngày sinh]"),
        ("tôi sinh năm 1962", "tôi sinh năm [ngày sinh]"),
        ("stk 0123456789012 vietcombank", "stk [số tài khoản] vietcombank"),
        ("số tài khoản agribank: 3100 2050 12345", "số tài khoản agribank: [số tài khoản]"),
        ("stk 0912345678", "stk [số tài khoản]"),
        ("xe biển số 29A-123.45 bị phạt", "xe biển số [biển số xe] bị phạt"),
        ("xe 30E12345 và 29B1-123.45", "xe [biển số xe] và [biển số xe]"),
        ("biển số 88A 12345", "biển số [biển số xe]"),
    ],
)
def test_dates_accounts_and_plates_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hồ sơ 000.00.04.H51-200221-0001 đến đâu rồi",  # a dossier code is not personal data
        "lệ phí 200000 đồng",
        "lệ phí 100.000 đồng đúng không",
        "thủ tục 1.001193",
        "thủ tục 1.001612 và 2.000986",
        "đăng ký khai sinh cần giấy tờ gì",
        "UBND xã Mai Châu ở đâu",
        "làm sổ đỏ ở huyện Lạc Sơn",
        "Trung tâm Phục vụ hành chính công tỉnh Hòa Bình",
        "Sở Tư pháp có nhận hồ sơ online không",
        "Đăng ký khai sinh",
        "Cấp đổi Giấy chứng nhận quyền sử dụng đất",
        "tôi nộp hồ sơ ngày 12/03/2024 mà chưa có kết quả",
        "đăng ký khai sinh ngày 15/4/2024 có kết quả chưa",
        "anh cho em hỏi thủ tục kết hôn",
        "chị ơi lệ phí bao nhiêu",
        "nộp lúc 10h30 năm 2024",
        "xin bản sao trích lục",
        "Ban Tiếp công dân tỉnh ở đâu",
        "mã hồ sơ 2403120045 đã có kết quả chưa",  # a receipt number, not an account
        "Nhà văn hóa thôn Đồng Tâm ở đâu",
        "quy hoạch nông thôn mới",
        "em Cảm ơn ạ",
        "Chi Cục Thủy Sản cấp giấy phép",
        "trẻ em Việt Nam được nhận làm con nuôi",
        "đăng ký kết hôn với người Lào ở Mai Châu",
    ],
)
def test_other_text_is_kept(text: str) -> None:
    assert redact(text) == text
    assert not contains_personal_data(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("toi o ban Lac, xa Chieng Chau, huyen Mai Chau", "toi o [địa chỉ]"),
        ("o ban na phon, xa tong dau, huyen mai chau", "o [địa chỉ]"),
        ("toi o xom 3 xa trung minh tp hoa binh", "toi o [địa chỉ]"),
        ("thuong tru xom tra, xa phu vinh, tan lac", "thuong tru [địa chỉ]"),
        ("em o ap 3, xa tan hoa, huyen cai be", "em o [địa chỉ]"),
    ],
)
def test_addresses_without_diacritics_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ten quach van linh, can lam lai", "ten [họ tên], can lam lai"),
        ("toi la ha van chung", "toi la [họ tên]"),
        ("chu tk dinh van quy", "chu tk [họ tên]"),
        ("nguoi nhan hoang van tuan", "nguoi nhan [họ tên]"),
        ("anh ten la giang a pao", "anh ten la [họ tên]"),
        ("can bo Quang bao nop lai", "can bo [họ tên] bao nop lai"),
        (
            "cán bộ Lê Văn Sơn phòng tư pháp huyện Lương Sơn hướng dẫn",
            "cán bộ [họ tên] phòng tư pháp huyện Lương Sơn hướng dẫn",
        ),
        ("chuyên viên Trần Thu Hà đã nhận", "chuyên viên [họ tên] đã nhận"),
        ("Cảm ơn cán bộ đã hỗ trợ - Bùi Văn Nam", "Cảm ơn cán bộ đã hỗ trợ - [họ tên]"),
    ],
)
def test_lower_case_and_role_names_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cccd moi 017 192 007 890", "cccd moi [số định danh]"),
        ("CCCD gắn chip 017-180-002-468", "CCCD gắn chip [số định danh]"),
        ("tra cuu 031.095.004.321 giup em", "tra cuu [số định danh] giup em"),
        ("cmnd cu cua toi 113 567 890", "cmnd cu cua toi [số định danh]"),
    ],
)
def test_grouped_identity_numbers_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sn 12/3/1990, que Kim Boi", "sn [ngày sinh], que Kim Boi"),
        ("con toi sinh nam 2019", "con toi sinh nam [ngày sinh]"),
    ],
)
def test_specific_births_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "người sinh năm 1960 thì cần giấy tờ gì",
        "tre em sinh nam 2020 duoc cap the bhyt khong",
        "sinh nam 1990 thi bao nhieu tuoi duoc lam cccd",
        "ban oi cho minh hoi thu tuc lam cccd",
        "o xa qua, co nop qua mang duoc khong",
        "nha toi o xa trung tam huyen, nop online duoc khong",
        "le phi lam ho so la bao nhieu",
        "ly do bi tra ho so la gi",
        "mai toi den nop to khai duoc khong",
        "toi muon nop ho so tai tp hoa binh duoc khong",
        "Hà Nội có làm căn cước cho người Hòa Bình không",
        "toi la chu ho, muon tach khau",
        "tên đăng nhập là số định danh cá nhân phải không",
        "cán bộ Tư pháp xã ở đâu",
        "ban Giam doc trung tam",
        "cccd 12 so la so dinh danh ca nhan phai khong",
    ],
)
def test_look_alikes_without_diacritics_are_kept(text: str) -> None:
    assert redact(text) == text


def test_spans_carry_offsets_and_kinds() -> None:
    text = "tôi tên là Lò Văn Sáng, sđt 0912345678"
    assert find_personal_data(text) == [PersonalSpan(11, 22, "name"), PersonalSpan(28, 38, "phone")]


def test_decomposed_unicode_keeps_offsets_into_the_original() -> None:
    text = unicodedata.normalize("NFD", "tên tôi là Trần Thị Bích")
    [span] = find_personal_data(text)
    assert (span.kind, text[span.start : span.end]) == ("name", unicodedata.normalize("NFD", "Trần Thị Bích"))


def test_redaction_is_idempotent_and_marks_are_not_matched() -> None:
    for example in load(TUNE):
        once = redact(example.text)
        assert redact(once) == once, example.text
    assert redact("tên tôi là [họ tên], địa chỉ: [địa chỉ], stk [số tài khoản]") == (
        "tên tôi là [họ tên], địa chỉ: [địa chỉ], stk [số tài khoản]"
    )


def test_form_patterns_still_read_contacts() -> None:
    assert EMAIL.search("mail a.b@x.vn").group(0) == "a.b@x.vn"  # type: ignore[union-attr]
    assert PHONE.search("gọi 0912 345 678").group(0) == "0912 345 678"  # type: ignore[union-attr]


def test_log_records_are_redacted() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "question from %s: %s", ("u1", "sđt 0987654321"), None
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "question from u1: sđt [số điện thoại]"


def test_log_records_mask_names() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "text: %s", ("tên tôi là Trần Thị Bích",), None
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == "text: tên tôi là [họ tên]"


def test_score_counts_caught_missed_and_false_positives() -> None:
    examples = [
        Example("tôi tên là Hùng", [PersonalSpan(11, 15, "name")]),
        Example("gọi 0912345678", []),  # unlabelled phone: a false positive
        Example("hỏi chút", [PersonalSpan(0, 3, "address")]),  # nothing predicted: a miss
    ]
    report = score(examples)
    assert (report.kinds["name"].gold, report.kinds["name"].caught) == (1, 1)
    assert report.kinds["address"].missed == 1
    assert report.overall.false_positives == 1 and report.kinds["phone"].precision == 0.0


def test_tune_set_meets_the_goals() -> None:
    assert all(score(load(TUNE)).goals().values())


def test_tune_set_schema() -> None:
    rows = [json.loads(line) for line in TUNE.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 120
    assert sum(not row["spans"] for row in rows) >= len(rows) * 0.4
    for row in rows:
        for span in row["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(row["text"])


def test_importing_bot_text_does_not_import_spacy() -> None:
    code = "import sys, bot.text.redaction; assert 'spacy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


def test_the_assistants_texts_keep_agency_addresses_and_staff_texts_are_masked_in_full() -> None:
    from bot.text.redaction import redact_event

    agency = "Nộp tại: Bộ phận một cửa UBND phường Phương Lâm, số 8 đường Trần Hưng Đạo, thành phố Hòa Bình."
    said = redact_event({"event": "bot", "text": agency, "metadata": {"utter_action": "action_x"}})
    assert said["text"] == agency  # the catalogue's agency and address are no citizen's data
    echoed = redact_event({"event": "bot", "text": "Số liên hệ anh/chị để lại: 0912 345 678."})
    assert "0912" not in echoed["text"] and "[số điện thoại]" in echoed["text"]
    staff = "Chào anh Trần Văn Hùng, hồ sơ ở xóm Mới, xã Thống Nhất đã xong."
    written = redact_event({"event": "bot", "text": staff, "metadata": {"from_staff": True, "staff": "Lan"}})
    assert "Hùng" not in written["text"] and "xóm Mới" not in written["text"]


def test_log_lines_keep_no_token_of_a_called_url() -> None:
    from bot.text.redaction import redact_log_message

    line = 'HTTP Request: POST http://127.0.0.1:5005/model/parse?token=x-DKq9_secret&x=1 "HTTP/1.1 200 OK"'
    assert redact_log_message(line) == (
        'HTTP Request: POST http://127.0.0.1:5005/model/parse?token=[ẩn]&x=1 "HTTP/1.1 200 OK"'
    )
    assert "EAAB" not in redact_log_message("GET /v19.0/me/messages?access_token=EAABwzLix 400")
