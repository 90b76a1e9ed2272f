"""The registry as the batch engine's columns, read in bulk (values_list), for the
whole-registry scan: no facts document of Python dicts for 200,000 enterprises.

It gives exactly the Population that `population_from_case(read_case(doc))` gives
for scan.scan_facts()'s document — same parties, same facts in the same
processing order, the ledger's payments as history — so the batch engine's
lines are the per-case engine's to the fen (tests/fulfilment/test_batch_scan.py
compares both paths on the demo data and on random registries)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from zjtx.policy import batch_population as bp
from zjtx.policy.facts import read_case
from zjtx.policy.pack import Pack
from zjtx.registry import models
from zjtx.registry.facts_export import EVENT_OF_RECOGNITION, _jurisdictions

from .models import Entitlement

_EPOCH = np.datetime64("1970-01-01", "D")


def _days(dates) -> np.ndarray:
    return (np.array(list(dates), "datetime64[D]") - _EPOCH).astype(np.int32)


def _codes(table: tuple, values, *, blank=-1) -> np.ndarray:
    index = {v: i for i, v in enumerate(table)}
    return np.array([index[v] if v else blank for v in values], np.int8)


class _Facts:
    """Columns of one group of facts, built from lists; missing columns are -1/0."""

    DEFAULTS = {"valid_to": 0, "tranche": 0, "money": 0, "year": 0, "is_history": False}

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, n: int, ids: list[str], **cols):
        self.parts.append({"n": n, "ids": ids, **cols})

    def build(self) -> tuple[dict, list[str]]:
        out, ids = {}, []
        for part in self.parts:
            ids += part["ids"]
        for name, dtype in bp._DTYPES.items():
            chunks = []
            for part in self.parts:
                col = part.get(name)
                if col is None:
                    col = np.full(part["n"], self.DEFAULTS.get(name, -1), dtype)
                chunks.append(np.asarray(col, dtype))
            out[name] = np.concatenate(chunks) if chunks else np.zeros(0, dtype)
        return out, ids


def registry_population(settled: dict[str, Entitlement], pack: Pack) -> bp.Population:
    declared, current = _jurisdictions()
    case = read_case({"jurisdictions": declared, "enterprises": [], "events": []}, pack=pack)
    bp.check_codes(case)
    jur = bp.jurisdictions_from_case(case)
    jrow = {code: i for i, code in enumerate(jur.codes)}
    home_row = {pk: jrow[code] for pk, code in current.items()}

    # --- parties: enterprises, then investors, then operators -------------------------
    ents = list(models.Enterprise.objects.values_list("pk", "fiscal_home_id", "listed", "listed_on", "exchange",
                                                      "neeq_layer"))
    listed_by_node = set(models.ListingMilestone.objects.filter(kind="ipo_node", node="listed")
                         .values_list("enterprise_id", flat=True))
    has_neeq = set(models.ListingMilestone.objects.filter(kind="neeq").values_list("enterprise_id", flat=True))
    inv_pks = sorted(set(models.Investment.objects.values_list("investor_id", flat=True))
                     | set(models.Investment.objects.filter(fund__isnull=False).values_list("fund_id", flat=True)))
    ops = list(models.ServiceOperator.objects.values_list("pk", "fiscal_home_id"))
    ids = [f"E{e[0]}" for e in ents] + [f"I{pk}" for pk in inv_pks] + [f"P{o[0]}" for o in ops]
    row_of = {pid: i for i, pid in enumerate(ids)}
    n_e, n_i = len(ents), len(inv_pks)
    listed_from, overseas, innovation = [], [], []
    for pk, _, listed, listed_on, exchange, layer in ents:
        # As facts_export: a listing the registry knows as a milestone is a dated fact.
        flag = listed and pk not in listed_by_node
        listed_from.append(bp.NEVER if not (flag or (flag and listed_on)) else
                           bp.ALWAYS if listed_on is None else bp.day_number(listed_on))
        ex = exchange if flag and exchange else None
        overseas.append(bool(ex) and any(w in ex.upper() for w in bp.OVERSEAS_EXCHANGE_WORDS))
        innovation.append(layer == "innovation" and pk not in has_neeq)
    parties = bp.Parties(
        kind=np.array([0] * n_e + [1] * n_i + [2] * len(ops), np.int8),
        home=np.array([home_row[e[1]] for e in ents] + [-1] * n_i + [home_row[o[1]] for o in ops], np.int32),
        listed_from=np.array(listed_from + [bp.NEVER] * (n_i + len(ops)), np.int32),
        overseas_exchange=np.array(overseas + [False] * (n_i + len(ops)), bool),
        neeq_innovation=np.array(innovation + [False] * (n_i + len(ops)), bool), ids=ids)

    def rows(prefix: str, pks) -> np.ndarray:
        return np.array([row_of[f"{prefix}{pk}"] for pk in pks], np.int32)

    # --- events, in registry_facts's order: by date; within a day recognitions,
    # milestones, investments, platforms, each by pk ----------------------------------
    events = _Facts()
    recs = list(models.Recognition.objects.order_by("announced_on", "pk").values_list(
        "pk", "enterprise_id", "tier", "kind", "announced_on", "valid_to"))
    if recs:
        pk, ent, tier, kind, on, to = zip(*recs, strict=True)
        events.add(len(recs), [f"R{p}" for p in pk], day=_days(on), valid_to=_days(to), party=rows("E", ent),
                   type=np.array([bp.TYPES.index(EVENT_OF_RECOGNITION[tk]) for tk in zip(tier, kind, strict=True)]))
    mil = list(models.ListingMilestone.objects.order_by("date", "pk").values_list(
        "pk", "enterprise_id", "kind", "date", "path", "node", "action", "board"))
    if mil:
        pk, ent, kind, on, path, node, action, board = zip(*mil, strict=True)
        events.add(len(mil), [f"M{p}" for p in pk], day=_days(on), party=rows("E", ent),
                   type=np.array([bp.TYPES.index(k) for k in kind]),
                   path=_codes(bp.PATHS, [p if k in ("ipo_node", "ipo_withdrawn") else "" for k, p in
                                          zip(kind, path, strict=True)]),
                   node=_codes(bp.NODES, [n if k == "ipo_node" else "" for k, n in zip(kind, node, strict=True)]),
                   action=_codes(bp.ACTIONS, [a if k == "neeq" else "" for k, a in zip(kind, action, strict=True)]),
                   board=_codes(bp.BOARDS, [b if k == "regional_equity_listed" else "" for k, b in
                                            zip(kind, board, strict=True)]))
    invs = list(models.Investment.objects.order_by("paid_in_date", "pk").values_list(
        "pk", "investor_id", "investee_id", "fund_id", "vehicle", "round", "tranche", "paid_in", "paid_in_date"))
    rounds: dict[str, int] = {}
    if invs:
        pk, investor, investee, fund, vehicle, rnd, tranche, paid_in, on = zip(*invs, strict=True)
        events.add(len(invs), [f"V{p}" for p in pk], day=_days(on), party=rows("I", investor),
                   type=np.full(len(invs), bp.T_EQUITY),
                   investee=np.array([row_of[f"E{e}"] if v == "direct" else row_of[f"I{f}"]
                                      for e, f, v in zip(investee, fund, vehicle, strict=True)], np.int32),
                   vehicle=_codes(bp.VEHICLES, vehicle),
                   round=np.array([rounds.setdefault(r, len(rounds)) for r in rnd], np.int32),
                   tranche=np.array(tranche, np.int32),
                   money=np.array([int(m * 100) for m in paid_in], np.int64))
    plats = list(models.PlatformRecognition.objects.order_by("recognized_on", "pk").values_list(
        "pk", "operator_id", "honour", "level", "kind", "recognized_on"))
    if plats:
        pk, op, honour, level, kind, on = zip(*plats, strict=True)
        events.add(len(plats), [f"F{p}" for p in pk], day=_days(on), party=rows("P", op),
                   type=np.full(len(plats), bp.T_PLATFORM), honour=_codes(bp.HONOURS, honour),
                   level=_codes(bp.LEVELS, level), kind=_codes(bp.KINDS, kind))
    ev, ev_ids = events.build()
    order = np.argsort(ev["day"], kind="stable")
    ev = {k: v[order] for k, v in ev.items()}
    ev_ids = [ev_ids[i] for i in order]

    # --- history: the settled facts (moved out of the events), then the payments ------
    settled_rows = np.array([i for i, fid in enumerate(ev_ids) if fid in settled], np.int64)
    keep = np.ones(len(ev_ids), bool)
    keep[settled_rows] = False
    moved = {k: v[settled_rows] for k, v in ev.items()}
    moved_ids = [ev_ids[i] for i in settled_rows]
    where_moved = {fid: i for i, fid in enumerate(moved_ids)}
    paid = _Facts()
    for ref, ent in settled.items():
        payee = (f"I{ent.investor_id}" if ent.investor_id else f"P{ent.operator_id}" if ent.operator_id
                 else f"E{ent.enterprise_id}")
        at = where_moved.get(ref)
        day = int(moved["day"][at]) if at is not None else bp.day_number(dt.date(ent.budget_year, 1, 1))
        paid.add(1, [None], type=[bp.T_PAID], day=[day], party=[row_of[payee]],
                 investee=[row_of[f"E{ent.enterprise_id}"] if ent.investor_id else -1],
                 honour=[bp.HONOURS.index(ent.honour) if ent.honour else -1],
                 money=[int(ent.amount * 100)], item=[bp.ITEM[ent.item]], year=[ent.budget_year],
                 ref=[-1 if at is None else at])
    pd_cols, pd_ids = paid.build()
    hist = {k: np.concatenate([moved[k], pd_cols[k]]) for k in ev}
    hist["is_history"][:] = True
    hist_ids = moved_ids + pd_ids
    h_order = np.argsort(hist["day"], kind="stable")
    # a payment names its fact by row: renumber after the sort
    new_row = np.empty(len(h_order), np.int64)
    new_row[h_order] = np.arange(len(h_order))
    hist = {k: v[h_order] for k, v in hist.items()}
    hist["ref"] = np.where(hist["ref"] >= 0, new_row[np.maximum(hist["ref"], 0)], -1).astype(np.int32)
    hist_ids = [hist_ids[i] for i in h_order]
    facts = bp.Facts(**{k: np.concatenate([hist[k], ev[k][keep]]).astype(bp._DTYPES[k]) for k in ev},
                     ids=hist_ids + [fid for fid, k in zip(ev_ids, keep, strict=True) if k])
    return bp.Population(policy=bp.Policy.from_case(case), jurisdictions=jur, parties=parties, facts=facts)
