"""A policy change's preview as a background job (zjtx.jobs): two evaluations of
the whole registry take longer than a web request may (21 s at 51,000 enterprises)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from .services import preview_change


def preview_work(params: dict, progress, *, user) -> dict:
    impact = preview_change(kind=params["kind"], key=params["key"], value=params["value"],
                            effective_from=dt.date.fromisoformat(params["effective_from"]), progress=progress)
    return dataclasses.asdict(impact)
