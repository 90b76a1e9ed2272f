"""The background task that runs a web import, so that 100,000 rows never hold a
web request: the page polls the ImportLog's progress while this runs."""

from __future__ import annotations

from django_tasks import task

from ..models import ImportLog
from .service import run_import
from .uploads import stored_file


@task()
def run_import_task(log_id: int) -> str:
    log = ImportLog.objects.get(pk=log_id)
    if log.status != ImportLog.Status.PENDING:  # delivered twice: the first run counts
        return log.summary_line
    report = run_import(log.kind, stored_file(log), user=log.user, dry_run=log.dry_run,
                        file_name=log.file_name, log=log, source=log.source, constants=log.constants)
    return report.summary_line
