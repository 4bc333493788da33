"""Answers about the service centre itself: opening hours, address, hotline, portal, e-mail."""

from __future__ import annotations

import re
from enum import Enum

from bot.settings import ProvinceSettings
from bot.text.vietnamese import fold, strip_diacritics


class OfficeTopic(str, Enum):
    """What a citizen asks about the centre."""

    HOURS = "hours"
    ADDRESS = "address"
    HOTLINE = "hotline"
    WEBSITE = "website"
    EMAIL = "email"


# Accent-free cue phrases; matched on the folded, accent-free question.
_CUES: dict[OfficeTopic, tuple[str, ...]] = {
    OfficeTopic.HOURS: (
        "gio",
        "mo cua",
        "dong cua",
        "thu bay",
        "chu nhat",
        "lam viec",
        "buoi trua",
        "buoi sang",
        "buoi chieu",
        "chieu nay",
        "sang nay",
        "ngay le",
        "tiep nhan ho so",
    ),
    OfficeTopic.ADDRESS: ("dia chi", "o dau", "nam o", "duong den", "cho nao", "cho o", "toa nha"),
    OfficeTopic.HOTLINE: (
        "hotline",
        "dien thoai",
        "duong day nong",
        "tong dai",
        "sdt",
        "goi",
        "lien he",
        "lien lac",
    ),
    OfficeTopic.WEBSITE: ("website", "web", "trang", "cong dich vu cong", "link", "portal"),
    OfficeTopic.EMAIL: ("email", "e-mail", "mail", "thu dien tu"),
}
CONTACT_TOPICS = (OfficeTopic.HOTLINE, OfficeTopic.HOURS, OfficeTopic.ADDRESS)


def topics_asked(question: str) -> list[OfficeTopic]:
    """The topics a question asks about, in a stable order; empty when none is recognisable."""
    words = re.findall(r"[\w-]+", strip_diacritics(fold(question)))
    plain = f" {' '.join(words)} "
    return [topic for topic, cues in _CUES.items() if any(f" {cue} " in plain for cue in cues)]


def describe(settings: ProvinceSettings, topics: list[OfficeTopic] | None = None) -> str:
    """A chat-sized answer on the asked topics (all of them when none was recognised)."""
    centre = settings.centre
    chosen = topics or list(OfficeTopic)
    lines = [f"{centre.name}:"]
    for topic in chosen:
        if topic is OfficeTopic.HOURS and centre.opening_hours:
            hours = "; ".join(f"{item.days}: {item.hours}" for item in centre.opening_hours)
            closed = f"; nghỉ {centre.closed}" if centre.closed else ""
            lines.append(f"• Giờ làm việc: {hours}{closed}.")
        elif topic is OfficeTopic.ADDRESS:
            lines.append(f"• Địa chỉ: {centre.address}.")
        elif topic is OfficeTopic.HOTLINE:
            note = f" ({centre.hotline_note})" if centre.hotline_note else ""
            lines.append(f"• Đường dây nóng: {centre.hotline}{note}.")
        elif topic is OfficeTopic.WEBSITE and (centre.portal_url or centre.national_portal_url):
            portals = " hoặc ".join(url for url in (centre.portal_url, centre.national_portal_url) if url)
            lines.append(f"• Nộp hồ sơ, tra cứu trực tuyến: {portals}.")
        elif topic is OfficeTopic.EMAIL and centre.email:
            lines.append(f"• Thư điện tử: {centre.email}.")
    return "\n".join(lines)
