"""免申即享: run the engine over the registry and record what is due, without anyone
applying.

The engine sees the registry's facts with the ledger's payments as its history:
a triggering fact whose entitlement has been paid is settled (moved to history
with a `reward_paid`), so a paid entitlement never changes on a later scan. A
scan that finds an entitlement changed or gone records a Revision and flags the
claim; it never deletes or overwrites. Running it twice creates nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from zjtx.policy.batch import evaluate, results_to_json
from zjtx.policy.engine import evaluate_case
from zjtx.policy.facts import read_case
from zjtx.registry.facts_export import (
    Scope,
    enterprise_id,
    investor_id,
    operator_id,
    registry_facts,
    scope_of,
)
from zjtx.registry.imports.bulk import insert_rows
from zjtx.registry.models import Jurisdiction

from .columns import registry_population
from .models import PARTS, AuditEvent, Claim, ClaimState, Entitlement, Payment, Revision
from .services import announce_claims, fit, messenger


@dataclass
class ScanReport:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    def line(self) -> str:
        return f"scan: {self.new} new, {self.changed} changed, {self.unchanged} unchanged"


def once_key(line: dict) -> str:
    """What may be paid only once to one payee: an Art. 1 tier, an Art. 5 node, an
    Art. 17 honour and level; an Art. 6 reward is one per paid-in tranche."""
    if line["article"] == 6:
        return f"{line['payee']}:{line['item']}:{line['event']}"
    if line["article"] == 17:
        return f"{line['payee']}:{line['item']}:{line['honour']}"
    return f"{line['payee']}:{line['item']}"


def owned_by(scope: Scope | None) -> Q:
    """The entitlements whose outcome the scope's facts decide (all of them: no scope)."""
    if scope is None:
        return Q()
    q = Q(article__in=(1, 5), enterprise__in=scope.enterprises) | Q(article=17, operator__in=scope.operators)
    if scope.by_investor:
        return q | Q(article=6, investor__in=scope.investors)
    return q | Q(article=6, enterprise__in=scope.enterprises)


def scope_for(*, enterprises=(), investors=(), operators=(), pack=None) -> Scope:
    """The closed scope of a change, under the Art. 6 cap reading in force."""
    from zjtx.policy_admin.services import effective_pack

    pack = pack or effective_pack()
    by_investor = pack.interpretations["art6_annual_cap_scope"].default == "investor"
    return scope_of(enterprises=enterprises, investors=investors, operators=operators, by_investor=by_investor)


def _owns(scope: Scope | None, line: dict) -> bool:
    if scope is None:
        return True
    pk = int(line["payee"][1:])
    if line["article"] in (1, 5):
        return pk in scope.enterprises
    if line["article"] == 17:
        return pk in scope.operators
    if scope.by_investor:
        return pk in scope.investors
    return int(line["beneficiary_enterprise"][1:]) in scope.enterprises


def settled_entitlements(scope: Scope | None = None) -> dict[str, Entitlement]:
    """Entitlements with money paid (a live payment line), by triggering fact. The
    whole amount is charged to once-only rules and caps: the rest is committed."""
    settled = {}
    for ent in Entitlement.objects.filter(owned_by(scope)).filter(
            claim__payments__kind=Payment.Kind.PAYMENT,
            claim__payments__reversed_by__isnull=True).distinct():
        settled[ent.event_ref] = ent
    return settled


def _payee_id(ent: Entitlement) -> str:
    """The payee's id in the facts document (the ids facts_export gives)."""
    if ent.investor_id:
        return investor_id(ent.investor_id)
    if ent.operator_id:
        return operator_id(ent.operator_id)
    return enterprise_id(ent.enterprise_id)


