"""Province settings: the one file that differs between deployments (province.yml)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PROVINCE_FILE = PROJECT_ROOT / "province.yml"


@dataclass(frozen=True)
class OpeningHours:
    """Opening hours for a group of days."""

    days: str
    hours: str


@dataclass(frozen=True)
class ServiceCentre:
    """The province's public-administration service centre (Trung tâm Phục vụ hành chính công)."""

    name: str
    address: str
    hotline: str
    hotline_note: str = ""
    email: str = ""
    portal_url: str = ""
    national_portal_url: str = "https://dichvucong.gov.vn"
    opening_hours: tuple[OpeningHours, ...] = field(default_factory=tuple)
    closed: str = ""


@dataclass(frozen=True)
class ProvinceSettings:
    """Everything province-specific the assistant needs."""

    name: str
    full_name: str
    centre: ServiceCentre
    dossier_code_pattern: str
    dossier_code_example: str
    # province.yml's one_stop_system.status_provider, read by bot.services.dossier_status.make_provider
    status_provider: dict[str, Any] = field(default_factory=dict)
    # Web pages allowed to call the Rasa server from a browser (CORS): the portals embedding the widget.
    allowed_origins: tuple[str, ...] = ()
    # Conversations and records untouched for this many days are deleted (`citizenbot purge`, daily).
    retention_days: int = 365
    # The names the province had before the 2025 mergers ("Hòa Bình", "Vĩnh Phúc"): a citizen may still
    # write them, and a procedure published under one applies here.
    former_names: tuple[str, ...] = ()
    # The levels a citizen of the province goes to, in order of preference, for siblings that differ only
    # by level (the commune and the province before a ministry).
    citizen_levels: tuple[str, ...] = ("Cấp xã", "Cấp tỉnh", "Cấp bộ")

    @property
    def all_names(self) -> tuple[str, ...]:
        """The province's name and its former names."""
        return (self.name, *self.former_names)

    def is_dossier_code(self, text: str) -> bool:
        """True when ``text`` is exactly one dossier code of the configured one-stop system."""
        return re.fullmatch(self.dossier_code_pattern, text.strip()) is not None

    def find_dossier_code(self, text: str) -> str | None:
        """The first dossier code written in ``text`` (spaces around its dashes tolerated), upper-cased."""
        compact = re.sub(r"\s*-\s*", "-", text.strip())
        found = re.search(self.dossier_code_pattern, compact)
        return found.group(0).upper() if found else None


def _require(section: dict[str, Any], key: str, where: str) -> Any:
    if key not in section or section[key] in (None, ""):
        raise ConfigurationError(f"{where}: missing '{key}'")
    return section[key]


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d{1,5})?")


def browser_origin(value: str) -> str:
    """``value`` if it is one origin, scheme://host[:port] (a command line's type); ValueError if not."""
    if not _ORIGIN.fullmatch(value):
        raise ValueError(f"'{value}' is not scheme://host[:port]")
    return value


def _origins(web: dict[str, Any], source: str) -> tuple[str, ...]:
    origins = web.get("allowed_origins") or []
    if not isinstance(origins, list):
        raise ConfigurationError(f"{source}: web.allowed_origins must be a list of origins")
    for origin in origins:
        # "*" would hand every site on the internet a citizen's open conversation.
        if not isinstance(origin, str) or not _ORIGIN.fullmatch(origin):
            raise ConfigurationError(f"{source}: web.allowed_origins: '{origin}' is not scheme://host[:port]")
    return tuple(origins)


def _retention_days(raw: dict[str, Any], source: str) -> int:
    days = (raw.get("retention") or {}).get("days", 365)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ConfigurationError(f"{source}: retention.days must be a whole number of days ≥ 1")
    return days


def parse_settings(raw: dict[str, Any], source: str = "province.yml") -> ProvinceSettings:
    """Build settings from the parsed YAML mapping, naming what is missing."""
    province = raw.get("province") or {}
    centre = raw.get("service_centre") or {}
    one_stop = raw.get("one_stop_system") or {}
    pattern = str(_require(one_stop, "dossier_code_pattern", source))
    try:
        re.compile(pattern)
    except re.error as error:
        raise ConfigurationError(f"{source}: dossier_code_pattern is not a regex: {error}") from error
    return ProvinceSettings(
        name=str(_require(province, "name", source)),
        full_name=str(province.get("full_name") or province["name"]),
        centre=ServiceCentre(
            name=str(_require(centre, "name", source)),
            address=str(_require(centre, "address", source)),
            hotline=str(_require(centre, "hotline", source)),
            hotline_note=str(centre.get("hotline_note") or ""),
            email=str(centre.get("email") or ""),
            portal_url=str(centre.get("portal_url") or ""),
            national_portal_url=str(centre.get("national_portal_url") or "https://dichvucong.gov.vn"),
            opening_hours=tuple(
                OpeningHours(days=str(item["days"]), hours=str(item["hours"]))
                for item in centre.get("opening_hours") or []
            ),
            closed=str(centre.get("closed") or ""),
        ),
        dossier_code_pattern=pattern,
        dossier_code_example=str(one_stop.get("dossier_code_example") or ""),
        status_provider=dict(one_stop.get("status_provider") or {}),
        allowed_origins=_origins(raw.get("web") or {}, source),
        retention_days=_retention_days(raw, source),
        former_names=_names(province.get("former_names"), f"{source}: province.former_names"),
        citizen_levels=_names(province.get("citizen_levels"), f"{source}: province.citizen_levels")
        or ("Cấp xã", "Cấp tỉnh", "Cấp bộ"),
    )


def _names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigurationError(f"{where} must be a list of names")
    return tuple(v.strip() for v in value)


def load_settings(path: Path | None = None) -> ProvinceSettings:
    """Read province settings from ``path``, $CITIZENBOT_PROVINCE_FILE or province.yml."""
    chosen = path or Path(os.environ.get("CITIZENBOT_PROVINCE_FILE", DEFAULT_PROVINCE_FILE))
    try:
        raw = yaml.safe_load(chosen.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigurationError(f"cannot read province settings {chosen}: {error}") from error
    return parse_settings(raw, str(chosen))
