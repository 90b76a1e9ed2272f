"""What an evidence file may be: PDF, JPG or PNG by its name and by its first
bytes (a renamed file is refused), at most 10 MB each and 5 per application."""

from __future__ import annotations

from pathlib import PurePath

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
# Suffix → (content type, signature the file must start with)
ALLOWED = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
}
# A request carrying more than this cannot be a valid application: refused outright.
MAX_REQUEST_BYTES = MAX_FILES * MAX_BYTES + 1024 * 1024


def content_type_of(name: str) -> str:
    return ALLOWED[PurePath(name).suffix.lower()][0]


def _head(upload, n: int = 8) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def file_errors(files: list) -> list[str]:
    """Every reason the files cannot be accepted, in Chinese; empty when they can."""
    if not files:
        return ["请上传证明材料（PDF、JPG 或 PNG）"]
    errors = []
    if len(files) > MAX_FILES:
        errors.append(f"最多上传 {MAX_FILES} 个文件，本次选择了 {len(files)} 个")
    for f in files:
        name = f.name or "（无名文件）"
        suffix = PurePath(name).suffix.lower()
        if suffix not in ALLOWED:
            errors.append(f"文件“{name}”的类型不允许：只接受 PDF、JPG、PNG")
            continue
        if f.size > MAX_BYTES:
            errors.append(f"文件“{name}”大小 {f.size / 1024 / 1024:.1f} MB，超过 10 MB")
            continue
        if f.size == 0:
            errors.append(f"文件“{name}”是空文件")
            continue
        if not _head(f).startswith(ALLOWED[suffix][1]):
            errors.append(f"文件“{name}”的内容不是{suffix[1:].upper()}文件")
    return errors