def scan_facts(scope: Scope | None = None) -> tuple[dict, dict[str, Entitlement]]:
    settled = settled_entitlements(scope)
    doc = registry_facts(scope=scope)
    # A paid fact is settled: it still counts as a fact (validity, listing, caps)
    # but the engine yields nothing for it again.
    moved = {ev["id"]: ev for ev in doc["events"] if ev["id"] in settled}
    doc["events"] = [ev for ev in doc["events"] if ev["id"] not in settled]
    paid = []
    for ref, ent in settled.items():
        entry = {"type": "reward_paid", "payee": _payee_id(ent), "item": ent.item,
                 "amount": str(ent.amount), "attribution_year": ent.budget_year}
        if ref in moved:
            entry.update(date=moved[ref]["date"], event=ref)
        else:  # the fact has left the registry since; the money stays charged
            entry["date"] = f"{ent.budget_year}-01-01"
        if ent.honour:
            entry["honour"] = ent.honour
        if ent.investor_id:
            entry["beneficiary_enterprise"] = enterprise_id(ent.enterprise_id)
        paid.append(entry)
    doc["history"] = list(moved.values()) + paid
    return doc, settled


def _values(line: dict) -> dict:
    return {
        "amount": Decimal(line["amount"]),
        **{f"{p}_part": Decimal(line["funding"][p]) for p in PARTS},
        "budget_year": line["attribution_year"],
        "raw_amount": Decimal(line["raw_amount"]) if "raw_amount" in line else None,
        "capped_by": line.get("capped_by", ""),
    }


def _recipient(line: dict) -> dict:
    payee = line["payee"]
    pk = int(payee[1:])
    if payee[0] == "I":
        return {"investor_id": pk, "enterprise_id": int(line["beneficiary_enterprise"][1:])}
    if payee[0] == "P":
        return {"operator_id": pk}
    return {"enterprise_id": pk}


def _same(ent: Entitlement, values: dict) -> bool:
    return (ent.amount == values["amount"] and ent.local_unit_id == values["local_unit_id"]
            and all(ent.part(p) == values[f"{p}_part"] for p in PARTS))


def _evaluate(doc: dict, pack) -> dict:
    if pack is None:
        from zjtx.policy_admin.services import effective_pack

        pack = effective_pack()
    return evaluate_case(read_case(doc, pack=pack)).to_json()


def line_key(line: dict) -> str:
    return f"{line['item']}:{line['event']}"


def evaluate_registry(*, pack=None) -> dict[str, dict]:
    """The reward lines a scan would find now, by entitlement key; writes nothing."""
    doc, _ = scan_facts()
    return {line_key(line): line for line in _evaluate(doc, pack)["reward_lines"]}


def _standing_by_once_key(existing: dict[str, Entitlement], keys_found: set[str]) -> dict[str, Entitlement]:
    """The entitlements whose claims still stand (not rejected), by once-only item,
    among those this scan does not find under their own key."""
    standing = {}
    for ent in sorted(existing.values(), key=lambda e: e.pk):
        if ent.key not in keys_found and ent.claim.state != ClaimState.REJECTED:
            standing.setdefault(ent.once_key, ent)
    return standing


def _follow_fact(ent: Entitlement, event_ref: str, actor):
    messenger(verb="entitlement_refact", actor=actor, entitlement=ent, claim=ent.claim,
              summary=f"{ent.key} 改由事实 {event_ref} 触发（原为 {ent.event_ref}），金额与分担不变",
              old=ent.event_ref, new=event_ref)
    Entitlement.objects.filter(pk=ent.pk).update(event_ref=event_ref)


def _change_words(ent: Entitlement, line: dict, values: dict) -> str:
    words = []
    if line["event"] != ent.event_ref:
        words.append(f"同一一次性事项改由事实 {line['event']} 触发（原为 {ent.event_ref}）")
    if values["local_unit_id"] != ent.local_unit_id:
        words.append("承担资金的县区（管委会）改变")
    if values["amount"] != ent.amount or any(ent.part(p) != values[f"{p}_part"] for p in PARTS):
        words.append("金额或分担改变")
    return "；".join(words) or "事实变化导致金额改变"


SCAN_LOCK = 20221  # any constant shared by every scanning process
# The phases a long scan shows, on the page and on a terminal.
PHASE_READ, PHASE_EVALUATE, PHASE_COMPARE, PHASE_TRACE, PHASE_WRITE = "读取", "计算", "比对", "生成计算过程", "写入"
Progress = Callable[[str, int, "int | None"], None]


