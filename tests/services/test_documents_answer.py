"""The dossier answer over the real catalogue: forms first, one line per case, never a cut word."""

import re
import unicodedata

import pytest

from bot.knowledge.model import Procedure, RequiredDocument
from bot.knowledge.store import read_procedures
from bot.services.clipping import clip
from bot.services.documents_answer import TARGET_CHARS, documents
from bot.services.dossier_rows import Kind, classify
from bot.services.procedure_answers import MAX_REPLY_CHARS, Aspect, compose

PROCEDURES = read_procedures()
BY_CODE = {p.code: p for p in PROCEDURES}
ANSWERS = {p.code: compose(p, Aspect.DOCUMENTS) for p in PROCEDURES}

# Independent of the classifier: a row is a form when the portal attaches a template file to it or
# its name opens with the words Vietnamese forms open with.
_FORM_NAME = re.compile(r"^(?:Tờ khai|Đơn (?!vị)|Giấy đề nghị|Mẫu )")
_LIST_MARK = re.compile(r"^(?:[-+•*–.;,\s]+|\(?\d{1,2}[.)]\s*|\(?[a-zđ][.)]\s*)+")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _form_rows(procedure: Procedure) -> list[RequiredDocument]:
    return [d for d in procedure.documents if d.form or _FORM_NAME.match(_LIST_MARK.sub("", _nfc(d.name)))]


def _shows(text: str, document: RequiredDocument) -> bool:
    """The answer names the form: its first words, its template code or its file's name."""
    text = text.lower()
    name = _LIST_MARK.sub("", _nfc(document.name))
    if " ".join(name.split()[:3]).lower().rstrip(".;:,") in text:
        return True
    stem = re.sub(r"\.\w+$", "", document.form).strip()
    # A template code named in the row or in its file's name ("Mau so 03b_Xoa dang ky.docx").
    codes = re.findall(
        r"\b(?:[Mm]ẫu|[Mm]au)\s+(?:số\s+|so\s+)?([A-Z0-9][\w./-]*?[A-Za-z0-9])(?=[\s_;,.)]|$)",
        f"{name} {stem}",
    )
    return any(code.lower() in text for code in codes) or (len(stem) >= 2 and stem.lower() in text)


def test_every_documents_answer_fits_a_bubble_and_a_phone_screen() -> None:
    too_long = [code for code, text in ANSWERS.items() if len(text) > MAX_REPLY_CHARS]
    assert too_long == []
    over_screen = [p.code for p in PROCEDURES if len("\n".join(documents(p))) > TARGET_CHARS]
    assert over_screen == []


def test_every_procedure_with_a_form_shows_it() -> None:
    with_form = [p for p in PROCEDURES if _form_rows(p)]
    assert len(with_form) > 1500  # the catalogue has forms; an empty check would prove nothing
    hidden = [p.code for p in with_form if not any(_shows(ANSWERS[p.code], d) for d in _form_rows(p))]
    assert hidden == []


def test_no_answer_cuts_a_word() -> None:
    cut = []
    for procedure in PROCEDURES:
        source = " ".join(f"{d.name} {d.group} {d.form}" for d in procedure.documents)
        words = set(re.findall(r"\w+", _nfc(f"{source} {procedure.fallback.get('thanh_phan_ho_so', '')}")))
        body = ANSWERS[procedure.code].rsplit("\nNguồn: ", 1)[0]  # the citation clips the name, not documents
        cut += [f"{procedure.code}: {w}…" for w in re.findall(r"(\w+)…", body) if w not in words]
    assert cut == []


def test_marriage_registration_leads_with_the_declaration() -> None:
    text = ANSWERS["1.000894"]
    bullets = [line for line in text.splitlines() if line.startswith("• ")]
    assert bullets[0].startswith("• Tờ khai đăng ký kết hôn") and "(khi nộp trực tiếp)" in bullets[0]
    assert "(khi nộp trực tuyến)" in bullets[1]
    assert text.index("Tờ khai") < text.index("Giấy tờ tùy thân: Hộ chiếu")
    assert "Giấy tờ cần xuất trình" in text and "Tùy trường hợp:" in text
    # The officer's duties are notes, not papers to bring.
    assert "Người tiếp nhận" not in text and len(bullets) <= 8
    assert not re.search(r"\b\d+ loại giấy tờ\b", text)


