"""免申即享 without anyone pressing a button: a scan after every import and every
registry change, in the background worker (a scan of the city's registry takes
seconds, too long for the request that changed one row)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_tasks import task

from .scan import run_scan


@task()
def scan_task(reason: str = "") -> str:
    return run_scan().line()


def request_scan(reason: str) -> None:
    """Enqueue one scan when the current transaction commits, however many rows it
    changed."""
    if not getattr(settings, "ZJTX_AUTO_SCAN", True):
        return
    connection = transaction.get_connection()
    if getattr(connection, "zjtx_scan_requested", False):
        return
    connection.zjtx_scan_requested = True

    def enqueue():
        connection.zjtx_scan_requested = False
        scan_task.enqueue(reason)

    transaction.on_commit(enqueue)
