"""Telling somebody's address from a place name, given the components the matcher found.

:mod:`bot.text.personal_data` matches address components one by one ("xóm Mới", "xã Phú Cường",
"số 8", "15 Trần Hưng Đạo", a bare "Hòa Bình") and the triggers before them ("địa chỉ:",
"tôi ở"); here they are chained and each chain judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc

_SEPARATORS = {",", "-"}


def addresses(
    doc: Doc, found: dict[str, list[tuple[int, int]]], offsets: list[tuple[int, int]], text: str
) -> list[tuple[int, int]]:
    """Chains of address components that are somebody's address.

    Components joined by commas form a chain. A chain is personal data when it holds a fine
    component (lane, hamlet, house number on a street, ...), a house number and a ward or
    commune ("15 Trần Hưng Đạo, phường Phương Lâm"), follows "địa chỉ:" / "thường trú tại"
    (with more than a bare place name), or follows "tôi ở" with two components or more;
    "huyện Lạc Sơn" alone is just a place, "Mẫu số 29 Phụ lục" no address at all. Accent-free
    "ban"/"ap"/"xom" with lower-case words (``amb``) count when a commune follows, and a trailing
    lower-case district without "huyện" (``lbare``: "..., xa phu vinh, tan lac") only extends a chain.
    """
    strong = {_skip_colon(doc, end) for _, end in found.get("addr_strong", [])}
    weak = {_skip_colon(doc, end) for _, end in found.get("addr_weak", [])}
    parts = [
        (start, end, kind)
        for kind in ("fine", "admin", "street", "number", "house", "bare", "amb", "lbare")
        for start, end in found.get(f"addr_{kind}", [])
    ]
    parts.sort(key=lambda p: (p[0], -p[1]))
    chains: list[tuple[int, int, set[str], int]] = []  # start, end, component kinds, groups
    for start, end, kind in parts:
        if kind == "lbare" and not (chains and "admin" in chains[-1][2] and start > chains[-1][1]):
            continue  # a lower-case district only ends a chain: "xa phu vinh, tan lac"
        if chains and _joins(doc, offsets, text, chains[-1][1], start):
            c_start, c_end, kinds, groups = chains[-1]
            groups += start >= c_end
            chains[-1] = (c_start, max(c_end, end), kinds | {kind}, groups)
        elif kind not in ("bare", "lbare") or start in strong:
            chains.append((start, end, {kind}, 1))
    result = []
    for start, end, kinds, groups in chains:
        # After a trigger, a lone bare name ("quê Kim Bôi") is a district, not an address.
        detailed = groups >= 2 or kinds != {"bare"}
        housed = {"house", "admin"} <= kinds
        # "ban"/"ap" + lower-case words is a village only when a commune follows.
        village = {"amb", "admin"} <= kinds and groups >= 2
        if (
            "fine" in kinds
            or housed
            or village
            or (start in strong and detailed)
            or (start in weak and groups >= 2)
        ):
            result.append((start, end))
    return result


def _skip_colon(doc: Doc, index: int) -> int:
    """The token after a trigger, past its colon ("địa chỉ: ...")."""
    return index + 1 if index < len(doc) and doc[index].text == ":" else index


def _joins(doc: Doc, offsets: list[tuple[int, int]], text: str, chain_end: int, start: int) -> bool:
    """True when a component starting at ``start`` continues a chain ending at ``chain_end``."""
    if start <= chain_end:
        return True
    if start - chain_end > 2 or "\n" in text[offsets[chain_end - 1][1] : offsets[start][0]]:
        return False  # a list item on the next line is no part of the address
    return all(t.text in _SEPARATORS for t in doc[chain_end:start])
