"""Reads for the fulfilment pages: which claims, payment lines, audit events and
notifications a user may see, as querysets.

`claims_visible_to` and `claims_awaiting` mirror `permissions.can` in SQL so that a
queue of a hundred thousand claims is one query, not one `can()` per row; the
tests compare both answers claim by claim, so a change to one without the other
fails there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from zjtx.accounts.models import Role, role_of
from zjtx.accounts.scope import CITY_WIDE, jurisdictions_of
from zjtx.policy.pack import load_pack
from zjtx.registry.models import Jurisdiction

from . import permissions as perms
from .models import (
    PART_LABELS,
    PARTS,
    AuditEvent,
    Claim,
    ClaimState,
    ClaimStep,
    Entitlement,
    Notification,
    Payment,
)

LOCAL_PARTS = tuple(p for p in PARTS if p != "city")
PAYABLE_STATES = (ClaimState.APPROVED, ClaimState.PARTIALLY_PAID, ClaimState.PAID)
MONEY_ARTICLES = (1, 5, 6, 17)


# --- scope -------------------------------------------------------------------

def _homes_answering_to(jurisdiction_pks: set[int]) -> set[int]:
    """Every jurisdiction (retired ones too) whose current successor is one of these:
    `review_jurisdiction` takes a fiscal home's `current`, so a claim of an
    enterprise still homed at a retired code belongs to its successor."""
    rows = dict(Jurisdiction.objects.values_list("pk", "successor_id"))
    homes = set()
    for pk in rows:
        current = pk
        while rows.get(current):
            current = rows[current]
        if current in jurisdiction_pks:
            homes.add(pk)
    return homes


def review_jurisdiction_q(jurisdiction_pks: set[int], prefix: str = "entitlement__") -> Q:
    """Claims whose `permissions.review_jurisdiction` is one of these pks."""
    homes = _homes_answering_to(jurisdiction_pks)
    funded_locally = Q(**{f"{prefix}local_unit__in": jurisdiction_pks})
    unfunded = Q(**{f"{prefix}local_unit__isnull": True})
    operator_home = Q(**{f"{prefix}operator__isnull": False, f"{prefix}operator__fiscal_home__in": homes})
    enterprise_home = Q(**{f"{prefix}operator__isnull": True, f"{prefix}enterprise__fiscal_home__in": homes})
    return funded_locally | (unfunded & (operator_home | enterprise_home))


def recipient_q(user, prefix: str = "entitlement__") -> Q | None:
    """Claims whose recipient the user is (`permissions.is_recipient`), or None."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return None
    if profile.role == Role.INVESTOR and profile.investor_id:
        return Q(**{f"{prefix}investor_id": profile.investor_id})
    if profile.role == Role.OPERATOR and profile.operator_id:
        return Q(**{f"{prefix}operator_id": profile.operator_id})
    if profile.role == Role.ENTERPRISE and profile.enterprise_id:
        return Q(**{f"{prefix}enterprise_id": profile.enterprise_id, f"{prefix}investor__isnull": True,
                    f"{prefix}operator__isnull": True})
    return None


def articles_of_unit(unit: str) -> list[int]:
    """The articles whose 责任单位 include this unit."""
    return [n for n, a in load_pack().articles.items() if unit in a.units]


def articles_led_by(unit: str) -> list[int]:
    return [n for n, a in load_pack().articles.items() if a.lead_unit == unit]


def claims_visible_to(user) -> QuerySet[Claim]:
    """The claims `can(user, "view", claim)` allows, as one queryset."""
    qs = Claim.objects.select_related("entitlement", "entitlement__enterprise", "entitlement__investor",
                                      "entitlement__operator", "entitlement__local_unit")
    role = role_of(user)
    if role is None:
        return qs.none()
    if role == Role.UNIT:
        return qs.filter(entitlement__article__in=articles_of_unit(user.profile.display_unit))
    if role in CITY_WIDE:
        return qs
    q = Q(pk__in=[])
    if (own := recipient_q(user)) is not None:
        q |= own
    if role in perms.LOCAL_READERS:
        q |= review_jurisdiction_q(set(jurisdictions_of(user)))
    return qs.filter(q)


def _live_payment(part: str):
    return Payment.objects.filter(claim=OuterRef("pk"), kind=Payment.Kind.PAYMENT, part=part,
                                  reversed_by__isnull=True)


