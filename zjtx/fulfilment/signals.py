"""Registry changes and imports lead to a scan (issue 4: "automatically after every
import or registry change")."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from zjtx.registry import models as registry
from zjtx.registry.imports.signals import import_finished

from .scan import run_scan, scope_for
from .tasks import request_scan

WATCHED = (registry.Jurisdiction, registry.Enterprise, registry.Recognition, registry.ListingMilestone,
           registry.Investor, registry.Investment, registry.ServiceOperator, registry.PlatformRecognition)


def parties_of(instance) -> dict[str, set[int]]:
    """The parties whose outcomes a changed row can touch (none: the whole registry)."""
    if isinstance(instance, registry.Enterprise):
        return {"enterprises": {instance.pk}}
    if isinstance(instance, registry.Recognition | registry.ListingMilestone):
        return {"enterprises": {instance.enterprise_id}}
    if isinstance(instance, registry.Investment):
        return {"enterprises": {instance.investee_id}, "investors": {instance.investor_id}}
    if isinstance(instance, registry.Investor):
        return {"investors": {instance.pk}}
    if isinstance(instance, registry.ServiceOperator):
        return {"operators": {instance.pk}}
    if isinstance(instance, registry.PlatformRecognition):
        return {"operators": {instance.operator_id}}
    return {}


def on_registry_change(sender, instance, **kwargs):
    request_scan(f"{sender._meta.verbose_name} {instance.pk} 变更", **parties_of(instance))


def on_import_finished(sender, report, **kwargs):
    """Scan right after an import, in the process that ran it (the worker for a web
    import, the command for `zjtx import`), so the command can say what it found: the
    enterprises whose facts the file changed (platform lists: the whole registry)."""
    if not getattr(settings, "ZJTX_AUTO_SCAN", True):
        return
    actor = report.log.user if report.log else None
    scope = None if report.kind == "platforms" else scope_for(enterprises=report.enterprise_ids)
    report.scan_line = run_scan(actor=actor, scope=scope).line()


def connect():
    for model in WATCHED:
        post_save.connect(on_registry_change, sender=model, dispatch_uid=f"scan-{model.__name__}-save")
        post_delete.connect(on_registry_change, sender=model, dispatch_uid=f"scan-{model.__name__}-delete")
    import_finished.connect(on_import_finished, dispatch_uid="scan-after-import")
