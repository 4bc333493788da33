"""Shorten catalogue text for a chat bubble without cutting a word or leaving a bracket open.

The catalogue's sentences are long legal prose; a reply keeps the first sentence when it fits,
else the longest run of whole clauses or words, and marks what was dropped with "…".
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"
# Words a shortened phrase must not end on: it would read as cut mid-thought ("… do cơ quan có…").
_DANGLING = {
    "và", "hoặc", "của", "cho", "các", "những", "theo", "tại", "trong", "với", "về", "do", "để", "là",
    "có", "được", "bị", "từ", "đến", "khi", "nếu", "thì", "mà", "như", "một", "số", "đối", "trường",
    "hợp", "người", "cơ", "quan", "bản", "giấy", "tờ", "kèm", "gồm", "bao", "đã", "sẽ", "phải", "nơi",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.;!?](?=\s|$)")
_CLAUSE_END = re.compile(r"[,:](?=\s)|/(?=\S)")  # "Hộ chiếu/Thẻ căn cước/…" lists alternatives


def normalize(text: str) -> str:
    """One line, single spaces, composed accents, no invisible marks (the crawl has both kinds)."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[\u200b-\u200f\u202a-\u202e\ufeff]", "", text)
    return " ".join(text.split())


def _in_link(text: str, position: int) -> bool:
    start = text.rfind(" ", 0, position) + 1
    end = text.find(" ", position)
    token = text[start : end if end >= 0 else len(text)]
    return "://" in token or token.startswith("www.")


def _balanced(text: str) -> str:
    """Drop an unclosed trailing bracket and what follows it (a cut inside "(…" reads badly)."""
    depth, last_open = 0, -1
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                last_open = i
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
    return text[:last_open].rstrip() if depth else text


def _trim_tail(text: str) -> str:
    text = _balanced(text).rstrip(" ,;:-–/(")
    words = text.split(" ")
    while len(words) > 1 and words[-1].lower() in _DANGLING:
        words.pop()
    return " ".join(words).rstrip(" ,;:-–/(")


def clip(text: str, limit: int) -> str:
    """``text`` on one line in at most ``limit`` characters, cut at a sentence, clause or word end."""
    text = normalize(text)
    if len(text) <= limit:
        return text
    window = text[: limit + 1]
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= limit]
    # A whole first sentence beats a longer cut one, unless it is only a few words.
    if sentence_ends and sentence_ends[-1] >= limit * 0.25:
        cut = _balanced(text[: sentence_ends[-1]].rstrip(";").rstrip())
        if len(cut) >= limit * 0.25:
            return cut if cut.endswith((".", "!", "?", ")")) else cut + "."
    room = limit - len(ELLIPSIS)
    clause_ends = [m.start() for m in _CLAUSE_END.finditer(text[: room + 1]) if not _in_link(text, m.start())]
    if clause_ends and clause_ends[-1] >= room * 0.5:
        head = _trim_tail(text[: clause_ends[-1]])
    else:
        head = text[:room]
        if not text[room].isspace():  # never keep half a word
            head = head.rsplit(" ", 1)[0] if " " in head else ""
        head = _trim_tail(head)
    return f"{head}{ELLIPSIS}" if head else text[:room].rsplit(" ", 1)[0] + ELLIPSIS
