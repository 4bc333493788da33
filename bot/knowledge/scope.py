"""Which procedures apply to this province's citizens: the national ones and the province's own.

A procedure that a province published for itself ("UBND tỉnh Đắk Lắk") applies only there: the index of
another province never holds it, so it can never be cited as applicable. Names are compared without
diacritics and case, so "Hoà Bình" (old tone-mark style) and "Hòa Bình" are one province.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.knowledge.model import Procedure
from bot.text.vietnamese import strip_diacritics


def _key(name: str) -> str:
    return " ".join(strip_diacritics(name).lower().split())


@dataclass(frozen=True)
class ProvinceScope:
    """The configured province and the names it had before the 2025 mergers."""

    name: str
    former_names: tuple[str, ...] = ()
    full_name: str = ""  # "tỉnh Phú Thọ", "thành phố Hà Nội"; "tỉnh <name>" when not given

    @property
    def title(self) -> str:
        """The province as a sentence names it ("tỉnh Phú Thọ")."""
        return self.full_name or f"tỉnh {self.name}"

    @property
    def publisher(self) -> str:
        """The publisher recorded on a procedure the province adds without naming one."""
        return f"UBND {self.title}"

    def is_home(self, province: str) -> bool:
        """True when ``province`` is this province under its current or a former name."""
        return _key(province) in {_key(n) for n in (self.name, *self.former_names)}

    def applies(self, procedure: Procedure) -> bool:
        """National procedures and this province's own apply here."""
        return not procedure.scope_province or self.is_home(procedure.scope_province)


@dataclass(frozen=True)
class ScopeReport:
    """What a build kept and what it left out, by the province that published it."""

    kept: int
    left_out: Counter[str]

    def lines(self) -> list[str]:
        """Human-readable lines for `kb build`."""
        total = sum(self.left_out.values())
        if not total:
            return [f"in scope: {self.kept} procedures; none left out"]
        top = ", ".join(f"{name} {count}" for name, count in self.left_out.most_common(8))
        more = len(self.left_out) - 8
        return [
            f"in scope: {self.kept} procedures; left out {total} that {len(self.left_out)} other provinces "
            f"published for themselves (they apply only there): {top}"
            + (f", … {more} more" if more > 0 else "")
        ]


def partition(procedures: Iterable[Procedure], scope: ProvinceScope) -> tuple[list[Procedure], ScopeReport]:
    """The procedures that apply in ``scope``, and a report of those left out."""
    kept: list[Procedure] = []
    left_out: Counter[str] = Counter()
    for procedure in procedures:
        if scope.applies(procedure):
            kept.append(procedure)
        else:
            left_out[procedure.scope_province] += 1
    return kept, ScopeReport(len(kept), left_out)


def configured_scope() -> ProvinceScope:
    """The scope of province.yml ($CITIZENBOT_PROVINCE_FILE)."""
    from bot.settings import load_settings

    settings = load_settings()
    return ProvinceScope(settings.name, settings.former_names, settings.full_name)
