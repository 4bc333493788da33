"""What the FAQ and alias pages share: reading an uploaded file, and sending an export as a download."""

from __future__ import annotations

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse


def too_big(limit: int) -> str:
    """The message for a file over ``limit`` bytes (the pages answer it with 413)."""
    return f"Tệp quá lớn: tối đa {limit // 1024} KB."


def read_upload(request: Request, limit: int) -> tuple[str, str, str]:
    """(text, lower-cased file name, error) of the form's "file" field; error is "" when it could be read."""
    upload = request.files.get("file") if request.files else None
    if upload is None or not upload.body:
        return "", "", "Chưa chọn tệp để nhập."
    if len(upload.body) > limit:
        return "", "", too_big(limit)
    try:
        text = upload.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "", "", "Tệp phải ở dạng văn bản UTF-8."
    return text, (upload.name or "").lower(), ""


def download(text: str, filename: str, media_type: str) -> HTTPResponse:
    """``text`` as an attachment named ``filename`` (UTF-8)."""
    return response.text(
        text,
        content_type=f"{media_type}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