def awaiting_q(user) -> Q:
    """Claims on which the user can act now (`can()` allows a step and, for a
    payment, the part is still unpaid): the "待我处理" of the queue."""
    role = role_of(user)
    nothing = Q(pk__in=[])
    q = nothing
    if (own := recipient_q(user)) is not None:
        q |= own & Q(state__in=[ClaimState.PENDING_CONFIRMATION, ClaimState.RETURNED])
    if role is None:
        return q
    profile = getattr(user, "profile", None)
    mine = set(jurisdictions_of(user))
    if role == Role.LOCAL:
        q |= Q(state=ClaimState.LOCAL_REVIEW) & review_jurisdiction_q(mine)
    unit = (profile.display_unit if role == Role.UNIT else "市工信局" if role == Role.CITY_ADMIN else None)
    if unit:
        q |= Q(state=ClaimState.UNIT_REVIEW, entitlement__article__in=articles_led_by(unit))
    if role == Role.CITY_ADMIN:
        q |= Q(flagged=True)  # a scan's difference waits for the city admin
    not_approver = ~Exists(ClaimStep.objects.filter(claim=OuterRef("pk"), actor=user, action=perms.APPROVE))
    payable = Q(state__in=PAYABLE_STATES, flagged=False) & not_approver
    if role == Role.FINANCE_CITY:
        q |= Q(state=ClaimState.FINANCE_REVIEW, entitlement__city_part__gt=0)
        q |= payable & Q(entitlement__city_part__gt=0) & ~Exists(_live_payment("city"))
    if role == Role.FINANCE_LOCAL:
        q |= Q(state=ClaimState.FINANCE_REVIEW, entitlement__city_part=0, entitlement__local_unit__in=mine)
        unpaid = nothing
        for part in LOCAL_PARTS:
            unpaid |= Q(**{f"entitlement__{part}_part__gt": 0}) & ~Exists(_live_payment(part))
        q |= payable & Q(entitlement__local_unit__in=mine) & unpaid
    return q


def claims_awaiting(user) -> QuerySet[Claim]:
    return claims_visible_to(user).filter(awaiting_q(user))


# --- the queue -----------------------------------------------------------------

@dataclass(frozen=True)
class ClaimFilters:
    state: str = ""
    article: int | None = None
    year: int | None = None
    flagged: bool | None = None
    search: str = ""
    mine: bool = False


def _filtered(qs: QuerySet[Claim], f: ClaimFilters, *, with_state: bool = True) -> QuerySet[Claim]:
    if with_state and f.state:
        qs = qs.filter(state=f.state)
    if f.article:
        qs = qs.filter(entitlement__article=f.article)
    if f.year:
        qs = qs.filter(entitlement__budget_year=f.year)
    if f.flagged is not None:
        qs = qs.filter(flagged=f.flagged)
    if f.search:
        term = f.search.strip()
        code = term.upper()
        qs = qs.filter(
            Q(entitlement__enterprise__name__icontains=term) | Q(entitlement__enterprise__uscc__startswith=code)
            | Q(entitlement__investor__name__icontains=term) | Q(entitlement__investor__uscc__startswith=code)
            | Q(entitlement__operator__name__icontains=term) | Q(entitlement__operator__uscc__startswith=code))
    return qs


@dataclass
class ClaimQueue:
    claims: QuerySet[Claim]  # awaiting the user first, newest first within each
    counts: dict[str, int]  # by state, under the other filters
    total: int
    awaiting: int


