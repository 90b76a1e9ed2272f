"""`zjtx backup FILE` / `zjtx restore FILE`: the whole database and the uploaded
evidence files in one archive.

The archive is a gzip'd tar holding

- ``data.json``: every row, by Django's serialisers. Pks are kept (so the ledger's
  references come back identical), except for what migrate makes itself: content
  types and auth permissions are written by natural key ([app_label, model] and
  [codename, app_label, model]), and so are the references to them (a user's and a
  group's permissions). A fresh database numbers its permissions in its own order;
  by pk, a user who could "view claims" could come back able to "delete users".
- ``media/…``: every file under MEDIA_ROOT (the applications' evidence).
- ``manifest.json``: the format, the counts and each file's size and SHA-256.

Restore checks the whole archive — the JSON parses, every file matches its hash —
before it empties the database; the files are unpacked beside MEDIA_ROOT's files
and moved into place only once the database is restored (a file already there and
not in the backup is left alone: evidence is never deleted). A backup of the earlier
format (gzip'd JSON, no files) still restores.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.serializers import json as json_serializer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

from zjtx.registry.models import RegistryStamp

FORMAT = "zjtx-backup"
VERSION = 2
DATA = "data.json"
MANIFEST = "manifest.json"
MEDIA = "media"
# Tables that only cache or log (sessions, the admin's log).
SKIP = {"sessions", "admin"}
# Made by migrate in whatever order the database gives them pks: by natural key.
BY_NATURAL_KEY = (ContentType, Permission)
_CHUNK = 1024 * 1024


class BackupError(Exception):
    pass


class Written(int):
    """The number of rows written (what `backup` always returned), with the files."""

    files: int
    missing: list[str]

    def __new__(cls, objects: int, files: int = 0, missing: list[str] | None = None):
        self = super().__new__(cls, objects)
        self.files, self.missing = files, list(missing or [])
        return self


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder drops microseconds to milliseconds; a backup must not."""

    def default(self, o):
        if isinstance(o, dt.datetime):
            return o.isoformat()
        return super().default(o)


class _Serializer(json_serializer.Serializer):
    """Pks for every row, natural keys for content types and permissions and for
    every reference to them."""

    def get_dump_object(self, obj):
        self.use_natural_primary_keys = isinstance(obj, BY_NATURAL_KEY)
        return super().get_dump_object(obj)

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = issubclass(field.remote_field.model, BY_NATURAL_KEY)
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self.use_natural_foreign_keys = issubclass(field.remote_field.model, BY_NATURAL_KEY)
        super().handle_m2m_field(obj, field)


def _models():
    """Content types first, then permissions (the rows after them name them), then the rest."""
    rest = [m for m in apps.get_models() if m._meta.app_label not in SKIP and not m._meta.proxy
            and m not in BY_NATURAL_KEY]
    return [*BY_NATURAL_KEY, *rest]


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files() -> list[tuple[str, Path]]:
    """Every file under MEDIA_ROOT, by its path relative to it (POSIX), sorted."""
    root = _media_root()
    if not root.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".restore-"))
        for name in filenames:
            p = Path(dirpath) / name
            if p.is_file() and not p.is_symlink():
                found.append((p.relative_to(root).as_posix(), p))
    return sorted(found)


def _referenced_files() -> set[str]:
    """The names the database's file fields hold (the evidence's stored names)."""
    names = set()
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                names.update(n for n in model._default_manager.exclude(**{f.name: ""})
                             .values_list(f.name, flat=True) if n)
    return names


class _Hashing(io.RawIOBase):
    """Reads from F and hashes what it gives."""

    def __init__(self, f):
        self.f, self.digest, self.size = f, hashlib.sha256(), 0

    def readable(self):
        return True

    def read(self, n=-1):
        data = self.f.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    tar.addfile(info, io.BytesIO(data))


def backup(path: str) -> Written:
    target = Path(path)
    count = 0
    files: list[dict] = []
    with tempfile.TemporaryFile(mode="w+b", dir=target.parent or None) as data:
        text = io.TextIOWrapper(data, encoding="utf-8", write_through=True)
        objects = (obj for model in _models() for obj in model._default_manager.order_by("pk").iterator())

        def counted():
            nonlocal count
            for obj in objects:
                count += 1
                yield obj

        _Serializer().serialize(counted(), stream=text, cls=_ExactEncoder)
        text.flush()
        referenced = _referenced_files()  # after the rows: every file they name was uploaded before
        size = data.seek(0, io.SEEK_END)
        data.seek(0)
        text.detach()
        draft = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        try:
            with tarfile.open(draft, "w:gz") as tar:
                info = tarfile.TarInfo(DATA)
                info.size, info.mtime, info.mode = size, int(time.time()), 0o600
                tar.addfile(info, data)
                for rel, p in _media_files():
                    with open(p, "rb") as f:
                        info = tar.gettarinfo(fileobj=f, arcname=f"{MEDIA}/{rel}")
                        info.uid = info.gid = 0
                        info.uname = info.gname = ""
                        hashing = _Hashing(f)
                        tar.addfile(info, hashing)
                    files.append({"path": rel, "size": hashing.size, "sha256": hashing.digest.hexdigest()})
                missing = sorted(referenced - {f["path"] for f in files})
                manifest = {"format": FORMAT, "version": VERSION, "objects": count, "files": files,
                            "missing": missing, "created": dt.datetime.now(dt.UTC).isoformat()}
                _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
            os.replace(draft, target)  # never half a backup under the name asked for
        finally:
            draft.unlink(missing_ok=True)
    return Written(count, len(files), missing)


