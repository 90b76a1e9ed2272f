"""The scan as a background job (zjtx.jobs): the city admin's button starts it, the
page shows its phase and counts, and its line when it is done."""

from __future__ import annotations

from .scan import run_scan


def scan_work(params: dict, progress, *, user) -> dict:
    report = run_scan(actor=user, progress=progress)
    return {"line": report.line(), "new": report.new, "changed": report.changed, "unchanged": report.unchanged}
