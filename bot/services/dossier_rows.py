"""Classify the rows of a procedure's document table (thành phần hồ sơ) for a citizen.

The portal's table mixes real documents with case headings ("Trường hợp …"), notes for the
receiving officer ("Lưu ý", "Người tiếp nhận …") and sub-headings ending in ":"; all of them carry
a count, often "0 bản chính", and long legal phrasing. Each row gets a kind and a cleaned name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cached_property

from bot.knowledge.model import Procedure, RequiredDocument
from bot.services.clipping import normalize


class Kind(str, Enum):
    """What a row of the portal's document table is, for the citizen."""

    FORM = "form"  # a form or declaration to fill in
    SUBMIT = "submit"  # a paper to hand in
    PRESENT = "present"  # a paper to show (xuất trình) and take back
    CASE = "case"  # a paper or rule that applies only in one case
    NOTE = "note"  # a remark, often addressed to the receiving officer
    SKIP = "skip"  # a sub-heading ("… các giấy tờ sau:") or crawl debris


_ENUMERATOR = re.compile(
    r"^(?:[-+•*–.;,]+|\(?\d{1,2}(?:\.\d{1,2})*[.)]|\(?[a-zđ][.)]|\(?[ivxIVX]{1,4}[.)])\s*"
)
# The parser splits a row at every "01 bản chính" it meets, so "Hợp đồng (01 bản chính hoặc 01 bản sao
# có chứng thực)" arrives as "Hợp đồng (", "hoặc", "có chứng thực)": the tails are not documents.
_CONTINUATION = re.compile(r"^(?:hoặc|có chứng thực|kèm|và)\b")
_NOTE_START = re.compile(r"^(?:Lưu ý|Ghi chú|Chú ý)\b\s*:?\s*", re.IGNORECASE)
_STAFF_NOTE = re.compile(
    r"^(?:Người tiếp nhận|Cơ quan|Cán bộ|Công chức|Bộ phận)\b|"
    r"người tiếp nhận|cán bộ tiếp nhận|có trách nhiệm",
    re.IGNORECASE,
)
CASE_START = re.compile(r"^\(?\s*(?:Trường hợp|Nếu|Đối với|Riêng|Ngoài ra)\b", re.IGNORECASE)
_FORM_START = re.compile(
    r"^(?:\d+\s+)?(?:Tờ khai|Đơn\b(?! vị)|Giấy đề nghị|"
    r"Phiếu (?:đề nghị|đăng ký|khai|yêu cầu|thông tin|báo)|Bản khai|Bản đăng ký|Mẫu\b|"
    r"Văn bản đề nghị\b.*\b[Mm]ẫu\b)"
)
FORM_PHRASE = re.compile(
    r"(?:Tờ khai|Đơn đề nghị|Đơn đăng ký|Đơn xin|Giấy đề nghị|Phiếu đề nghị|Phiếu đăng ký|Bản khai)"
    r"[^;:]*?(?:\(?\s*[Mm]ẫu\s+(?:số\s+)?[A-Z0-9][\w./-]*\)?)"
)
_TEMPLATE_CODE = re.compile(r"\b[Mm]ẫu\s+(?:số\s+)?([A-Z0-9][\w./-]*[A-Za-z0-9])")
_PAPER_START = re.compile(
    r"^(?:\d+\s+)?(?:Bản|Giấy|Văn bản|Hộ chiếu|Thẻ|Hợp đồng|Quyết định|Biên bản|Báo cáo|Danh sách|Danh mục|"
    r"Ảnh|ảnh|Chứng từ|Chứng chỉ|Chứng thư|Tài liệu|Hồ sơ|Sổ|Phương án|Đề án|Kế hoạch|Điều lệ|Bảng|Dự thảo|"
    r"Công văn|Tờ trình|Bằng|Sơ đồ|Thuyết minh|Trích lục|Nghị quyết|Cam kết|Lý lịch|Phụ lục|Hóa đơn|"
    r"Các (?:giấy tờ|tài liệu|văn bản)|Thông tin chứng minh)"
)
_GENERIC_GROUP = re.compile(
    r"^(?:|Giấy tờ phải (?:nộp|xuất trình).*|Các giấy tờ phải (?:nộp|xuất trình).*|"
    r"(?:a\) )?Thành phần hồ sơ.*|Hồ sơ gồm.*|Hồ sơ bao gồm.*|Nộp trực tiếp|Lưu ý.*|Ghi chú.*|Chú ý.*)$",
    re.IGNORECASE,
)
# Long phrasings the hộ tịch catalogue repeats in every procedure, said the short way a clerk would.
# Each comes with a word it cannot match without, checked first: the answers of every record are
# composed in tests, and most rows hold none of these phrasings.
_REPHRASE: tuple[tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # "Hộ chiếu/Thẻ căn cước… (sau đây gọi tắt là giấy tờ tùy thân)": lead with the short name.
    (
        "sau đây gọi",
        re.compile(r"^(.{20,}?)\s*\(sau đây gọi (?:tắt )?là ([^)]{3,40})\)"),
        lambda m: f"{m[2][:1].upper()}{m[2][1:]}: {m[1]}",
    ),
    ("sau đây gọi", re.compile(r"\s*\(sau đây gọi (?:tắt )?là [^)]*\)"), ""),
    (
        "do người yêu cầu",
        re.compile(r"do người yêu cầu cung cấp thông tin theo hướng dẫn trên Cổng dịch vụ công,\s*"),
        "",
    ),
    ("lựa chọn", re.compile(r"nếu người có yêu cầu lựa chọn nộp hồ sơ theo hình thức"), "nếu nộp"),
    ("bưu chính", re.compile(r"hoặc gửi hồ sơ qua hệ thống bưu chính"), "hoặc qua bưu chính"),
    # "ban hành kèm theo Thông tư số 53/2025/TT-BCA ngày … của …": the template code is what matters.
    (
        "kèm theo",
        re.compile(
            r",?\s*(?:được\s+)?(?:ban hành\s+)?kèm theo\s+"
            r"(?:Thông tư|Nghị định|Quyết định|Thông tư liên tịch)"
            r"(?:\s+số)?\s+[\w./-]+(?:\s+ngày\s+[\d/]+(?:\s+tháng\s+\d+\s+năm\s+\d{4})?)?"
            r"(?:\s+của\s+(?:Bộ trưởng\s+)?(?:Bộ|Chính phủ|Thủ tướng|Ngân hàng)[^,;.()]*)?"
        ),
        "",
    ),
)
_NON_WORD = re.compile(r"\W+")
_THREE_LETTERS = re.compile(r"[^\W\d_](?:.*?[^\W\d_]){2}", re.DOTALL)
_FILE_EXTENSION = re.compile(r"\.(?:docx?|pdf|xlsx?|rtf|odt)$", re.IGNORECASE)
_LEGAL_ASIDE = re.compile(r"\s*\((?![^()]*\b[Mm]ẫu\b)[^()]*\b\d+/\d{4}/[A-ZĐ][^()]*\)")
CHANNEL = re.compile(r"\s*\(?\s*nếu nộp (trực tiếp|trực tuyến)( hoặc qua bưu chính)?\s*\)?")