@contextmanager
def one_scan_at_a_time():
    """A second scan waits for the first and then finds its rows, so two scans (a
    button and an import, say) never create one entitlement twice. On PostgreSQL an
    advisory lock held from the first read to the last write (the transaction's, when
    the caller holds one); SQLite already serialises writing transactions."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK])
            yield
            return
        cursor.execute("SELECT pg_advisory_lock(%s)", [SCAN_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [SCAN_LOCK])


def _quiet(phase: str, done: int, total: int | None) -> None:
    pass


def run_scan(*, actor=None, progress: Progress | None = None, pack=None, scope: Scope | None = None,
             engine: str = "batch") -> ScanReport:
    """Read, evaluate, compare and render traces outside any transaction (the page
    polling the progress can read it), then write in one.

    The whole registry is evaluated by the batch engine from columns read in bulk
    (columns.py); the per-case engine then renders the traces of the lines that
    are stored or changed, on those parties' facts alone. With a `scope` (what a
    change touched, scope_for) only its parties are evaluated, by the per-case
    engine, and only the entitlements they own compared: the same outcome as a
    whole scan, for them. engine="case" evaluates a whole scan the per-case way
    (the reference the batch path is tested against)."""
    progress = progress or _quiet
    if scope is not None and not scope:
        return ScanReport()
    if pack is None:
        from zjtx.policy_admin.services import effective_pack

        pack = effective_pack()
    with one_scan_at_a_time():
        progress(PHASE_READ, 0, None)
        if scope is None and engine == "batch":
            settled = settled_entitlements()
            pop = registry_population(settled, pack)
            progress(PHASE_EVALUATE, 0, len(pop.facts))
            result = results_to_json(pop, evaluate(pop), pack.reasons)
        else:
            doc, settled = scan_facts(scope)
            progress(PHASE_EVALUATE, 0, len(doc["events"]))
            result = _evaluate(doc, pack)
            result["reward_lines"] = [line for line in result["reward_lines"] if _owns(scope, line)]
        progress(PHASE_COMPARE, 0, len(result["reward_lines"]))
        plan, traces = _prepare(result, settled, scope=scope, pack=pack, progress=progress)
        size = len(plan.new) + len(plan.differences)
        progress(PHASE_WRITE, 0, size)
        with transaction.atomic():
            report = _write(plan, traces, settled, actor=actor, scope=scope)
        progress(PHASE_WRITE, size, size)
    return report


@dataclass
class _Difference:
    ent: Entitlement
    fields: dict  # Revision's new_* fields, reason and message
    trace_of: tuple[str, str]  # ("line", key) or ("rejection", event)


@dataclass
class _Plan:
    new: list[dict] = field(default_factory=list)  # lines that become entitlements
    follow: list[tuple[Entitlement, str]] = field(default_factory=list)  # same money, a new record of its fact
    differences: list[_Difference] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    unchanged: int = 0


def _plan(result: dict, settled: dict[str, Entitlement], existing: dict[str, Entitlement],
          last_revision: dict[int, Revision]) -> _Plan:
    """What the scan will write, decided before anything is written."""
    plan = _Plan()
    lines = result["reward_lines"]
    jurisdictions = dict(Jurisdiction.objects.values_list("code", "pk"))
    standing = _standing_by_once_key(existing, {line_key(line) for line in lines})
    for line in lines:
        key = line_key(line)
        values = _values(line)
        values["local_unit_id"] = line["local_unit_id"] = jurisdictions.get(line["local_unit"])
        # A once-only item already standing under another fact (a recognition
        # re-imported under a new record, say) is that entitlement's, changed or not:
        # never a second claim for what may be paid once.
        ent = existing.get(key) or standing.get(once_key(line))
        plan.seen.add(ent.key if ent is not None else key)
        if ent is None:
            # A reward of nothing (a parameter set to 0.00 by a policy change) is not an
            # entitlement: no claim asks an enterprise to confirm a bank account for it.
            # An entitlement found before is revised to 0.00, for review.
            if values["amount"] != 0:
                plan.new.append(line)
        elif _same(ent, values):
            if ent.event_ref != line["event"]:
                plan.follow.append((ent, line["event"]))
            plan.unchanged += 1
        else:
            plan.differences.append(_Difference(ent, {
                "new_amount": values["amount"], "reason": "", "new_local_unit_id": values["local_unit_id"],
                "new_event_ref": "" if line["event"] == ent.event_ref else line["event"],
                "new_parts": {p: str(values[f"{p}_part"]) for p in PARTS},
                "message": _change_words(ent, line, values)}, ("line", key)))
    rejected = {r["event"]: r for r in result["rejected"]}
    for key, ent in existing.items():
        if key in plan.seen or ent.event_ref in settled:
            continue
        r = rejected.get(ent.event_ref)
        plan.differences.append(_Difference(ent, {
            "new_amount": Decimal("0"), "reason": r["reason"] if r else "R_FACT_REMOVED",
            "new_local_unit_id": None, "new_event_ref": "", "new_parts": {},
            "message": r["message"] if r else "触发该奖励的事实已不在企业库中"}, ("rejection", ent.event_ref)))
    # A difference equal to the entitlement's last one (still open, or declined by the
    # city admin) is not recorded again: it is raised anew when the facts change again.
    fresh = []
    for d in plan.differences:
        last = last_revision.get(d.ent.pk)
        if last is not None and all(getattr(last, k) == v for k, v in d.fields.items() if k != "message"):
            plan.unchanged += 1
        else:
            fresh.append(d)
    plan.differences = fresh
    return plan


def _owner(line_or_fact: dict, by_investor: bool) -> str:
    """The party whose facts decide a line (its scope, for rendering its trace)."""
    if line_or_fact["article"] == 6 and not by_investor:
        return line_or_fact["beneficiary_enterprise"]
    return line_or_fact["payee"]


TRACE_CHUNK = 2000  # parties evaluated together when traces are rendered


def _traces(plan: _Plan, result: dict, pack, progress: Progress) -> dict[tuple[str, str], list]:
    """The per-case engine's trace of every line stored or changed, and of every
    rejection that revises an entitlement, from those parties' facts alone."""
    wanted = {("line", line_key(line)) for line in plan.new} | {d.trace_of for d in plan.differences}
    by_investor = pack.interpretations["art6_annual_cap_scope"].default == "investor"
    lines = {line_key(line): line for line in result["reward_lines"]}
    owners: set[str] = set()
    for kind, ref in wanted:
        if kind == "line":
            owners.add(_owner(lines[ref], by_investor))
    for d in plan.differences:
        if d.trace_of[0] == "rejection":
            ent = d.ent
            owners.add(_owner({"article": ent.article, "payee": _payee_id(ent),
                               "beneficiary_enterprise": enterprise_id(ent.enterprise_id)}, by_investor))
    traces: dict[tuple[str, str], list] = {}
    owners_sorted = sorted(owners)
    for i in range(0, len(owners_sorted), TRACE_CHUNK):
        progress(PHASE_TRACE, i, len(owners_sorted))
        chunk = owners_sorted[i:i + TRACE_CHUNK]
        pks = {p: {int(o[1:]) for o in chunk if o[0] == p} for p in "EIP"}
        scope = scope_for(enterprises=pks["E"], investors=pks["I"], operators=pks["P"], pack=pack)
        doc, _ = scan_facts(scope)
        out = _evaluate(doc, pack)
        for line in out["reward_lines"]:
            traces[("line", line_key(line))] = line["trace"]
        for r in out["rejected"]:
            traces[("rejection", r["event"])] = r["trace"]
    return traces


