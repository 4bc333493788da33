"""Parse raw catalogue records (dichvucong.gov.vn crawl) into typed procedures.

The crawl flattened the portal's tables into run-on text, e.g.
``"Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1Miễn phíDịch vụ bưu chính1Miễn phí"``.
Each ``parse_*`` function recovers one table; each returns an empty result rather than raising,
and :func:`parse_record` keeps the source text in ``fallback`` wherever structure was not found.
"""

from __future__ import annotations

import re
from typing import Any

from bot.knowledge.model import LegalDocument, Procedure, RequiredDocument, SubmissionMethod

NO_INFO = "Không có thông tin"
CATALOGUES = {
    "bo-tai-chinh": "Bộ Tài chính",
    "bo-nong-nghiep-mt": "Bộ Nông nghiệp và Môi trường",
    "bo-xay-dung": "Bộ Xây dựng",
    "bo-cong-an": "Bộ Công an",
    "bo-tu-phap": "Bộ Tư pháp",
    "ngan-hang-nha-nuoc": "Ngân hàng Nhà nước Việt Nam",
    "toa-an-nhan-dan": "Tòa án nhân dân tối cao",
}

# --- submission methods ---------------------------------------------------------------------
_METHODS_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_METHOD = re.compile(r"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)")
_TIME = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Phút|Tuần)?(?:\s*\([^)]*\))?",
    re.IGNORECASE,
)
_FEE_FREE = re.compile(r"^\s*Miễn phí")
_FEE_AMOUNT = re.compile(r"^\s*(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(Việt Nam Đồng|VNĐ|đồng|Đồng)")
_AMOUNT_IN_TEXT = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d{4,})\s*(?:đồng|VNĐ|Việt Nam Đồng|Đồng|đ\b)")
_UNIT_DAYS = {"ngày làm việc": 1.0, "ngày": 1.0, "tuần": 5.0, "tháng": 22.0}


def _clean(text: str | None) -> str:
    text = (text or "").replace("\xa0", " ")
    text = re.sub(r"[ \t]+", " ", text).strip()
    return "" if text == NO_INFO else text


def _amount(text: str) -> int:
    return int(re.sub(r"[.,]", "", text))


def _split_fee(rest: str) -> tuple[str, tuple[int, ...], bool, str]:
    """Split what follows the time into fee text, amounts, free flag and description."""
    note = ""
    if _FEE_FREE.match(rest):
        fee, rest, free = "Miễn phí", rest[len("Miễn phí") :] if rest.startswith("Miễn phí") else rest, True
    elif rest.startswith(NO_INFO):
        fee, rest, free = "", rest[len(NO_INFO) :], False
    elif match := _FEE_AMOUNT.match(rest):
        fee, rest, free = f"{match.group(1)} đồng", rest[match.end() :], False
    else:
        fee, free = "", False
    rest = rest.strip()
    if rest.startswith("("):
        depth, end = 0, len(rest)
        for i, ch in enumerate(rest):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                end = i + 1
                break
        fee_note, rest = rest[1 : end - 1].strip(), rest[end:].strip()
        if fee_note and fee_note.lower() not in ("không", "không có", NO_INFO.lower()):
            fee = f"{fee} ({fee_note})" if fee else fee_note
    note = _clean(rest)
    amounts = tuple(dict.fromkeys(_amount(m.group(1)) for m in _AMOUNT_IN_TEXT.finditer(fee)))
    if not amounts and (m := _FEE_AMOUNT.match(fee)):
        amounts = (_amount(m.group(1)),)
    return fee, amounts, free and not amounts, note


def parse_submission_methods(text: str) -> list[SubmissionMethod]:
    """The 'Cách thức thực hiện' table: method, time, fee, description per row."""
    text = _clean(text)
    if not text.startswith(_METHODS_HEADER):
        return []
    body = text[len(_METHODS_HEADER) :]
    parts = _METHOD.split(body)
    rows: list[list[str]] = []
    for i in range(1, len(parts), 2):
        segment = parts[i + 1]
        starts_row = (
            bool(_TIME.match(segment))
            or segment.startswith(("Miễn phí", NO_INFO))
            or bool(_FEE_AMOUNT.match(segment))
        )
        if rows and not starts_row:
            rows[-1][1] += parts[i] + segment  # the method word was part of a description
        else:
            rows.append([parts[i], segment])
    methods = []
    for method, segment in rows:
        time_text, days = "", None
        match = _TIME.match(segment)
        if match and not _FEE_AMOUNT.match(segment):
            time_text = match.group(0).strip()
            unit = (match.group(2) or "").lower()
            if unit in _UNIT_DAYS:
                days = float(match.group(1).replace(",", ".")) * _UNIT_DAYS[unit]
            segment = segment[match.end() :]
        fee, amounts, free, note = _split_fee(segment)
        methods.append(
            SubmissionMethod(
                method=method,
                time_text=time_text,
                working_days=days,
                fee_text=fee,
                fee_vnd=amounts,
                free=free,
                note=note,
            )
        )
    return methods


