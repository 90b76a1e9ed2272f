"""Start a job, run it in the worker, record its progress.

Each kind's work is a function `work(params, progress) -> result` (result a JSON
object) named in WORK, so that this app knows no other app's code until a job
runs. `progress(phase, done, total)` records the phase and counts on the row, at
most a few times a second; inside a transaction it records nothing, since no
other connection could read it before the commit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Job

log = logging.getLogger(__name__)

WORK = {
    Job.Kind.SCAN: "zjtx.fulfilment.jobs.scan_work",
    Job.Kind.POLICY_PREVIEW: "zjtx.policy_admin.jobs.preview_work",
}

Progress = Callable[[str, int, "int | None"], None]


def start(kind: str, *, user, params: dict | None = None) -> Job:
    """A new job, queued for the worker (django-tasks)."""
    from .tasks import run_job_task

    job = Job.objects.create(kind=kind, requested_by=user, params=params or {})
    run_job_task.enqueue(job.pk)
    job.refresh_from_db()  # the immediate backend (tests, `make run` without a worker) has run it
    return job


def running(kind: str) -> Job | None:
    """The job of this kind queued or running now (a stale one does not count)."""
    for job in Job.objects.filter(kind=kind, state__in=[Job.State.QUEUED, Job.State.RUNNING]):
        if not job.stale:
            return job
    return None


def _update(job: Job, **values) -> None:
    for k, v in values.items():
        setattr(job, k, v)
    Job.objects.filter(pk=job.pk).update(**values)


def progress_of(job: Job, *, min_interval: float = 0.5) -> Progress:
    last = [0.0]
    connection = transaction.get_connection()
    depth = len(connection.atomic_blocks)  # the worker's own: none

    def progress(phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if len(connection.atomic_blocks) > depth:  # inside the work's transaction: nobody could read it
            return
        if phase == job.phase and now - last[0] < min_interval and (total is None or done < total):
            return
        last[0] = now
        _update(job, phase=phase, done=done, total=total, heartbeat_at=timezone.now())
    return progress


def run(job_id: int) -> str:
    job = Job.objects.get(pk=job_id)
    if job.state != Job.State.QUEUED:  # delivered twice: the first run counts
        return job.state
    now = timezone.now()
    _update(job, state=Job.State.RUNNING, started_at=now, heartbeat_at=now)
    try:
        result = import_string(WORK[job.kind])(job.params, progress_of(job), user=job.requested_by)
    except Exception as e:  # the page shows the failure; the log keeps the traceback
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _update(job, state=Job.State.FAILED, error=str(e) or e.__class__.__name__, finished_at=timezone.now())
        return job.state
    _update(job, state=Job.State.DONE, result=result, phase="", finished_at=timezone.now(),
            heartbeat_at=timezone.now())
    return job.state
