"""The fee answer: each way to submit with its fees in đồng, the kind, and the rule where a value misleads.

Methods with the same fees share a line. A method with a list of fees (one per case: "X-quang chụp răng",
"chụp vú"…) shows one line per amount, the cases it covers beside it; every amount stays visible, the
cases are shortened first when the list is long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.fees import (
    MIN_DONG_VALUE,
    describe_fee,
    format_vnd,
    has_own_label,
    in_dong,
    is_free,
    kind_label,
    same_fees,
    short_description,
    states_its_currency,
    vietnamese_amounts,
)
from bot.knowledge.model import Fee, Procedure, SubmissionMethod
from bot.services.clipping import clip
from bot.services.portal_wording import not_recorded

# A phone screen and a bit: a list of up to 14 amounts (the catalogue's longest) stays whole. The bubble
# limit itself is enforced by compose().
TARGET_CHARS = 1200
NOT_GIVEN = "Cổng chưa có thông tin phí, lệ phí"


@dataclass(frozen=True)
class _Budget:
    single_chars: int  # the rule beside a method's only fee
    item_chars: int  # the cases beside one amount of a list
    items: int  # lines of a list shown per method


# From generous to tight; the first that fits the target is used. Amounts are never dropped before cases.
_BUDGETS = (
    _Budget(220, 110, 14),
    _Budget(160, 80, 14),
    _Budget(120, 60, 14),
    _Budget(90, 40, 14),
    _Budget(70, 30, 10),
    _Budget(60, 0, 8),
)


@dataclass
class _Group:
    """Submission methods that cost the same."""

    methods: list[str]
    fees: tuple[Fee, ...]
    text: str  # the older crawl's fee text, where the record has no typed fees


def _crawl_text(method: SubmissionMethod) -> str:
    # The flattened crawl read "Không có thông tin(1) Trường hợp …" as the fee "1": a case number, no fee.
    text = method.fee_text.strip()
    return "" if re.fullmatch(r"\d{1,2}", text) else vietnamese_amounts(text)


def _groups(procedure: Procedure) -> list[_Group]:
    groups: list[_Group] = []
    for method in procedure.submission_methods:
        text = "" if method.fees else _crawl_text(method)
        for group in groups:
            if same_fees(group.fees, method.fees) if method.fees else not group.fees and group.text == text:
                if method.method not in group.methods:
                    group.methods.append(method.method)
                break
        else:
            groups.append(_Group([method.method], method.fees, text))
    return groups


def _priced(fees: tuple[Fee, ...]) -> list[Fee]:
    """The fees worth a line: a free part beside a priced one says nothing."""
    shown = [fee for fee in fees if not is_free(fee)]
    return shown or list(fees[:1])


def _cases(cases: list[str], limit: int) -> str:
    """The cases one amount covers, whole ones while they fit, "…" for the rest."""
    if not cases or limit <= 0:
        return ""
    shown = [clip(cases[0], limit)]
    for case in cases[1:]:
        if shown[-1].endswith("…"):
            break
        if len("; ".join(shown)) + len(case) + 2 > limit:
            return "; ".join(shown) + "; …"
        shown.append(case)
    return "; ".join(shown)


def _list_lines(fees: list[Fee], budget: _Budget) -> list[str]:
    """One line per amount (the cases it covers beside it), then the rules without an amount."""
    mixed = len({fee.kind for fee in fees}) > 1
    entries: dict[tuple[str, int, str], list[str]] = {}
    for fee in fees:
        description = short_description(fee.description).rstrip(" .:;")
        if fee.value > 0 and not states_its_currency(fee):
            key = (fee.kind, fee.value, "")
        else:  # a rule, a "free", or an amount the description states with its currency ("10 USD/lần")
            key = (fee.kind, fee.value, description or "Miễn phí")
        cases = entries.setdefault(key, [])
        if description and not key[2] and description not in cases:
            cases.append(description)
    lines = []
    for (kind, value, said), cases in entries.items():
        if said:
            text = clip(said, max(budget.item_chars, 60))
        else:
            amount = format_vnd(value) if value >= MIN_DONG_VALUE else f"mức {value}"
            joined = _cases(cases, budget.item_chars)
            text = f"{amount}: {joined}" if joined else amount
        prefix = ""
        if mixed and not has_own_label(said or (cases or [""])[0]):
            prefix = f"{kind_label(kind)}: " if said else f"{kind_label(kind)} "
        lines.append(f"  – {prefix}{text}")
    if len(lines) > budget.items:
        hidden = len(lines) - budget.items
        lines = lines[: budget.items] + [f"  … và {hidden} mức khác (xem đường dẫn bên dưới)"]
    if any(0 < fee.value < MIN_DONG_VALUE and not states_its_currency(fee) for fee in fees):
        lines.append("  (Cổng ghi các mức trên không kèm đơn vị tiền.)")
    return lines


def _group_lines(group: _Group, budget: _Budget) -> list[str]:
    label = ", ".join(group.methods)
    if not group.fees:
        return [f"• {label}: {clip(group.text, budget.single_chars) if group.text else NOT_GIVEN}"]
    fees = _priced(group.fees)
    said = list(dict.fromkeys(describe_fee(fee, budget.single_chars) for fee in fees))
    if len(said) == 1:
        return [f"• {label}: {said[0]}"]
    kinds = {fee.kind for fee in fees}
    kind = f" — {kind_label(kinds.pop()).lower()} theo từng trường hợp" if len(kinds) == 1 else ""
    return [f"• {label}{kind}:", *_list_lines(fees, budget)]


def fees(procedure: Procedure) -> list[str]:
    """Fee by submission method, as the record types it."""
    groups = _groups(procedure)
    if not any(group.fees or group.text for group in groups):
        return [not_recorded("phí, lệ phí")]
    lines: list[str] = []
    for budget in _BUDGETS:
        lines = ["Phí, lệ phí theo hình thức nộp:"]
        for group in groups:
            lines.extend(_group_lines(group, budget))
        if len("\n".join(lines)) <= TARGET_CHARS:
            break
    return lines


def _short(group: _Group) -> str:
    """A group's fees in a few words: the amount(s) in đồng, else the first rule."""
    fees_ = _priced(group.fees)
    amounts = sorted({fee.value for fee in fees_ if in_dong(fee)})
    if len(amounts) > 1:
        return f"từ {format_vnd(amounts[0])} đến {format_vnd(amounts[-1])} tùy trường hợp"
    if amounts:
        kind = next(fee.kind for fee in fees_ if fee.value == amounts[0])
        return f"{kind_label(kind)} {format_vnd(amounts[0])}"
    odd = sorted({fee.value for fee in fees_ if fee.value > 0 and not states_its_currency(fee)})
    if odd:
        said = f"mức {odd[0]}" if len(odd) == 1 else f"các mức từ {odd[0]} đến {odd[-1]} tùy trường hợp"
        return f"{kind_label(fees_[0].kind)}: {said} (Cổng không ghi đơn vị tiền)"
    if fees_:
        more = f" (và {len(fees_) - 1} mức khác)" if len(fees_) > 1 else ""
        return clip(describe_fee(fees_[0], 80), 100) + more
    return clip(group.text, 80)


def fee_summary(procedure: Procedure) -> str:
    """The fees on one line for the overview ("Lệ phí 160.000 đồng (Trực tuyến); …"), "" when none."""
    groups = [group for group in _groups(procedure) if group.fees or group.text]
    parts = [f"{_short(g)} ({', '.join(g.methods)})" if len(groups) > 1 else _short(g) for g in groups]
    return clip("; ".join(dict.fromkeys(parts)), 240) if parts else ""