# --- restore -------------------------------------------------------------------------

@dataclass
class _Archive:
    rows: list
    files: list[dict] = field(default_factory=list)


def _invalid(e) -> BackupError:
    return BackupError(f"不是有效的 ZJTX 备份文件：{e}")


def _safe_relative(rel) -> str:
    p = PurePosixPath(rel) if isinstance(rel, str) else None
    if p is None or not rel or p.is_absolute() or any(part in ("", ".", "..") for part in rel.split("/")) \
            or "\\" in rel or "\x00" in rel:
        raise BackupError(f"备份中的文件路径不安全：{rel!r}")
    return rel


def _read_archive(path: str, staging: Path) -> _Archive:
    """The rows, with every file unpacked into STAGING and checked against the manifest."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if MANIFEST not in members or DATA not in members:
                raise BackupError("不是有效的 ZJTX 备份文件：缺少 manifest.json 或 data.json")
            manifest = json.loads(tar.extractfile(members[MANIFEST]).read().decode("utf-8"))
            if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
                raise BackupError(f"不认识的备份格式：{manifest.get('format')} {manifest.get('version')}")
            rows = json.loads(tar.extractfile(members[DATA]).read().decode("utf-8"))
            if not isinstance(rows, list):
                raise _invalid("data.json 不是对象列表")
            files = manifest.get("files") or []
            for entry in files:
                rel = _safe_relative(entry.get("path"))
                member = members.get(f"{MEDIA}/{rel}")
                if member is None or not member.isfile():
                    raise BackupError(f"备份缺少文件 {rel}")
                out = staging / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with tar.extractfile(member) as src, open(out, "wb") as dst:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        dst.write(chunk)
                if size != entry.get("size") or digest.hexdigest() != entry.get("sha256"):
                    raise BackupError(f"备份中的文件 {rel} 与其校验值（SHA-256）不符：备份已损坏")
            return _Archive(rows, files)
    except (OSError, EOFError, ValueError, tarfile.TarError) as e:
        raise _invalid(e) from None


def _read_legacy(path: str) -> _Archive:
    """The earlier format: gzip'd JSON of the rows, no files."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            rows = json.load(f)
    except (OSError, EOFError, ValueError) as e:
        raise _invalid(e) from None
    if not isinstance(rows, list):
        raise _invalid("不是对象列表")
    return _Archive(rows)


def restore(path: str) -> Written:
    root = _media_root()
    staging = root / f".restore-{uuid.uuid4().hex}"
    try:
        archive = _read_archive(path, staging) if _is_archive(path) else _read_legacy(path)
        count = _restore_rows(archive.rows)
        for entry in archive.files:  # the database is restored: the files take their places
            target = root / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / entry["path"], target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Written(count, len(archive.files))


def _is_archive(path: str) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except OSError:
        return False


def _restore_rows(rows: list) -> int:
    n = 0
    try:
        with transaction.atomic():
            # flush, then migrate's post_migrate signal makes the content types and
            # permissions again (in this database's order); the rows' natural keys
            # are resolved against those, so they are read only now.
            call_command("flush", interactive=False, verbosity=0)
            with connection.constraint_checks_disabled():
                for obj in serializers.deserialize("python", rows):
                    obj.save()
                    n += 1
            connection.check_constraints()
            # What processes keep of the registry (facets.py) was computed from the data
            # before the restore: a new stamp, never the one in the file.
            RegistryStamp.restamp()
    except serializers.base.DeserializationError as e:
        raise _invalid(e) from None
    finally:
        ContentType.objects.clear_cache()  # it may hold pks of a rolled-back attempt
    _reset_sequences()
    return n


def _reset_sequences():
    """PostgreSQL sequences must continue after the restored pks."""
    from django.core.management.color import no_style

    sql = connection.ops.sequence_reset_sql(no_style(), _models())
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)
