"""The progress fragment a page polls while its job runs (htmx, every second);
once the job is over the whole page reloads and shows the result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Job


def job_of(user, pk) -> Job | None:
    """A job is its requester's: nobody else reads its progress or its result."""
    try:
        return Job.objects.get(pk=int(pk), requested_by=user)
    except (Job.DoesNotExist, TypeError, ValueError):
        return None


@require_GET
@login_required
def progress(request, pk: int):
    job = job_of(request.user, pk)
    if job is None:
        raise Http404("没有这个后台任务")
    response = render(request, "jobs/_progress.html", {"job": job})
    if job.finished:
        response["HX-Refresh"] = "true"
    return response
