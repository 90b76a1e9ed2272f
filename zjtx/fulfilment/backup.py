"""`zjtx backup FILE` / `zjtx restore FILE`: the whole database as gzip'd JSON
(Django's serialisers, natural keys off so that pks — and so the ledger's
references — come back identical)."""

from __future__ import annotations

import datetime as dt
import gzip
import io

from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from zjtx.registry.models import RegistryStamp

# Tables rebuilt by migrate itself, or that only cache.
SKIP = {"contenttypes", "sessions", "admin"}


class BackupError(Exception):
    pass


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder drops microseconds to milliseconds; a backup must not."""

    def default(self, o):
        if isinstance(o, dt.datetime):
            return o.isoformat()
        return super().default(o)


def _models():
    return [m for m in apps.get_models() if m._meta.app_label not in SKIP and not m._meta.proxy]


def backup(path: str) -> int:
    count = 0
    with gzip.open(path, "wt", encoding="utf-8") as out:
        objects = (obj for model in _models() for obj in model._default_manager.order_by("pk").iterator())

        def counted():
            nonlocal count
            for obj in objects:
                count += 1
                yield obj

        serializers.serialize("json", counted(), stream=out, cls=_ExactEncoder)
    return count


def restore(path: str) -> int:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            data = f.read()
        objects = list(serializers.deserialize("json", io.StringIO(data)))
    except (OSError, EOFError, ValueError, serializers.base.DeserializationError) as e:
        raise BackupError(f"不是有效的 ZJTX 备份文件：{e}") from None
    with transaction.atomic():
        call_command("flush", interactive=False, verbosity=0)
        with connection.constraint_checks_disabled():
            for obj in objects:
                obj.save()
        connection.check_constraints()
        # What processes keep of the registry (facets.py) was computed from the data
        # before the restore: a new stamp, never the one in the file.
        RegistryStamp.restamp()
    _reset_sequences()
    return len(objects)


def _reset_sequences():
    """PostgreSQL sequences must continue after the restored pks."""
    from django.core.management.color import no_style

    sql = connection.ops.sequence_reset_sql(no_style(), _models())
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)