def _prepare(result: dict, settled: dict[str, Entitlement], *, scope: Scope | None, pack,
             progress: Progress) -> tuple[_Plan, dict]:
    """The plan of what to write and the traces it needs, read outside the write
    transaction (the entitlements' values it relied on are checked again there)."""
    existing = {e.key: e for e in Entitlement.objects.filter(owned_by(scope)).select_related("claim").defer(
        "trace", "claim__bank_name", "claim__bank_account", "claim__account_name")}
    last_revision: dict[int, Revision] = {}
    for rev in Revision.objects.filter(entitlement__in=owned_entitlements(scope)).order_by("found_at", "pk"):
        last_revision[rev.entitlement_id] = rev
    plan = _plan(result, settled, existing, last_revision)
    if all("trace" in line for line in result["reward_lines"]) and all("trace" in r for r in result["rejected"]):
        traces = {("line", line_key(line)): line["trace"] for line in result["reward_lines"]}
        traces |= {("rejection", r["event"]): r["trace"] for r in result["rejected"]}
    else:
        traces = _traces(plan, result, pack, progress)
    return plan, traces


def _as_planned(ent: Entitlement) -> tuple:
    return (ent.amount, tuple(ent.part(p) for p in PARTS), ent.local_unit_id, ent.event_ref)


