"""Wording every answer shares: what to say when the portal's record leaves an aspect empty."""

from __future__ import annotations


def not_recorded(what: str, ask: str = "nơi tiếp nhận hồ sơ") -> str:
    """The portal does not give ``what``: look at its page (the citation carries the link) or ask ``ask``."""
    return (
        f"Cổng Dịch vụ công chưa ghi {what} của thủ tục này. Anh/chị xem trang thủ tục theo đường dẫn "
        f"bên dưới hoặc hỏi {ask}."
    )
