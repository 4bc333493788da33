"""What a citizen gets from the first reply to a question: cited, reached, misled (issue 9's measures).

- **direct**: the reply's source line cites a gold procedure;
- **reach**: a gold procedure is cited, or offered as a one-click choice (a button whose payload sets it);
- **misled**: the reply cites a wrong procedure as its answer and does not offer a gold one;
- **cites**: the reply cites some procedure as its answer (out of the catalogue: a confident wrong answer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CITATION = re.compile(r"Nguồn: .*?\(mã (\d+\.\d{6})\)")
CHOICE = re.compile(r'"procedure_code":\s*"(\d+\.\d{6})"')


@dataclass(frozen=True)
class Outcome:
    """The measures of one reply."""

    direct: bool
    reach: bool
    misled: bool
    cites: bool


def cited_codes(messages: Sequence[dict]) -> list[str]:
    """Procedure codes the replies present as the answer's source (not the candidates offered as buttons)."""
    return [code for message in messages for code in CITATION.findall(message.get("text") or "")]


def offered_codes(messages: Sequence[dict]) -> list[str]:
    """Procedure codes one click away: every button whose payload sets a procedure."""
    payloads = [b.get("payload") or "" for m in messages for b in m.get("buttons") or []]
    return [code for payload in payloads for code in CHOICE.findall(payload)]


def outcome(cited: Iterable[str], offered: Iterable[str], gold: Iterable[str]) -> Outcome:
    """The measures, from the codes cited and offered and the gold codes (none: not in the catalogue)."""
    cited, offered, gold = set(cited), set(offered), set(gold)
    direct = bool(cited & gold)
    reach = direct or bool(offered & gold)
    return Outcome(direct=direct, reach=reach, misled=bool(cited) and not reach, cites=bool(cited))


def reply_outcome(messages: Sequence[dict], gold: Iterable[str]) -> Outcome:
    """The measures of a reply as the REST channel returns it."""
    return outcome(cited_codes(messages), offered_codes(messages), gold)


def shares(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """Each measure as a share of the questions."""
    n = len(outcomes) or 1
    return {
        "direct": round(sum(o.direct for o in outcomes) / n, 4),
        "reach": round(sum(o.reach for o in outcomes) / n, 4),
        "misled": round(sum(o.misled for o in outcomes) / n, 4),
        "cites": round(sum(o.cites for o in outcomes) / n, 4),
    }
