"""The dossier answer: what to fill in, hand in and show, within a phone screen.

Forms come first with the template file the portal attaches to them (downloaded from the procedure's
page, the link of the citation) or, for the older crawl, the template code their name gives; then
the papers to submit or present with their counts ("1 bản chính, 1 bản sao"), then each case on one
line, one note for the citizen, and a pointer to the portal for what was left out. When the dossier
is long, fewer items and shorter lines are shown, never the forms dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.knowledge.model import Procedure, RequiredDocument
from bot.services.clipping import clip, normalize
from bot.services.dossier_rows import (
    CASE_START,
    FORM_PHRASE,
    Kind,
    Row,
    form_key,
    note_for_citizen,
    rows,
    template_code,
    template_files,
    without_channel,
)

TARGET_CHARS = 950  # a phone screen; the bubble limit itself is enforced by compose()
FILE_CHARS = 48  # a template's file name beside its form
DOWNLOAD_NOTE = "  (Tải tệp mẫu tại trang thủ tục trên Cổng, đường dẫn ở cuối tin nhắn.)"


@dataclass(frozen=True)
class Case:
    """One "Tùy trường hợp" line: a case heading or remark, and the papers only it needs."""

    heading: str
    papers: list[Row] = field(default_factory=list)
    source: Row | None = None  # the row that is itself the case, when it is one


@dataclass(frozen=True)
class Dossier:
    """A procedure's rows sorted into what the answer shows."""

    forms: list[Row]
    submit: list[Row]
    present: list[Row]
    cases: list[Case]
    notes: list[Row]
    keys: frozenset[str]  # every distinct row, to count what the answer leaves out

    @classmethod
    def of(cls, procedure: Procedure) -> Dossier:
        """Shared papers once; each specific heading (a case) with the papers only it lists."""
        classified = [row for row in rows(procedure) if row.kind is not Kind.SKIP]
        sections = list(dict.fromkeys(row.section for row in classified if row.section))
        spread: dict[str, set[str]] = {}
        for row in classified:
            spread.setdefault(row.key, set()).add(row.section)
        # A paper listed under most headings belongs to every dossier, not to one case.
        shared_at = max(2, (len(sections) + 1) // 2)

        def common(row: Row) -> bool:
            return "" in spread[row.key] or len(spread[row.key]) >= shared_at

        main = [row for row in classified if common(row)]
        # The same form listed twice (once with its template attached) is shown with the template.
        form_rows_ = sorted(
            (row for row in classified if row.kind is Kind.FORM), key=lambda r: not r.document.template
        )
        forms = _unique(form_rows_, form_key)
        forms.sort(key=lambda row: ("điện tử" in row.text.lower(), not common(row)))  # paper forms first
        form_rows = {row.key for row in classified if row.kind is Kind.FORM}
        case_rows = [
            row
            for row in main
            if row.kind is Kind.CASE or (row.kind is Kind.FORM and CASE_START.match(row.text))
        ]
        cases = [Case(row.text, source=row) for row in _unique(case_rows)]
        for section in sections:
            own = _unique(
                row
                for row in classified
                if row.section == section and not common(row) and row.key not in form_rows
                and row.kind in (Kind.SUBMIT, Kind.PRESENT, Kind.CASE)
            )  # fmt: skip
            own.sort(key=lambda row: row.kind is Kind.CASE)  # papers before remarks
            cases.append(Case(section, own))
        # Cases that bring papers of their own matter more to the citizen than remarks about a case.
        cases.sort(key=lambda case: not (case.papers or _names_paper(case.heading)))
        return cls(
            forms=forms,
            submit=_unique(row for row in main if row.kind is Kind.SUBMIT),
            present=_unique(row for row in main if row.kind is Kind.PRESENT),
            cases=cases,
            notes=[
                row for row in _unique(r for r in classified if r.kind is Kind.NOTE) if note_for_citizen(row)
            ],
            keys=frozenset(row.key for row in classified),
        )


def _unique(items: Iterable[Row], key: Callable[[Row], str] = lambda row: row.key) -> list[Row]:
    seen: dict[str, Row] = {}
    for row in items:
        seen.setdefault(key(row), row)
    return list(seen.values())


def _names_paper(text: str) -> bool:
    return bool(re.search(r"\b(?:phải có|nộp|kèm theo|bổ sung)\b", text))


# --- lines ------------------------------------------------------------------------------------
def _count(document: RequiredDocument) -> str:
    parts = [f"{document.originals} bản chính"] if document.originals else []
    if document.copies:
        parts.append(f"{document.copies} bản sao")
    return f" ({', '.join(parts)})" if parts else ""


def _label(text: str, limit: int, capital: bool = True) -> str:
    """A clipped name without the list punctuation it ends on ("…;", "….")."""
    text = clip(text, limit)
    if capital:
        text = text[:1].upper() + text[1:]
    return text if text.endswith(("…", ")")) else text.rstrip(" .;,:")


def _file_name(name: str) -> str:
    """A template's file name; a long one keeps its first words and its extension (what opens it)."""
    name = normalize(name)
    if len(name) <= FILE_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 5:
        stem, extension = name, ""
    head = stem[: FILE_CHARS - len(extension) - 2]
    cut = max(head.rfind(mark) for mark in " -")  # "_" joins a word ("BNNMT_02"): no cut there
    if cut < len(head) // 2:  # one long word ("Maudondenghicap…docx"): whole, as the portal lists it
        return name
    return f"{head[:cut].rstrip(' _-.')}…" + (f".{extension}" if extension else "")


def _form_line(row: Row, limit: int) -> str:
    text = row.text
    if CASE_START.match(text) and (phrase := FORM_PHRASE.search(text)):
        text = phrase.group(0)  # the form inside a case row ("Trường hợp …, hồ sơ gồm: Đơn … Mẫu số 11")
    text, channel = without_channel(text)
    files = template_files(row.document)
    label = _label(text, limit)
    code = template_code(row)
    if code and code.lower() not in label.lower() and not any(code.lower() in f.lower() for f in files):
        label = f"{label} — mẫu {code}"
    if channel:
        label += f" ({channel})"
    line = f"• {label}{_count(row.document)}"
    if files:
        more = f" và {len(files) - 1} tệp khác" if len(files) > 1 else ""
        line += f"; tệp mẫu: {_file_name(files[0])}{more}"
    return line


def _paper_line(row: Row, limit: int) -> str:
    return f"• {_label(without_channel(row.text)[0], limit)}{_count(row.document)}"


def _case_text(text: str, limit: int) -> str:
    """A long "Trường hợp X thì Y" keeps some of Y, the part the citizen acts on."""
    text = normalize(text)
    condition, then, consequence = text.partition(" thì ")
    if len(text) <= limit or not then or len(condition) < limit // 2:
        return _label(text, limit)
    head = clip(condition, limit // 2)
    return f"{head} thì {_label(consequence, max(30, limit - len(head) - 5), capital=False)}"


def _case_line(case: Case, limit: int) -> str:
    if not case.papers:
        return f"• {_case_text(case.heading, limit)}"
    head = _label(case.heading, min(80, limit // 2))
    paper = _label(without_channel(case.papers[0].text)[0], max(40, limit - len(head)))
    more = f" (và {len(case.papers) - 1} giấy tờ khác)" if len(case.papers) > 1 else ""
    return f"• {head}: {paper}{more}"


def _and(parts: list[str]) -> str:
    return ", ".join(parts[:-1]) + f" và {parts[-1]}" if len(parts) > 1 else "".join(parts)


def _summary(dossier: Dossier) -> str:
    return f"Hồ sơ gồm {_contents(dossier)}:"


def _contents(dossier: Dossier) -> str:
    parts = [
        f"{len(items)} {what}"
        for items, what in (
            (dossier.forms, "mẫu đơn/tờ khai"),
            (dossier.submit, "giấy tờ nộp"),
            (dossier.present, "giấy tờ xuất trình"),
        )
        if items
    ]
    if not parts:
        return "các giấy tờ theo từng trường hợp"
    cases = f"; có {len(dossier.cases)} trường hợp riêng" if dossier.cases else ""
    return f"{_and(parts)}{cases}"


# --- layout -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Budget:
    forms: int
    papers: int
    present: int
    cases: int
    notes: int
    item_chars: int
    form_chars: int  # a form's name runs longer: the template codes it names ("mẫu TK01 …; mẫu TK01a …")


# From generous to tight; the first that fits the target is used. Cases and notes go before papers,
# papers before forms.
_BUDGETS = (
    _Budget(3, 6, 3, 4, 1, 130, 170),
    _Budget(3, 6, 3, 3, 1, 110, 150),
    _Budget(3, 5, 3, 2, 0, 100, 150),
    _Budget(3, 5, 3, 2, 0, 85, 150),
    _Budget(3, 4, 2, 1, 0, 80, 150),
    _Budget(3, 3, 2, 1, 0, 70, 130),
    _Budget(2, 2, 1, 0, 0, 60, 100),
)


def _render(dossier: Dossier, budget: _Budget) -> list[str]:
    lines = [_summary(dossier)]
    shown: set[str] = set()

    def listing(
        title: str, items: list[Row], cap: int, line: Callable[[Row, int], str], chars: int = 0
    ) -> None:
        if not items or cap <= 0:
            return
        lines.append(title)
        lines.extend(line(row, chars or budget.item_chars) for row in items[:cap])
        shown.update(row.key for row in items[:cap])
        if len(items) > cap:
            lines.append(f"  … và {len(items) - cap} mục khác")

    listing("Mẫu cần điền:", dossier.forms, budget.forms, _form_line, budget.form_chars)
    if any(template_files(row.document) for row in dossier.forms[: budget.forms]):
        lines.append(DOWNLOAD_NOTE)
    listing("Giấy tờ cần nộp:", dossier.submit, budget.papers, _paper_line)
    listing(
        "Giấy tờ cần xuất trình (mang bản chính để đối chiếu):", dossier.present, budget.present, _paper_line
    )
    if dossier.cases and budget.cases > 0:
        lines.append("Tùy trường hợp:")
        for case in dossier.cases[: budget.cases]:
            lines.append(_case_line(case, budget.item_chars))
            shown.update(row.key for row in ([case.source] if case.source else []) + case.papers[:1])
        if len(dossier.cases) > budget.cases:
            lines.append(f"  … và {len(dossier.cases) - budget.cases} trường hợp khác")
    if budget.notes and dossier.notes:
        lines.append(f"Lưu ý: {clip(note_for_citizen(dossier.notes[0]), budget.item_chars)}")
        shown.add(dossier.notes[0].key)
    hidden = len(dossier.keys - shown)
    lines.append(
        f"Còn {hidden} mục khác (lưu ý, giấy tờ theo trường hợp riêng): xem đầy đủ tại đường dẫn bên dưới."
        if hidden
        else "Biểu mẫu và chi tiết từng giấy tờ: xem tại đường dẫn bên dưới."
    )
    return lines


def _fallback(procedure: Procedure) -> list[str]:
    text = normalize(procedure.fallback.get("thanh_phan_ho_so", ""))
    text = text.replace("Tên giấy tờMẫu đơn, tờ khaiSố lượng", ": ").strip(" -:;.)")
    # The crawl sometimes stored the steps here instead of the dossier; those must not pose as documents.
    if len(text) < 30 or not text[:1].isupper() or re.search(r"\bBước\s*\d", text):
        return [
            "Cổng Dịch vụ công chưa hiển thị được danh sách thành phần hồ sơ của thủ tục này; "
            "anh/chị xem tại đường dẫn bên dưới hoặc hỏi nơi tiếp nhận hồ sơ."
        ]
    return ["Thành phần hồ sơ (theo Cổng Dịch vụ công):", clip(text, 600)]


def documents(procedure: Procedure, target: int = TARGET_CHARS) -> list[str]:
    """The dossier as lines: forms first, papers with counts, cases, one note, the pointer."""
    if not procedure.documents:
        return _fallback(procedure)
    dossier = Dossier.of(procedure)
    if not (dossier.forms or dossier.submit or dossier.present or dossier.cases):
        return _fallback(procedure)  # only notes or headings were recovered: the portal's own text says more
    for budget in _BUDGETS:
        lines = _render(dossier, budget)
        if len("\n".join(lines)) <= target:
            break
    return lines


def dossier_summary(procedure: Procedure) -> str:
    """What the dossier holds, counted ("2 mẫu đơn/tờ khai và 2 giấy tờ xuất trình"), for the overview."""
    return _contents(Dossier.of(procedure))