def test_a_form_repeated_under_every_case_is_listed_once() -> None:
    text = ANSWERS["1.004222"]
    assert text.count("CT01") == 1
    cases = text.split("Tùy trường hợp:")[1].splitlines()
    assert all(len(line) <= 260 for line in cases)
    assert any(line.startswith("• Đăng ký thường trú vào chỗ ở hợp pháp") for line in cases)


def test_a_procedure_without_a_document_table_says_so_honestly() -> None:
    without = [p for p in PROCEDURES if not p.documents and not p.fallback.get("thanh_phan_ho_so")]
    assert without  # the portal lists no documents for about a hundred procedures
    silent = [
        p.code for p in without if "chưa hiển thị được danh sách thành phần hồ sơ" not in ANSWERS[p.code]
    ]
    assert silent == []


def test_a_template_form_names_its_file_and_where_to_download_it() -> None:
    procedure = BY_CODE["1.001456"]  # the passport: the declaration TK01/TK01a is attached as a .doc
    template = next(d for d in procedure.documents if d.template)
    text = ANSWERS["1.001456"]
    form_line = next(line for line in text.splitlines() if line.startswith("• Tờ khai"))
    # The file's name (shortened at a word end when long) names the template; the TK01/TK01a codes stay.
    assert f"tệp mẫu: {template.form[:20]}" in form_line and "(1 bản chính)" in form_line
    assert "TK01a" in form_line.split("; tệp mẫu")[0]
    assert "Tải tệp mẫu tại trang thủ tục" in text and text.index("Tờ khai") < text.index("Giấy tờ cần nộp")


def test_counts_leave_out_zeros() -> None:
    document = RequiredDocument(name="Giấy chứng sinh", originals=0, copies=1, group="Giấy tờ phải nộp")
    procedure = Procedure(
        code="9.999998",
        name="Thử",
        url="https://dichvucong.gov.vn/x",
        catalogue="Bộ Tư pháp",
        documents=(document,),
    )
    assert "• Giấy chứng sinh (1 bản sao)" in documents(procedure)


@pytest.mark.parametrize(
    ("name", "group", "originals", "kind"),
    [
        ("Tờ khai đăng ký kết hôn theo mẫu;", "", 1, Kind.FORM),
        ("Hộ chiếu/Thẻ căn cước công dân còn giá trị sử dụng.", "Giấy tờ phải xuất trình", 1, Kind.PRESENT),
        ("Giấy chứng sinh.", "Giấy tờ phải nộp", 1, Kind.SUBMIT),
        ("Trường hợp gửi hồ sơ qua bưu chính thì phải gửi kèm bản sao.", "", 0, Kind.CASE),
        ("Bản chụp các giấy tờ phải bảo đảm rõ nét.", "Lưu ý", 0, Kind.NOTE),
        ("Đơn vị nhận hồ sơ chỉ nhận khi nộp đủ chi phí.", "", 0, Kind.NOTE),
        ("Người có yêu cầu nộp các giấy tờ sau:", "", 0, Kind.SKIP),
        (";", "", 0, Kind.SKIP),
    ],
)
def test_rows_are_classified(name: str, group: str, originals: int, kind: Kind) -> None:
    assert classify(RequiredDocument(name=name, group=group, originals=originals)) is kind


def test_decomposed_accents_are_classified_like_composed_ones() -> None:
    decomposed = unicodedata.normalize("NFD", "Trường hợp không có giấy tờ thì nộp bản cam đoan.")
    assert classify(RequiredDocument(name=decomposed, originals=0)) is Kind.CASE


def test_clip_keeps_a_whole_sentence_when_it_can() -> None:
    text = "Giấy khai sinh của trẻ em. Trường hợp không có thì nộp văn bản của người làm chứng xác nhận."
    assert clip(text, 60) == "Giấy khai sinh của trẻ em."


def test_clip_cuts_after_a_whole_word_and_closes_no_bracket_halfway() -> None:
    text = "Văn bản xác nhận của Ủy ban nhân dân cấp xã (ký tên, đóng dấu đầy đủ) về nơi cư trú hiện nay"
    clipped = clip(text, 60)
    assert clipped.endswith("…") and len(clipped) <= 60
    head = clipped[:-1]
    assert text.startswith(head) and text[len(head)] in " ,(" and head.count("(") == head.count(")")


def test_every_documents_answer_lists_something_or_says_the_portal_shows_no_list() -> None:
    empty = [
        p.code
        for p in PROCEDURES
        if not any(line.startswith("• ") for line in documents(p))
        and not documents(p)[0].startswith(("Cổng Dịch vụ công chưa hiển thị", "Thành phần hồ sơ (theo"))
    ]
    assert empty == []
