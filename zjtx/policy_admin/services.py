"""The pack in force: the shipped pack with the city admin's dated changes, and
the one audited way to make a change, with a preview of what it would do."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from zjtx.accounts.scope import is_city_admin
from zjtx.policy.pack import Pack, load_pack, parse_parameter_value

from .models import PolicyChange


def effective_pack(*, changes=None, today: dt.date | None = None) -> Pack:
    """The shipped pack with every recorded change applied. A parameter change adds
    a dated value (the value in force on a reward's date applies); an interpretation
    change applies to scans run on or after its effective date."""
    base = load_pack()
    today = today or timezone.localdate()
    changes = list(PolicyChange.objects.all()) if changes is None else changes
    parameters = dict(base.parameters)
    interpretations = dict(base.interpretations)
    for c in sorted(changes, key=lambda c: (c.effective_from, c.pk or 0)):
        if c.kind == PolicyChange.Kind.PARAMETER:
            p = parameters[c.key]
            values = [v for v in p.values if v[0] != c.effective_from]
            values.append((c.effective_from, parse_parameter_value(p.unit, c.value)))
            parameters[c.key] = dataclasses.replace(p, values=tuple(sorted(values, key=lambda v: v[0])))
        elif c.effective_from <= today:
            interpretations[c.key] = dataclasses.replace(interpretations[c.key], default=c.value)
    return dataclasses.replace(base, parameters=parameters, interpretations=interpretations)


def clean_change(*, kind: str, key: str, value: str, effective_from: dt.date, reason: str) -> str:
    """Check a proposed change; return the value in its canonical form."""
    pack = load_pack()
    value = (value or "").strip()
    if not reason or not reason.strip():
        raise ValidationError("请说明修改理由")
    if kind == PolicyChange.Kind.INTERPRETATION:
        if key not in pack.interpretations:
            raise ValidationError(f"未知的解读 {key}")
        if value not in pack.interpretations[key].options:
            raise ValidationError(f"解读 {key} 没有取值 {value}")
        return value
    if key not in pack.parameters:
        raise ValidationError(f"未知的参数 {key}")
    unit = pack.parameters[key].unit
    if unit == "date":
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValidationError("日期应写为 YYYY-MM-DD") from None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationError(f"“{value}”不是数字") from None
    if not number.is_finite() or number < 0:
        raise ValidationError("不能为负数")
    if unit == "yuan":
        if number != number.quantize(Decimal("0.01")):
            raise ValidationError("金额最多两位小数")
        return str(number.quantize(Decimal("0.01")))
    if number > 1:
        raise ValidationError("比例应为不大于 1 的小数，如 0.01 表示 1%")
    return str(number)


@dataclass
class Impact:
    """What a change would do to the entitlements a scan finds now."""

    changed: list[dict]  # key, article, payee, payee_name, claim (pk or None), old, new
    new: list[dict]
    gone: list[dict]

    @property
    def count(self) -> int:
        return len(self.changed) + len(self.new) + len(self.gone)

    @property
    def groups(self) -> list[tuple[list[dict], str]]:
        """The rows with how the page marks them."""
        return [(self.changed, ""), (self.new, "新增"), (self.gone, "不再成立")]


def preview_change(*, kind: str, key: str, value: str, effective_from: dt.date, progress=None) -> Impact:
    """Evaluate the registry with and without the change; nothing is written."""
    from zjtx.fulfilment.scan import evaluate_registry

    progress = progress or (lambda phase, done, total: None)
    proposed = PolicyChange(kind=kind, key=key, value=value, effective_from=effective_from)
    current = list(PolicyChange.objects.all())
    progress("按现行政策计算", 0, 2)
    before = evaluate_registry(pack=effective_pack(changes=current))
    progress("按修改后的政策计算", 1, 2)
    after = evaluate_registry(pack=effective_pack(changes=[*current, proposed],
                                                  today=max(timezone.localdate(), effective_from)))
    progress("比对", 2, 2)
    changed, new, gone = [], [], []
    for k, line in after.items():
        old = before.get(k)
        row = {"key": k, "article": line["article"], "payee": line["payee"], "new": line["amount"],
               "old": old["amount"] if old else "0.00"}
        if old is None:
            if Decimal(line["amount"]) != 0:  # a reward of nothing is no entitlement (scan.run_scan)
                new.append(row)
        elif old["amount"] != line["amount"] or old["funding"] != line["funding"]:
            changed.append(row)
    for k, line in before.items():
        if k not in after:
            gone.append({"key": k, "article": line["article"], "payee": line["payee"], "old": line["amount"],
                         "new": "0.00"})
    _name_rows(changed + new + gone)
    return Impact(changed=changed, new=new, gone=gone)


def _name_rows(rows: list[dict]) -> None:
    """Who each row is about and its claim, for people: the payee's name (beside its
    facts id) and the pk of the claim of an entitlement already found."""
    from zjtx.fulfilment.models import Claim
    from zjtx.registry.facts_export import party_names

    names = party_names({r["payee"] for r in rows})
    claims = dict(Claim.objects.filter(entitlement__key__in=[r["key"] for r in rows])
                  .values_list("entitlement__key", "pk"))
    for r in rows:
        r["payee_name"] = names.get(r["payee"], r["payee"])
        r["claim"] = claims.get(r["key"])


@transaction.atomic
def do_change_policy(*, actor, kind: str, key: str, value: str, effective_from: dt.date, reason: str) -> PolicyChange:
    if not is_city_admin(actor):
        raise PermissionDenied("只有市工信局管理员可以修改政策参数和解读")
    value = clean_change(kind=kind, key=key, value=value, effective_from=effective_from, reason=reason)
    change = PolicyChange.objects.create(kind=kind, key=key, value=value, effective_from=effective_from,
                                         reason=reason.strip(), made_by=actor)
    from zjtx.fulfilment.services import messenger

    messenger(verb="policy_changed", actor=actor,
              summary=f"{'参数' if kind == 'parameter' else '解读'} {key} 自 {effective_from} 起改为 {value}：{reason.strip()}",
              key=key, value=value, effective_from=effective_from.isoformat())
    return change