def _write(plan: _Plan, traces: dict, settled: dict[str, Entitlement], *, actor, scope: Scope | None) -> ScanReport:
    # An entitlement changed since the plan read it (a difference accepted meanwhile)
    # is left to the next scan rather than revised from stale values.
    touched = [d.ent for d in plan.differences] + [ent for ent, _ in plan.follow]
    now_values = {e.pk: _as_planned(e) for e in Entitlement.objects.select_for_update().filter(
        pk__in=[e.pk for e in touched])}
    plan.differences = [d for d in plan.differences if now_values.get(d.ent.pk) == _as_planned(d.ent)]
    plan.follow = [(e, ref) for e, ref in plan.follow if now_values.get(e.pk) == _as_planned(e)]
    now = timezone.now()
    _create(plan.new, traces, actor=actor, now=now)
    for ent, event_ref in plan.follow:
        _follow_fact(ent, event_ref, actor)
    _revise(plan.differences, traces, now=now)
    report = ScanReport(new=len(plan.new), changed=len(plan.differences),
                        unchanged=len(settled) + plan.unchanged)
    Entitlement.objects.filter(key__in=plan.seen).update(last_scan_at=now)
    messenger(verb="scan_run", actor=actor, summary=report.line(), new=report.new, changed=report.changed,
              unchanged=report.unchanged, scope=None if scope is None else {
                  "enterprises": len(scope.enterprises), "investors": len(scope.investors),
                  "operators": len(scope.operators)})
    return report


def owned_entitlements(scope: Scope | None):
    return Entitlement.objects.filter(owned_by(scope)).values("pk")


def _create(lines: list[dict], traces: dict, *, actor, now) -> None:
    """New entitlements, their claims, the audit and the recipients' notifications,
    each written in bulk (COPY on PostgreSQL)."""
    if not lines:
        return
    rows = [{"key": line_key(line), "once_key": once_key(line), "article": line["article"], "item": line["item"],
             "honour": line.get("honour", ""), "event_ref": line["event"], "found_at": now, "last_scan_at": now,
             "local_unit_id": line["local_unit_id"], "trace": traces[("line", line_key(line))],
             **_recipient(line), **_values(line)} for line in lines]
    ids = insert_rows(Entitlement, rows)
    ents = [Entitlement(pk=pk, **row) for pk, row in zip(ids, rows, strict=True)]
    claim_ids = insert_rows(Claim, [{"entitlement_id": pk, "created_at": now, "updated_at": now} for pk in ids])
    claims = [Claim(pk=pk, entitlement=e) for pk, e in zip(claim_ids, ents, strict=True)]
    announce_claims(claims, actor=actor, now=now)


def _revise(differences: list[_Difference], traces: dict, *, now) -> None:
    if not differences:
        return
    Revision.objects.bulk_create([
        Revision(entitlement=d.ent, old_amount=d.ent.amount, trace=traces.get(d.trace_of, []), **d.fields)
        for d in differences])
    Claim.objects.filter(entitlement__in=[d.ent for d in differences]).update(flagged=True, updated_at=now)
    AuditEvent.objects.bulk_create([
        AuditEvent(verb="revision_found", entitlement=d.ent, claim=d.ent.claim, data={}, summary=fit(
            f"扫描发现 {d.ent.key} 金额变化：{d.ent.amount} → {d.fields['new_amount']}"
            + (f"（{d.fields['reason']}）" if d.fields["reason"] else ""), 300))
        for d in differences])