@dataclass(frozen=True)
class Row:
    """One classified row of the document table."""

    kind: Kind
    text: str  # the row's name, cleaned and shortened phrasings applied (not yet clipped)
    document: RequiredDocument
    section: str = ""  # the specific heading it stands under, "" for the common dossier

    @cached_property
    def key(self) -> str:
        """Identity across sections (the portal repeats shared papers under every case)."""
        return _NON_WORD.sub(" ", self.text.lower())[:80]


def strip_enumerators(text: str) -> str:
    """The text without leading list markers ("-", "+", "a)", "(ii)", "1.2.")."""
    previous = None
    while previous != text:
        previous, text = text, _ENUMERATOR.sub("", text).strip()
    return text


def _strip_file(text: str) -> str:
    """Drop a template file name the crawl glued to the end ("… cá nhânTTHC5-Mu06.docx")."""
    if not _FILE_EXTENSION.search(text):
        return text
    # The file name starts where a capital follows a letter or digit with no space between.
    for i in range(max(1, len(text) - 80), len(text)):
        glued = text[i].isupper() and (text[i - 1].islower() or text[i - 1].isdigit() or text[i - 1] == ")")
        if glued and text.count(" ", i) <= 8:
            return text[:i].rstrip()
    head, _, _ = text.rpartition(" ")
    return head or text


