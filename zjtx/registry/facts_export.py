"""The registry as a facts document (docs/facts-format.md), so that the engine runs
on the registry exactly as it runs on a file."""

from __future__ import annotations

from collections.abc import Iterable

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


def registry_facts(enterprise_ids: Iterable[int] | None = None, *, history: list[dict] | None = None) -> dict:
    """The facts of the registry (or of some enterprises, with the investors and
    operators they need) as a facts document. `history` adds settled facts, e.g.
    the ledger's payments as `reward_paid`."""
    declared, current = _jurisdictions()
    enterprises = models.Enterprise.objects.all()
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
    if enterprise_ids is None:
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
    if enterprise_ids is None:
        operators = list(models.ServiceOperator.objects.all())
        for p in models.PlatformRecognition.objects.order_by("recognized_on", "pk"):
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
