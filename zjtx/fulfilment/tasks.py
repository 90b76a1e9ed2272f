"""免申即享 without anyone pressing a button: a scan after every import and every
registry change, in the background worker. It re-evaluates only the parties the
change can touch (scan.scope_for): a city never waits on a whole-registry scan
because one recognition was added."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_tasks import task

from .scan import run_scan, scope_for

PARTY_KINDS = ("enterprises", "investors", "operators")


@task()
def scan_task(reason: str = "", *, whole: bool = True, enterprises: list[int] = (), investors: list[int] = (),
              operators: list[int] = ()) -> str:
    if whole:
        return run_scan().line()
    return run_scan(scope=scope_for(enterprises=enterprises, investors=investors, operators=operators)).line()


def request_scan(reason: str, **parties) -> None:
    """Enqueue one scan when the current transaction commits, however many rows it
    changed: of the parties named (enterprises=…, investors=…, operators=… as pks),
    or of the whole registry when a change names none (a jurisdiction, say)."""
    if not getattr(settings, "ZJTX_AUTO_SCAN", True):
        return
    connection = transaction.get_connection()
    pending = getattr(connection, "zjtx_scan_pending", None)
    if pending is None:
        pending = connection.zjtx_scan_pending = {"whole": False, **{k: set() for k in PARTY_KINDS}}

        def enqueue():
            connection.zjtx_scan_pending = None
            scan_task.enqueue(reason, whole=pending["whole"], **{k: sorted(pending[k]) for k in PARTY_KINDS})

        transaction.on_commit(enqueue)
    if not parties:
        pending["whole"] = True
    for kind, pks in parties.items():
        pending[kind].update(pk for pk in pks if pk is not None)
