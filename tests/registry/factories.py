"""Small builders for registry rows with valid synthetic credit codes."""

from __future__ import annotations

import datetime as dt
import itertools

from stdnum.cn import uscc

from zjtx.registry import models

_serial = itertools.count(1)


def make_uscc(area: str = "410305", serial: int | None = None) -> str:
    n = next(_serial) if serial is None else serial
    body = f"91{area}MA{n:07d}"[:17]
    body = body.replace("I", "J").replace("O", "P").replace("S", "T").replace("V", "W").replace("Z", "Y")
    return body + uscc.calc_check_digit(body)


def jurisdiction(code: str) -> models.Jurisdiction:
    return models.Jurisdiction.objects.get(code=code)


def enterprise(name: str = "洛阳示例科技有限公司", home: str = "410305", **kw) -> models.Enterprise:
    return models.Enterprise.objects.create(name=name, uscc=kw.pop("uscc", make_uscc(home)),
                                            fiscal_home=jurisdiction(home), **kw)


def recognition(ent, tier="provincial", on="2023-01-10", to="2026-01-09", kind="new", **kw):
    return models.Recognition.objects.create(
        enterprise=ent, tier=tier, kind=kind, announced_on=dt.date.fromisoformat(on),
        valid_to=dt.date.fromisoformat(to), **kw)
