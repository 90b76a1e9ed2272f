"""The registry as a facts document (docs/facts-format.md), so that the engine runs
on the registry exactly as it runs on a file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from . import models

EVENT_OF_RECOGNITION = {
    ("provincial", "new"): "zjtx_provincial_recognized",
    ("provincial", "review"): "zjtx_provincial_review_passed",
    # A 复核 of either tier renews its recognition and is never paid as a new one.
    ("national", "new"): "little_giant_recognized",
    ("national", "review"): "little_giant_review_passed",
    ("innovative", "new"): "innovative_sme_announced",
    ("innovative", "review"): "innovative_sme_announced",
    ("city", "new"): "zjtx_city_recognized",
    ("city", "review"): "zjtx_city_recognized",
}


def enterprise_id(pk: int) -> str:
    return f"E{pk}"


def investor_id(pk: int) -> str:
    return f"I{pk}"


def operator_id(pk: int) -> str:
    return f"P{pk}"


def party_names(ids) -> dict[str, str]:
    """The names of the enterprises, investors and operators behind facts ids (E12, I3, P5)."""
    wanted: dict[str, set[int]] = {"E": set(), "I": set(), "P": set()}
    for i in ids:
        if i[:1] in wanted and i[1:].isdigit():
            wanted[i[:1]].add(int(i[1:]))
    names = {}
    for prefix, model in (("E", models.Enterprise), ("I", models.Investor), ("P", models.ServiceOperator)):
        if wanted[prefix]:
            names |= {f"{prefix}{pk}": name
                      for pk, name in model.objects.filter(pk__in=wanted[prefix]).values_list("pk", "name")}
    return names


def _jurisdictions() -> tuple[dict, dict[int, str]]:
    """Every current jurisdiction as the registry keeps it (it may differ from the
    engine's built-in table, and it wins), and each row's current code by pk."""
    rows = list(models.Jurisdiction.objects.all())
    by_pk = {j.pk: j for j in rows}
    current: dict[int, str] = {}
    for j in rows:
        c = j
        while c.successor_id:
            c = by_pk[c.successor_id]
        current[j.pk] = c.code
    declared = {}
    for j in rows:
        if j.successor_id:
            continue
        entry = {"name": j.name, "kind": j.kind, "funding": j.funding}
        if j.parent_id:
            entry["parent"] = current[j.parent_id]
        declared[j.code] = entry
    return declared, current


@dataclass(frozen=True)
class Scope:
    """Some parties of the registry, closed so that their facts alone decide their
    outcomes (the engines' decomposition, docs/engine-semantics.md): an
    enterprise's Art. 1 and 5 lines depend on its own facts; an Art. 6 line on its
    annual-cap party's (the investee, or the investor under
    `art6_annual_cap_scope: investor` together with its investees' status); an
    Art. 17 line on the operator's. `by_investor` says which Art. 6 reading built it."""

    enterprises: frozenset[int] = frozenset()
    investors: frozenset[int] = frozenset()  # Art. 6 cap parties under the investor reading
    operators: frozenset[int] = frozenset()
    by_investor: bool = False

    def __bool__(self):
        return bool(self.enterprises or self.investors or self.operators)


def scope_of(*, enterprises=(), investors=(), operators=(), by_investor: bool = False) -> Scope:
    """The closed scope of what a change touched: the enterprises whose facts changed,
    the investors whose own record or investments changed, the operators."""
    ents, invs = set(enterprises), set(investors)
    if by_investor:
        # An enterprise's status counts in the caps of every investor in it; each such
        # investor is re-evaluated whole, with the status of all its investees.
        invs |= set(models.Investment.objects.filter(investee__in=ents).values_list("investor_id", flat=True))
        ents |= set(models.Investment.objects.filter(investor__in=invs, investee__isnull=False)
                    .values_list("investee_id", flat=True))
    else:
        # An investor's change reaches the caps of the enterprises it invested in.
        ents |= set(models.Investment.objects.filter(investor__in=invs, investee__isnull=False)
                    .values_list("investee_id", flat=True))
        invs = set()
    return Scope(frozenset(ents), frozenset(invs), frozenset(operators), by_investor)


def registry_facts(enterprise_ids: Iterable[int] | None = None, *, history: list[dict] | None = None,
                   scope: Scope | None = None) -> dict:
    """The facts of the registry (or of some enterprises, with the investors and
    operators they need; or of a closed `scope`) as a facts document. `history` adds
    settled facts, e.g. the ledger's payments as `reward_paid`."""
    declared, current = _jurisdictions()
    enterprises = models.Enterprise.objects.all()
    if scope is not None:
        enterprise_ids = scope.enterprises
    if enterprise_ids is not None:
        enterprises = enterprises.filter(pk__in=list(enterprise_ids))
    enterprises = list(enterprises)
    ent_pks = {e.pk for e in enterprises}
    listed_by_node = set(models.ListingMilestone.objects.filter(
        enterprise__in=ent_pks, kind="ipo_node", node="listed").values_list("enterprise_id", flat=True))
    has_neeq = set(models.ListingMilestone.objects.filter(
        enterprise__in=ent_pks, kind="neeq").values_list("enterprise_id", flat=True))

    doc_enterprises = []
    for e in enterprises:
        entry = {"id": enterprise_id(e.pk), "name": e.name, "uscc": e.uscc,
                 "fiscal_home": current[e.fiscal_home_id]}
        # A listing the registry knows as a milestone is a dated fact already; the flag
        # alone (without a date) would mean "listed before everything".
        if e.listed and e.pk not in listed_by_node:
            entry["listed"] = True
            if e.listed_on:
                entry["listed_on"] = e.listed_on.isoformat()
            if e.exchange:
                entry["exchange"] = e.exchange
        if e.neeq_layer and e.pk not in has_neeq:
            entry["neeq_layer"] = e.neeq_layer
        doc_enterprises.append(entry)

    events: list[dict] = []
    for r in models.Recognition.objects.filter(enterprise__in=ent_pks).order_by("announced_on", "pk"):
        events.append({"id": f"R{r.pk}", "date": r.announced_on.isoformat(),
                       "type": EVENT_OF_RECOGNITION[(r.tier, r.kind)],
                       "enterprise": enterprise_id(r.enterprise_id), "valid_to": r.valid_to.isoformat()})
    for m in models.ListingMilestone.objects.filter(enterprise__in=ent_pks).order_by("date", "pk"):
        ev = {"id": f"M{m.pk}", "date": m.date.isoformat(), "type": m.kind,
              "enterprise": enterprise_id(m.enterprise_id)}
        if m.kind == "ipo_node":
            ev.update(path=m.path, exchange=m.exchange or "未注明", node=m.node)
        elif m.kind == "ipo_withdrawn":
            ev.update(path=m.path)
        elif m.kind == "neeq":
            ev.update(action=m.action)
        else:
            ev.update(market=m.market or "中原股权交易中心", board=m.board)
        events.append(ev)

    investments = models.Investment.objects.filter(investee__in=ent_pks).order_by("paid_in_date", "pk")
    if scope is not None and scope.by_investor:  # the investors' own investments, whole
        investments = models.Investment.objects.filter(investor__in=scope.investors).order_by("paid_in_date", "pk")
    elif enterprise_ids is None:
        investments = models.Investment.objects.order_by("paid_in_date", "pk")
    investor_pks: set[int] = set()
    for v in investments:
        investor_pks.add(v.investor_id)
        target = enterprise_id(v.investee_id) if v.vehicle == "direct" else investor_id(v.fund_id)
        if v.vehicle == "fund_setup":
            investor_pks.add(v.fund_id)
        ev = {"id": f"V{v.pk}", "date": v.paid_in_date.isoformat(), "type": "equity_investment",
              "investor": investor_id(v.investor_id), "investee": target, "round": v.round,
              "vehicle": v.vehicle, "paid_in": str(v.paid_in), "tranche": v.tranche}
        if v.subscribed is not None:
            ev["subscribed"] = str(v.subscribed)
        events.append(ev)

    operators = []
    if enterprise_ids is None or scope is not None:
        operators = models.ServiceOperator.objects.all()
        platforms = models.PlatformRecognition.objects.order_by("recognized_on", "pk")
        if scope is not None:
            operators, platforms = operators.filter(pk__in=scope.operators), platforms.filter(
                operator__in=scope.operators)
        operators = list(operators)
        for p in platforms:
            events.append({"id": f"F{p.pk}", "date": p.recognized_on.isoformat(),
                           "type": "platform_recognized", "operator": operator_id(p.operator_id),
                           "honour": p.honour, "level": p.level, "kind": p.kind})

    events.sort(key=lambda ev: ev["date"])  # stable: within a day, recognitions first
    return {
        "jurisdictions": declared,
        "enterprises": doc_enterprises,
        "investors": [
            {"id": investor_id(i.pk), "name": i.name, "kind": i.kind, **({"uscc": i.uscc} if i.uscc else {})}
            for i in models.Investor.objects.filter(pk__in=investor_pks)],
        "operators": [
            {"id": operator_id(o.pk), "name": o.name, "uscc": o.uscc,
             "fiscal_home": current[o.fiscal_home_id]} for o in operators],
        "history": history or [],
        "events": events,
    }