# --- documents ------------------------------------------------------------------------------
_DOCS_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_COUNT = re.compile(r"(\d+) bản (chính|sao)(?:,\s*(\d+) bản (chính|sao))?")
_FORM_FILE = re.compile(
    r"([^\s.;:)]*(?:[ \-_(),][^\s;:]*){0,12}?\.(?:docx?|pdf|xlsx?|rtf|odt))$", re.IGNORECASE
)


def _split_form(name: str) -> tuple[str, str]:
    """Separate a trailing template file name ("Mau NA20-BCA.docx") from the document's name."""
    match = re.search(r"\.(?:docx?|pdf|xlsx?|rtf|odt)$", name, re.IGNORECASE)
    if not match:
        return name, ""
    # The file name starts after the last sentence end (".", ";", ")") before it, if any.
    head = name[: match.start()]
    cut = max(head.rfind(". "), head.rfind("."), head.rfind(";"), head.rfind(")"))
    if cut <= 0:
        return name, ""
    return name[: cut + 1].strip(), name[cut + 1 :].strip()


def parse_documents(text: str) -> list[RequiredDocument]:
    """The 'Thành phần hồ sơ' tables: one entry per document with form and counts."""
    text = _clean(text)
    if _DOCS_HEADER not in text:
        return []
    documents: list[RequiredDocument] = []
    for block_index, block in enumerate(text.split(_DOCS_HEADER)):
        if block_index == 0:
            group = block
            continue
        position = 0
        pending_group = ""
        for match in _COUNT.finditer(block):
            name = block[position : match.start()].strip(" -+•*\n")
            position = match.end()
            counts = {match.group(2): int(match.group(1))}
            if match.group(3):
                counts[match.group(4)] = int(match.group(3))
            name, form = _split_form(name)
            if name:
                documents.append(
                    RequiredDocument(
                        name=name,
                        form=form,
                        originals=counts.get("chính"),
                        copies=counts.get("sao"),
                        group=_clean(group).strip(" -*:") or pending_group,
                    )
                )
        group = block[position:]  # text after the last row heads the next table
    return documents


# --- legal basis ----------------------------------------------------------------------------
_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
_TITLE_START = (
    r"(?:Luật|Bộ luật|Nghị định|Thông tư liên tịch|Thông tư|Quyết định|Nghị quyết|Pháp lệnh|Văn bản|"
    r"Chỉ thị|Công văn|Hiến pháp|Lệnh|Hướng dẫn|Điều ước|Hiệp định)"
)
_NUMBER = r"\d{1,4}(?:\.\d+)?[a-z]?/(?:\d{4}/)?[A-ZĐ][A-ZĐ0-9]*(?:-(?:TTg|[A-ZĐ0-9]+))*"
# A row ends with its number, right before the next title ("…TT-BTCNghị định…", "…NĐ-CP Thông tư…").
_ROW_END = re.compile(rf"({_NUMBER})(?=[A-ZĐ][a-zđà-ỹ]|\s+{_TITLE_START}\b|\s*$)")
_NUMBER_AT_END = re.compile(rf"({_NUMBER})$")


def _split_number(row: str) -> LegalDocument:
    candidates = [i for i in range(len(row)) if row[i].isdigit() and _NUMBER_AT_END.fullmatch(row[i:])]
    for start in candidates:  # prefer a title that names its own number ("Luật … số 27/2023/QH15")
        if row[start:] in row[:start]:
            return LegalDocument(title=row[:start].strip(), number=row[start:])
    for start in candidates:  # else the first number not glued to a digit
        if start > 0 and not row[start - 1].isdigit():
            return LegalDocument(title=row[:start].strip(), number=row[start:])
    return LegalDocument(title=row.strip())


def parse_legal_basis(text: str) -> list[LegalDocument]:
    """The 'Căn cứ pháp lý' table: title and number of each legal document."""
    text = _clean(text)
    if not text.startswith(_LEGAL_HEADER):
        return []
    body = text[len(_LEGAL_HEADER) :]
    rows, position = [], 0
    for match in _ROW_END.finditer(body):
        rows.append(body[position : match.end()].strip())
        position = match.end()
    if body[position:].strip():
        rows.append(body[position:].strip())
    return [_split_number(row) for row in rows if row]


