"""The confirmations shown after a change to the assistant's knowledge (FAQ, aliases) and its redirect."""

from __future__ import annotations

from sanic.request import Request

INDEX_FAILED = (
    "Đã lưu, nhưng chưa cập nhật được công cụ tìm kiếm; trợ lý sẽ dùng nội dung mới khi khởi động lại."
)


def change_notice(request: Request, notices: dict[str, str]) -> str:
    """The notice named by ``?ok=`` (never text from the URL), with import counts and the update's time."""
    notice = notices.get(request.args.get("ok", ""), "")
    if notice and request.args.get("ok") == "import":
        notice += (
            f" Thêm mới {_count(request, 'created')}, cập nhật {_count(request, 'changed')},"
            f" giữ nguyên {_count(request, 'same')}."
        )
    took = request.args.get("took")
    if notice and took:
        try:
            shown = f"{float(took):.2f}".replace(".", ",")
        except ValueError:
            return notice
        notice += f" Trợ lý dùng nội dung mới từ câu hỏi tiếp theo (cập nhật mất {shown} giây)."
    return notice


def index_error(request: Request) -> str:
    """The warning when the change was saved but the search engine could not take it."""
    return INDEX_FAILED if request.args.get("index") == "failed" else ""


def _count(request: Request, name: str) -> int:
    try:
        return int(request.args.get(name) or 0)
    except ValueError:
        return 0
