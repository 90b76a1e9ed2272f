"""The web page's imports: keep an uploaded file, run it as a dry run in the
background, and on the city admin's confirmation run it for real. The views only
call these; the work itself is service.run_import, in a django-tasks task."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ..models import ImportLog
from .columns import spec_for
from .reading import ALLOWED_SUFFIXES, suffix_of
from .values import visible


class UploadRefused(Exception):
    """The upload is not accepted; the message is shown on the page."""


def import_root() -> Path:
    return Path(settings.ZJTX_IMPORT_ROOT)


def stored_file(log: ImportLog) -> Path:
    return import_root() / log.stored_path


def accept_upload(*, kind: str, upload, user, constants: dict | None = None) -> ImportLog:
    """Keep the uploaded file and start its dry run (a preview of every change and
    every bad row); nothing is written to the registry until the admin confirms."""
    spec_for(kind)  # refuses an unknown kind
    name = visible(Path(upload.name or "").name)[:255]  # kept, listed and exported: no NUL or control
    suffix = suffix_of(name)
    if suffix == ".xls":
        raise UploadRefused("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再上传")
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadRefused("只能上传 .xlsx 或 .csv 文件")
    limit = settings.ZJTX_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise UploadRefused(f"文件过大（{upload.size / 2**20:.1f} MB），不能超过 {limit // 2**20} MB")
    if upload.size == 0:
        raise UploadRefused("文件是空的")
    relative = Path(timezone.localdate().strftime("%Y/%m")) / f"{uuid.uuid4().hex}{suffix}"
    target = import_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    if suffix == ".xlsx" and not _is_zip(target):
        target.unlink()
        raise UploadRefused("文件不是有效的 .xlsx 工作簿（可能已损坏，或是改了扩展名的其他文件）")
    log = ImportLog.objects.create(
        kind=kind, dry_run=True, source=ImportLog.Source.WEB, user=user, actor=user.get_username(),
        file_name=name, file_size=upload.size, file_sha256=digest.hexdigest(), stored_path=str(relative),
        constants={k: v for k, v in (constants or {}).items() if v})
    return _start(log)


def confirm_import(*, preview: ImportLog, user) -> ImportLog:
    """The real run of a clean dry run, on the same stored file; a second
    confirmation returns the run already started."""
    if not preview.dry_run or preview.status != ImportLog.Status.DONE or preview.error_count:
        raise UploadRefused("只有无错误的试导入才能确认导入")
    existing = preview.runs.order_by("-pk").first()
    if existing is not None and not existing.interrupted:
        return existing
    if existing is not None:  # its worker died: nothing was written, so it may run again
        ImportLog.objects.filter(pk=existing.pk).update(
            status=ImportLog.Status.FAILED, finished_at=timezone.now(),
            message="后台任务中断（进程退出或重启），未写入任何数据；已重新确认导入")
    path = stored_file(preview)
    if not path.exists() or _sha256(path) != preview.file_sha256:
        raise UploadRefused("上传的文件已不存在或已被改动，请重新上传")
    log = ImportLog.objects.create(
        kind=preview.kind, dry_run=False, source=ImportLog.Source.WEB, user=user, actor=user.get_username(),
        file_name=preview.file_name, file_size=preview.file_size, file_sha256=preview.file_sha256,
        stored_path=preview.stored_path, preview=preview, constants=preview.constants)
    return _start(log)


def _start(log: ImportLog) -> ImportLog:
    from .tasks import run_import_task

    result = run_import_task.enqueue(log.pk)
    ImportLog.objects.filter(pk=log.pk).update(task_id=str(result.id))
    log.refresh_from_db()
    return log


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