def claim_queue(*, user, filters: ClaimFilters) -> ClaimQueue:
    visible = claims_visible_to(user)
    mine = awaiting_q(user)
    base = _filtered(visible, filters, with_state=False)
    by_state = dict(base.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    counts = {value: by_state.get(value, 0) for value, _ in ClaimState.choices}
    claims = _filtered(visible, filters)
    if filters.mine:
        claims = claims.filter(mine)
    claims = claims.annotate(awaiting=Case(When(mine, then=Value(True)), default=Value(False),
                                           output_field=BooleanField())).order_by("-awaiting", "-created_at", "-pk")
    return ClaimQueue(claims=claims, counts=counts, total=sum(counts.values()),
                      awaiting=_filtered(visible, filters).filter(mine).count())


def claim_years(user) -> list[int]:
    """The budget years of the claims the user sees, newest first (the year filter)."""
    years = claims_visible_to(user).order_by().values_list("entitlement__budget_year", flat=True).distinct()
    return sorted(years, reverse=True)


# --- one claim -------------------------------------------------------------------

@dataclass(frozen=True)
class PartLine:
    part: str
    label: str
    amount: Decimal
    payer: str
    paid: bool


def payer_name(part: str, local_unit: Jurisdiction | None) -> str:
    if part == "city" or local_unit is None:
        return "市财政局"
    return f"{local_unit.name}财政局"


def split_of(ent: Entitlement, *, paid_parts: set[str]) -> list[PartLine]:
    return [PartLine(part=p, label=PART_LABELS[p], amount=amount, payer=payer_name(p, ent.local_unit),
                     paid=p in paid_parts) for p, amount in ent.parts().items()]


def live_paid_parts(claim: Claim) -> set[str]:
    return set(claim.payments.filter(kind=Payment.Kind.PAYMENT, reversed_by__isnull=True)
               .values_list("part", flat=True))


@dataclass
class ClaimActions:
    """What the user may do on the claim now, with the reason when not: the page
    shows only the forms that work, and says why a step is someone else's."""

    confirm: bool
    review: dict[str, bool]  # approve / return / reject
    review_refusal: str
    pay_parts: list[PartLine]  # unpaid parts the user may pay
    reversible: list[Payment]  # live payment lines the user may reverse
    resolve: bool

    @property
    def any(self) -> bool:
        return bool(self.confirm or any(self.review.values()) or self.pay_parts or self.reversible
                    or self.resolve)


def claim_actions(*, user, claim: Claim) -> ClaimActions:
    def ok(action, part=None):
        return perms.can(user, action, claim, part)[0]

    paid = live_paid_parts(claim)
    review = {a: ok(a) for a in (perms.APPROVE, perms.RETURN, perms.REJECT)}
    refusal = perms.can(user, perms.APPROVE, claim)[1] if claim.state in perms.STEP_OF_STATE else ""
    parts = [line for line in split_of(claim.entitlement, paid_parts=paid)
             if not line.paid and ok(perms.PAY, line.part)]
    reversible = [p for p in claim.payments.filter(kind=Payment.Kind.PAYMENT, reversed_by__isnull=True)
                  if ok(perms.REVERSE, p.part)]
    return ClaimActions(confirm=ok(perms.CONFIRM), review=review, review_refusal=refusal, pay_parts=parts,
                        reversible=reversible, resolve=claim.flagged and ok(perms.RESOLVE))


@dataclass
class ClaimPage:
    claim: Claim
    entitlement: Entitlement
    article_title: str
    article_text: str
    item_quote: str
    split: list[PartLine]
    steps: QuerySet[ClaimStep]
    payments: QuerySet[Payment]
    revisions: list
    actions: ClaimActions
    balance: Decimal


def claim_page(*, user, claim: Claim) -> ClaimPage:
    ent = claim.entitlement
    pack = load_pack()
    article = pack.articles[ent.article]
    payments = claim.payments.select_related("recorded_by", "recorded_by__profile", "payer", "reverses")
    return ClaimPage(
        claim=claim, entitlement=ent, article_title=article.title, article_text=article.text,
        item_quote=pack.items.get(ent.item, {}).get("quote", ""),
        split=split_of(ent, paid_parts=live_paid_parts(claim)),
        steps=claim.steps.select_related("actor", "actor__profile"),
        payments=payments,
        revisions=list(ent.revisions.select_related("resolved_by")),
        actions=claim_actions(user=user, claim=claim),
        balance=payments.aggregate(s=Sum("amount"))["s"] or Decimal("0.00"),
    )


# --- ledger ----------------------------------------------------------------------

LEDGER_ALL = {Role.CITY_ADMIN, Role.FINANCE_CITY}


def may_see_ledger(user) -> bool:
    return role_of(user) in LEDGER_ALL | {Role.FINANCE_LOCAL, Role.UNIT}


def payments_visible_to(user) -> QuerySet[Payment]:
    """City finance and the city admin: every line; a county or district finance
    bureau: the lines it pays; a responsible unit: the lines of its articles."""
    qs = Payment.objects.select_related(
        "claim", "claim__entitlement", "claim__entitlement__enterprise", "claim__entitlement__investor",
        "claim__entitlement__operator", "payer", "recorded_by", "recorded_by__profile")
    role = role_of(user)
    if role in LEDGER_ALL:
        return qs
    if role == Role.FINANCE_LOCAL:
        return qs.filter(payer__in=jurisdictions_of(user))
    if role == Role.UNIT:
        return qs.filter(claim__entitlement__article__in=articles_of_unit(user.profile.display_unit))
    return qs.none()


@dataclass(frozen=True)
class LedgerFilters:
    year: int | None = None
    part: str = ""
    payer: str = ""  # "city" or a jurisdiction pk
    kind: str = ""


@dataclass
class Ledger:
    lines: QuerySet[Payment]
    total: Decimal
    paid: Decimal  # payment lines
    reversed: Decimal  # reversal lines (negative)
    count: int
    years: list[int]
    payers: list[tuple[str, str]]


def ledger(*, user, filters: LedgerFilters) -> Ledger:
    visible = payments_visible_to(user)
    qs = visible
    if filters.year:
        qs = qs.filter(budget_year=filters.year)
    if filters.part:
        qs = qs.filter(part=filters.part)
    if filters.payer == "city":
        qs = qs.filter(payer__isnull=True)
    elif filters.payer:
        qs = qs.filter(payer_id=filters.payer)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    sums = qs.aggregate(
        total=Sum("amount"), n=Count("pk"),
        paid=Sum("amount", filter=Q(kind=Payment.Kind.PAYMENT)),
        reversed=Sum("amount", filter=Q(kind=Payment.Kind.REVERSAL)))
    zero = Decimal("0.00")
    payer_pks = visible.order_by().filter(payer__isnull=False).values_list("payer", flat=True).distinct()
    payers = ([("city", "市财政局")] if visible.filter(payer__isnull=True).exists() else []) + [
        (str(j.pk), f"{j.name}财政局") for j in Jurisdiction.objects.filter(pk__in=payer_pks)]
    return Ledger(
        lines=qs.order_by("recorded_at", "pk"), total=sums["total"] or zero, paid=sums["paid"] or zero,
        reversed=sums["reversed"] or zero, count=sums["n"],
        years=sorted(visible.order_by().values_list("budget_year", flat=True).distinct(), reverse=True),
        payers=payers)


# --- audit and notifications ---------------------------------------------------------

@dataclass(frozen=True)
class AuditFilters:
    verb: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    actor: str = ""  # a username
    claim: int | None = None


def audit_events(*, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The audit trail, newest first; only the city admin reads it (see views)."""
    qs = AuditEvent.objects.select_related("actor", "actor__profile")
    if filters.verb:
        qs = qs.filter(verb=filters.verb)
    if filters.since:
        qs = qs.filter(at__date__gte=filters.since)
    if filters.until:
        qs = qs.filter(at__date__lte=filters.until)
    if filters.actor:
        qs = qs.filter(actor__username=filters.actor)
    if filters.claim:
        qs = qs.filter(claim_id=filters.claim)
    return qs


def audit_verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("verb").values_list("verb", flat=True).distinct())


def notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("claim")


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- scan ----------------------------------------------------------------------

def flagged_claims() -> QuerySet[Claim]:
    return (Claim.objects.filter(flagged=True)
            .select_related("entitlement", "entitlement__enterprise", "entitlement__investor",
                            "entitlement__operator")
            .order_by("-updated_at", "-pk"))


def last_scan() -> AuditEvent | None:
    return AuditEvent.objects.filter(verb="scan_run").select_related("actor").first()


# --- ledger rows (one definition for the page and the xlsx) ------------------------

LEDGER_COLUMNS = ("记账时间", "拨付日期", "申领编号", "条款", "事项", "受奖主体", "统一社会信用代码",
                  "承担层级", "承担单位", "类型", "金额（元）", "预算年度", "凭证号", "冲正原因", "记账人")
AMOUNT_COLUMN = LEDGER_COLUMNS.index("金额（元）")


def person(user) -> str:
    """A person as Chinese pages name them: 张敏（市工信局）, or the username."""
    if user is None:
        return "系统"
    name = f"{user.last_name}{user.first_name}".strip() or user.username
    profile = getattr(user, "profile", None)
    if profile is None:
        return name
    where = profile.display_unit or profile.get_role_display()
    return f"{name}（{where}）"


def ledger_row(p: Payment) -> list:
    ent = p.claim.entitlement
    payee = ent.payee
    return [
        timezone.localtime(p.recorded_at).replace(tzinfo=None, microsecond=0),  # xlsx has no time zones
        p.paid_on, p.claim_id, f"第{ent.article}条", ent.get_item_label(), payee.name, payee.uscc or "",
        PART_LABELS[p.part], payer_name(p.part, p.payer), p.get_kind_display(), p.amount, p.budget_year,
        p.reference, p.reason, person(p.recorded_by),
    ]