# --- steps, results, levels -----------------------------------------------------------------
_STEP = re.compile(r"(?=Bước\s*\d+\s*[:.\-–])")
_BULLET = re.compile(r"^\s*(?:[-+•*]|\d+[.)]|[a-zđ][.)]|\([a-z0-9]+\))\s*")


def parse_steps(text: str) -> list[str]:
    """Numbered steps ("Bước 1: …") or, failing that, the paragraphs of the text."""
    text = _clean(text)
    if not text:
        return []
    if len(_STEP.findall(text)) >= 2:
        parts = [p.strip() for p in _STEP.split(text)]
        head = parts[0]
        steps = [re.sub(r"\s*\n\s*", " ", p) for p in parts[1:] if p]
        if head:
            steps.insert(0, re.sub(r"\s*\n\s*", " ", head))
        return steps
    paragraphs: list[str] = []
    for line in (line.strip() for line in text.split("\n")):
        if not line:
            continue
        if paragraphs and not _BULLET.match(line) and not paragraphs[-1].endswith((".", ":", ";")):
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
    return paragraphs


_RESULT_CODE = re.compile(r"Mã:\s*KQ\.[A-Z0-9]+\.\d+")
_RESULT_JUNK = re.compile(r"(Từ khóa.*?Mô tả(?:Không có thông tin)?)|(Chọn cơ quan thực hiện.*$)", re.DOTALL)


def parse_results(text: str) -> list[str]:
    """Names of the results (giấy tờ kết quả) without the portal's codes and widgets."""
    text = _clean(text)
    if not text:
        return []
    text = _RESULT_JUNK.sub("\n", text)
    names = [_clean(part).strip(" .;") for part in _RESULT_CODE.split(text)]
    return [name for name in names if name and name != NO_INFO]


def parse_levels(text: str) -> list[str]:
    """Levels of government that carry the procedure out."""
    return [level.strip() for level in _clean(text).split(",") if level.strip()]


# --- the record -----------------------------------------------------------------------------
def parse_record(raw: dict[str, Any]) -> Procedure:
    """One raw catalogue record → Procedure (never raises on odd text)."""
    fallback: dict[str, str] = {}
    methods = parse_submission_methods(raw.get("cach_thuc_thuc_hien", ""))
    documents = parse_documents(raw.get("thanh_phan_ho_so", ""))
    legal = parse_legal_basis(raw.get("can_cu_phap_ly", ""))
    for key, parsed in (
        ("cach_thuc_thuc_hien", methods),
        ("thanh_phan_ho_so", documents),
        ("can_cu_phap_ly", legal),
    ):
        source = _clean(raw.get(key, ""))
        if source and not parsed:
            fallback[key] = source
    return Procedure(
        code=str(raw["ma_thu_tuc"]).strip(),
        name=re.sub(r"\s+", " ", _clean(raw.get("ten_thu_tuc"))),
        url=_clean(raw.get("detail_url")),
        catalogue=CATALOGUES.get(raw.get("catalogue", ""), raw.get("catalogue", "")),
        levels=tuple(parse_levels(raw.get("cap_thuc_hien", ""))),
        sector=_clean(raw.get("linh_vuc")),
        procedure_type=_clean(raw.get("loai_thu_tuc")),
        decision=_clean(raw.get("so_quyet_dinh")),
        applicants=_clean(raw.get("doi_tuong_thuc_hien")),
        competent_agency=_clean(raw.get("co_quan_co_tham_quyen")),
        implementing_agency=_clean(raw.get("co_quan_thuc_hien")),
        receiving_address=_clean(raw.get("dia_chi_tiep_nhan")),
        authorized_agency=_clean(raw.get("co_quan_duoc_uy_quyen")),
        coordinating_agency=_clean(raw.get("co_quan_phoi_hop")),
        steps=tuple(parse_steps(raw.get("trinh_tu_thuc_hien", ""))),
        submission_methods=tuple(methods),
        documents=tuple(documents),
        legal_basis=tuple(legal),
        conditions=_clean(raw.get("yeu_cau_dieu_kien")),
        results=tuple(parse_results(raw.get("ket_qua_xu_ly", ""))),
        related=_clean(raw.get("thu_tuc_lien_quan")),
        fallback=fallback,
    )