def clean_name(name: str) -> str:
    """A row's name without list markers and with the catalogue's stock phrases shortened."""
    text = _strip_file(strip_enumerators(normalize(name)))
    if "/" in text:
        text = _LEGAL_ASIDE.sub("", text)
    for needle, pattern, replacement in _REPHRASE:
        if needle in text:
            text = pattern.sub(replacement, text)
    return re.sub(r"\s*\($", "", text.strip()).lstrip(") ")


def _heading(group: str) -> str:
    text = strip_enumerators(normalize(group)).rstrip(" :*-")
    return text[1:-1].strip() if text.startswith("(") and text.endswith(")") else text


def _is_tail(name: str) -> bool:
    """A few words closing a bracket opened in the previous row ("công chứng)")."""
    return name.count(")") > name.count("(") and len(name.split()) <= 4


def _has_count(document: RequiredDocument) -> bool:
    return bool(document.originals or document.copies)


def classify(document: RequiredDocument, name: str | None = None) -> Kind:
    """The kind of one row, from its name (``clean_name``'s, when the caller has it), heading and count."""
    name, group = (clean_name(document.name) if name is None else name), _heading(document.group)
    if not _THREE_LETTERS.search(name) or _CONTINUATION.match(name) or _is_tail(name):
        return Kind.SKIP
    if document.template:
        return Kind.FORM  # the portal attaches a template to fill in, whatever the row's wording
    if _NOTE_START.match(name) or _NOTE_START.match(group):
        return Kind.NOTE
    if name.endswith(":") and not _has_count(document):
        return Kind.SKIP
    if CASE_START.match(name):
        return Kind.FORM if document.form and FORM_PHRASE.search(name) else Kind.CASE
    if _FORM_START.match(name) or document.form:
        return Kind.FORM
    if not _has_count(document) and not _PAPER_START.match(name):
        return Kind.NOTE
    if "xuất trình" in group.lower() or name.lower().startswith("xuất trình"):
        return Kind.PRESENT
    return Kind.SUBMIT


def rows(procedure: Procedure) -> list[Row]:
    """Every row of the dossier, classified, with the specific heading it belongs to (if any)."""
    result = []
    for document in procedure.documents:
        heading = _heading(document.group)
        section = "" if _GENERIC_GROUP.match(heading) else heading
        name = clean_name(document.name)
        result.append(Row(classify(document, name), name, document, section))
    return result


def template_code(row: Row) -> str:
    """The form's template code ("CT01", "04") from its name, else from its file's name ("NA5.doc")."""
    if match := _TEMPLATE_CODE.search(row.text):
        return match.group(1)
    stem = _FILE_EXTENSION.sub("", normalize(row.document.form))
    if match := re.fullmatch(r"(?:Mẫu|Mau|mẫu|mau)\s*(?:số|so)?\s*([A-Z0-9][\w.-]{0,12})", stem):
        return match.group(1)
    # A bare number ("2025.docx") is the tail of a split name, not a code; "NA5", "TK01" are codes.
    return stem if re.fullmatch(r"[A-ZĐ]{1,6}[\s_.-]?\d{1,3}[a-z]?(?:-[A-Z0-9]{1,6})?", stem) else ""


def template_files(document: RequiredDocument) -> list[str]:
    """The template files the portal attaches to the row ([] for none, and for the older crawl's names).

    The older crawl glued a file name to the row's text ("… theo quy địnhĐơn đề nghị.docx"): that is no
    file a citizen can find, so only the portal records' attachments count.
    """
    if not document.template:
        return []
    return [name.strip() for name in document.form.split(";") if name.strip()]


def form_key(row: Row) -> str:
    """Identity of a form: the same template listed under several cases is one form to fill in."""
    code = template_code(row).lower()
    return f"{' '.join(row.key.split()[:2])} {code}" if code else row.key


def without_channel(text: str) -> tuple[str, str]:
    """The text without its "(nếu nộp trực tiếp …)" aside, and that aside said briefly."""
    match = CHANNEL.search(text)
    if not match:
        return text, ""
    hint = f"khi nộp {match.group(1)}" + (" hoặc qua bưu chính" if match.group(2) else "")
    return CHANNEL.sub("", text).strip(), hint


def note_for_citizen(row: Row) -> str:
    """A note's text without its "Lưu ý:" label; "" when it speaks to the receiving officer."""
    text = strip_enumerators(_NOTE_START.sub("", strip_enumerators(row.text)))
    return "" if _STAFF_NOTE.search(text) else text
