"""Each role's workbench (工作台): its to-dos, a few counts and a chart or two,
all within the user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from zjtx.accounts.models import Role, role_of
from zjtx.accounts.scope import CITY_WIDE, LOCAL, jurisdictions_of
from zjtx.fulfilment.models import ClaimState, Entitlement, Payment, Revision
from zjtx.fulfilment.selectors import claims_awaiting, claims_visible_to, payments_visible_to
from zjtx.registry import facets
from zjtx.registry.models import Recognition

TIER_LABELS = dict(Recognition.Tier.choices)
RECIPIENTS = {Role.ENTERPRISE, Role.INVESTOR, Role.OPERATOR}


@dataclass
class Todo:
    label: str
    count: int
    url: str


@dataclass
class Stat:
    label: str
    value: str


@dataclass
class Chart:
    id: str
    title: str
    option: dict  # an ECharts option, passed to the page with json_script

    @property
    def option_id(self) -> str:
        return f"{self.id}-option"


@dataclass
class Workbench:
    greeting: str
    todos: list[Todo] = field(default_factory=list)
    stats: list[Stat] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


def _yuan(amount) -> str:
    return f"{Decimal(amount or 0).quantize(Decimal('0.01')):,} 元"


def _bar(categories: list[str], series: list[tuple[str, list]], *, whole: bool = False) -> dict:
    """An ECharts bar chart; whole: the values are counts (no 0.2 ticks)."""
    return {"tooltip": {"trigger": "axis"}, "legend": {"top": 0},
            "grid": {"left": 8, "right": 8, "bottom": 8, "top": 32, "containLabel": True},
            "xAxis": {"type": "category", "data": categories},
            "yAxis": {"type": "value", **({"minInterval": 1} if whole else {})},
            "series": [{"name": name, "type": "bar", "data": data} for name, data in series]}


def _claim_charts(claims) -> list[Chart]:
    by_state = dict(claims.order_by().values_list("state").annotate(n=Count("pk")))
    states = [(v, label) for v, label in ClaimState.choices if by_state.get(v)]
    by_year = (Entitlement.objects.filter(claim__in=claims).order_by().values("budget_year")
               .annotate(total=Sum("amount")).order_by("budget_year"))
    charts = [Chart("claims-by-state", "申领进度", _bar([label for _, label in states],
                                                      [("申领数", [by_state[v] for v, _ in states])],
                                                      whole=True))]
    if by_year:
        charts.append(Chart("amount-by-year", "应享奖励金额（元，按归属年度）", _bar(
            [str(r["budget_year"]) for r in by_year], [("金额", [float(r["total"]) for r in by_year])])))
    return charts


def pre_policy_honours() -> int:
    """Art. 1 rewards the scans found for recognitions made before the policy and still
    valid on its first day (D9 "已认定"), claims not rejected: a bureau checks them
    against its lists of earlier years."""
    from zjtx.policy_admin.services import effective_pack

    first = effective_pack().parameters["policy_effective_date"].value_on(timezone.localdate())
    refs = Entitlement.objects.filter(article=1, event_ref__startswith="R").exclude(
        claim__state=ClaimState.REJECTED).values_list("event_ref", flat=True)
    return Recognition.objects.filter(pk__in=[int(r[1:]) for r in refs], announced_on__lt=first).count()


def workbench_for(user) -> Workbench:
    role = role_of(user)
    profile = getattr(user, "profile", None)
    name = f"{user.last_name}{user.first_name}".strip() or user.get_username()
    where = " · ".join(x for x in (profile.get_role_display(), profile.unit_label) if x) if profile else ""
    wb = Workbench(greeting=f"{name}，您好" + (f"。{where}" if where else ""))
    claims = claims_visible_to(user)
    claim_list = reverse("fulfilment:claim-list")
    if role == Role.COMMISSIONER:
        # Art. 18: a commissioner takes no step of a claim; it helps the enterprises
        # of its jurisdiction through theirs (confirming willingness and the account).
        waiting = claims.filter(state__in=[ClaimState.PENDING_CONFIRMATION, ClaimState.RETURNED]).count()
        wb.todos.append(Todo("辖区企业待确认或补正的申领（请协助企业办理）", waiting, claim_list))
    else:
        wb.todos.append(Todo("待我处理的申领", claims_awaiting(user).count(), f"{claim_list}?mine=on"))

    if role == Role.CITY_ADMIN:
        flagged = Revision.objects.filter(resolved_at__isnull=True).count()
        wb.todos.append(Todo("扫描发现的差异待复核", flagged, f"{claim_list}?flagged=yes"))
        wb.stats.append(Stat("第1条“已认定”奖励（施行前认定、施行日仍有效）", f"{pre_policy_honours():,} 项"))
        wb.links += [("运行免申即享扫描", reverse("fulfilment:scan")), ("审计记录", reverse("fulfilment:audit"))]
    if role in RECIPIENTS:
        pending = claims.filter(state__in=[ClaimState.PENDING_CONFIRMATION, ClaimState.RETURNED]).count()
        wb.todos.append(Todo("待确认意愿和收款账户（含退回补正）", pending, f"{claim_list}?mine=on"))
        due = claims.exclude(state=ClaimState.REJECTED).aggregate(s=Sum("entitlement__amount"))["s"]
        # the recipient's own payment lines (net of reversals, as on its statement); the
        # ledger's scope (payments_visible_to) is the payers' and holds none of them
        paid = Payment.objects.filter(claim__in=claims).aggregate(s=Sum("amount"))["s"]
        wb.stats += [Stat("应享奖励合计", _yuan(due)), Stat("已拨付合计", _yuan(paid))]
        wb.links.append(("查看红利账单", reverse("fulfilment:statement-own")))
    if role in CITY_WIDE or role in LOCAL:
        # The enterprise list's own counts (kept per registry stamp), not a count of the registry.
        counted = facets.counts(kept=facets.kept(), today=timezone.localdate(),
                                scope=None if role in CITY_WIDE else jurisdictions_of(user))
        wb.stats.append(Stat("企业库企业", f"{counted.total:,} 家"))
        for tier in ("national", "provincial", "city", "innovative"):
            wb.stats.append(Stat(f"现有效{TIER_LABELS[tier]}", f"{counted.tiers[tier]:,} 家"))
    if role in (Role.FINANCE_CITY, Role.FINANCE_LOCAL, Role.CITY_ADMIN):
        year = timezone.localdate().year
        paid = payments_visible_to(user).filter(budget_year__in=[year - 1, year])
        by_year = dict(paid.values_list("budget_year").annotate(s=Sum("amount")))
        for y in (year - 1, year):
            wb.stats.append(Stat(f"{y} 年度已拨付", _yuan(by_year.get(y))))
        wb.links.append(("拨付台账", reverse("fulfilment:ledger")))
    if claims.exists():
        wb.charts = _claim_charts(claims)
    wb.stats.append(Stat("可见申领", f"{claims.count():,} 件"))
    return wb
