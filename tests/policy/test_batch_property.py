"""The batch engine against the per-case engine, on random facts documents.

(a) the batch engine on a whole population gives exactly the reference's result;
(b) the population evaluated as a whole gives the same outcome for every event as
    each cap party's own facts evaluated alone by the reference;
(c) invariants hold on every line: parts add up, no cap exceeded, no once-only
    item twice, NEEQ within its ceiling, totals equal the sum of lines.
A last test checks on a fixed sample that the generator really produces what
gives the test its teeth: cap cuts, pro-rata days, duplicates, top-ups …
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from zjtx.policy.batch import batch_to_json, evaluate, results_to_json
from zjtx.policy.batch_population import population_from_case
from zjtx.policy.engine import charge_history_payment, evaluate_case
from zjtx.policy.facts import read_case
from zjtx.policy.state import Ledger, duplicates

D = dt.date
DATES = [D(2021, 3, 1), D(2022, 6, 30), D(2022, 7, 1), D(2022, 12, 20), D(2023, 1, 5),
         D(2023, 6, 30), D(2023, 12, 31), D(2024, 1, 2), D(2024, 5, 20)]
HOMES = ["410302", "410305", "410311", "410324", "410329", "410371",
         "410381", "410322", "410306",  # retired codes, aliases of their successors
         "ZONE-C", "ZONE-S", "ZONE-P"]
JURISDICTIONS = {
    "ZONE-C": {"name": "县管开发区", "kind": "zone", "funding": "county100", "parent": "410329"},
    "ZONE-S": {"name": "自主财政园区", "kind": "zone", "funding": "county100"},
    "ZONE-P": {"name": "市管园区", "kind": "zone", "funding": "city100"},
}
INTERPRETATIONS = {
    "art1_upgrade": ["cumulative", "top_up"],
    "funding_scope": ["all_money_articles", "art1_only"],
    "art6_annual_cap_scope": ["invested_enterprise", "investor"],
    "ipo_paths": ["first_listing_only", "both_paths"],
    "art17_upgrade": ["cumulative", "top_up"],
    "ipo_prepolicy_nodes": ["not_paid", "back_paid"],
    "art6_item_basis": ["per_round", "per_tranche"],
}
PARAMETERS = {  # overrides that make caps and ceilings bind, and move the policy window
    "policy_effective_date": ["2022-07-01", "2023-01-01", "2022-01-01"],
    "policy_expiry_date": ["2023-12-31", "2024-01-02"],
    "art1_provincial_zjtx": ["100000.00", "150000.00", "300000.00"],  # equal tiers: top-up to zero
    "art1_national_little_giant": ["300000.00", "120000.00", "100000.00"],
    "art5_neeq_innovation_listed_direct": ["500000.00", "350000.00"],
    "art5_neeq_basic_listed": ["300000.00", "333333.33"],
    "art6_rate": ["0.01", "0.015", "0.007"],
    "art6_item_cap": ["3000.00", "250000.00", "500000.00"],
    "art6_enterprise_annual_cap": ["5000.00", "600000.00", "1000000.00", "0.03"],
    "art17_national_first": ["1000000.00", "400000.00", "500000.00"],
}
PAID_IN = ["1234567.89", "20000000.00", "45000000.00", "60000000.00", "100.00", "0.49",
           "12345.67", "99999999.99", "333333.33"]
RECOGNITIONS = ["zjtx_provincial_recognized", "zjtx_provincial_review_passed",
                "little_giant_recognized", "little_giant_review_passed", "innovative_sme_announced",
                "zjtx_city_recognized"]
STATUS_TYPES = set(RECOGNITIONS) | {"ipo_node", "ipo_withdrawn", "neeq", "regional_equity_listed"}
IPO_NODES = [("domestic", "tutoring_accepted"), ("domestic", "review_passed"), ("domestic", "listed"),
             ("overseas", "csrc_approved_or_filed"), ("overseas", "listed")]
NEEQ_ACTIONS = ["basic_listed", "entered_innovation_from_basic", "innovation_listed_direct",
                "demoted_to_basic"]
ITEMS_BY_ARTICLE = {
    1: ["art1_provincial_zjtx", "art1_national_little_giant"],
    5: ["art5_domestic_tutoring_accepted", "art5_domestic_listed", "art5_neeq_basic_listed",
        "art5_neeq_innovation_listed_direct", "art5_regional_equity_trading_board"],
    17: ["art17_provincial_first", "art17_national_first"],
}


def _uscc(n: int) -> str:
    base = f"91410300MA{n:07d}"
    return base + uscc.calc_check_digit(base)


@st.composite
def documents(draw):
    """A random valid facts document, and an as-of date or None."""
    n_ent = draw(st.integers(1, 4))
    enterprises = []
    for i in range(n_ent):
        e = {"id": f"E{i}", "name": f"企业{i}", "uscc": _uscc(i), "fiscal_home": draw(st.sampled_from(HOMES))}
        listing = draw(st.sampled_from(["no"] * 4 + ["start", "on", "on"]))
        if listing == "start":
            e["listed"] = True
        elif listing == "on":
            e["listed_on"] = draw(st.sampled_from(DATES[3:])).isoformat()
        if listing != "no" or draw(st.booleans()):
            e["exchange"] = draw(st.sampled_from(["上海证券交易所", "香港联交所", "NASDAQ"]))
        if draw(st.integers(0, 4)) == 0:
            e["neeq_layer"] = draw(st.sampled_from(["basic", "innovation"]))
        enterprises.append(e)
    investors = [{"id": f"I{i}", "name": f"基金{i}", "kind": "private_fund"}
                 for i in range(draw(st.integers(1, 3)))]
    investors.append({"id": "F0", "name": "拟设立基金", "kind": "private_fund"})
    operators = [{"id": f"P{i}", "name": f"平台{i}", "uscc": _uscc(100 + i),
                  "fiscal_home": draw(st.sampled_from(HOMES))} for i in range(draw(st.integers(0, 2)))]
    ent_ids = [e["id"] for e in enterprises]
    inv_ids = [i["id"] for i in investors if i["id"] != "F0"]
    op_ids = [o["id"] for o in operators]

    interpretations = {k: draw(st.sampled_from(v)) for k, v in INTERPRETATIONS.items()}
    by_investor = interpretations["art6_annual_cap_scope"] == "investor"
    counter = iter(range(10**6))
    history, events = [], []

    def date():  # mostly after the effective date, on few days, so that days share caps
        return draw(st.sampled_from(DATES[:2] + DATES[3:] * 3))

    def fact(history_entry: bool) -> list[dict]:
        kinds = ["recognition"] * 3 + ["art5"] * 4 + ["equity"] * 3 + ["burst"] * 3 + ["dup"] * 2
        kinds += ["upgrade", "repeat", "neeq path", "listing day"]
        kinds += ["platform"] * 2 if op_ids else []
        kinds += ["paid"] * 4 if history_entry else []
        kind = draw(st.sampled_from(kinds))
        d = date()
        f: dict = {"id": f"{'h' if history_entry else 'ev'}{next(counter)}", "date": d.isoformat()}
        if kind == "recognition":
            f |= {"type": draw(st.sampled_from(RECOGNITIONS)), "enterprise": draw(st.sampled_from(ent_ids)),
                  "valid_to": (d + dt.timedelta(days=draw(st.sampled_from([0, 100, 400, 1095])))).isoformat()}
        elif kind == "art5":
            e = draw(st.sampled_from(ent_ids))
            what = draw(st.sampled_from(["ipo"] * 4 + ["withdrawn"] + ["neeq"] * 3 + ["regional"] * 2))
            if what == "ipo":
                path, node = draw(st.sampled_from(IPO_NODES))
                listed_on = next(x.get("listed_on") for x in enterprises if x["id"] == e)
                if listed_on and draw(st.booleans()):  # the listing node on the entry's listing date
                    f["date"], node = listed_on, "listed"
                f |= {"type": "ipo_node", "enterprise": e, "path": path, "node": node,
                      "exchange": "香港联交所" if path == "overseas" else "深圳证券交易所"}
            elif what == "withdrawn":
                f |= {"type": "ipo_withdrawn", "enterprise": e, "path": draw(st.sampled_from(["domestic", "overseas"]))}
            elif what == "neeq":
                f |= {"type": "neeq", "enterprise": e, "action": draw(st.sampled_from(NEEQ_ACTIONS))}
            else:
                f |= {"type": "regional_equity_listed", "enterprise": e, "market": "中原股权交易中心",
                      "board": draw(st.sampled_from(["trading", "display"]))}
        elif kind in ("equity", "burst"):
            # a burst: one day's investments into one investee, or by one investor
            investee, investor = draw(st.sampled_from(ent_ids)), draw(st.sampled_from(inv_ids))
            same_investee = draw(st.sampled_from([not by_investor] * 3 + [by_investor]))  # mostly one cap party
            out = []
            for _ in range(draw(st.integers(2, 5)) if kind == "burst" else 1):
                g = {"id": f"{'h' if history_entry else 'ev'}{next(counter)}", "date": d.isoformat(),
                     "type": "equity_investment",
                     "investor": draw(st.sampled_from(inv_ids)) if same_investee else investor,
                     "investee": investee if same_investee else draw(st.sampled_from(ent_ids)),
                     "round": draw(st.sampled_from(["A", "B"])),
                     "vehicle": "direct",
                     "paid_in": draw(st.sampled_from(PAID_IN[1:4] if kind == "burst" else PAID_IN))}
                if draw(st.integers(0, 9)) == 0:
                    g |= {"vehicle": "fund_setup", "investee": "F0"}
                if draw(st.booleans()):
                    g["tranche"] = draw(st.integers(1, 3))
                out.append(g)
            if kind == "burst" and draw(st.booleans()):  # the same cap party again, later that year
                later = [x for x in DATES if x > d and x.year == d.year]
                if later:
                    out.append(out[0] | {"id": f"{out[0]['id']}y", "date": draw(st.sampled_from(later)).isoformat()})
            return out
        elif kind == "platform":
            f |= {"type": "platform_recognized", "operator": draw(st.sampled_from(op_ids)),
                  "honour": draw(st.sampled_from(["public_service_platform", "entrepreneurship_base"])),
                  "level": draw(st.sampled_from(["national", "provincial"])),
                  "kind": draw(st.sampled_from(["first"] * 4 + ["review"]))}
        elif kind == "paid":
            return [reward_paid(f)]
        elif kind == "upgrade":  # provincial, later national: the same enterprise or platform
            later = max(d, date())
            if op_ids and draw(st.booleans()):
                f |= {"type": "platform_recognized", "operator": draw(st.sampled_from(op_ids)),
                      "honour": draw(st.sampled_from(["public_service_platform", "entrepreneurship_base"])),
                      "level": "provincial", "kind": "first"}
                g = f | {"level": "national"}
            else:
                f |= {"type": "zjtx_provincial_recognized", "enterprise": draw(st.sampled_from(ent_ids)),
                      "valid_to": (later + dt.timedelta(days=400)).isoformat()}
                g = f | {"type": "little_giant_recognized"}
            return [f, g | {"id": f"{f['id']}u", "date": later.isoformat()}]
        elif kind == "neeq path":  # basic layer, later the innovation layer: the ceiling binds
            e = draw(st.sampled_from(ent_ids))
            f |= {"type": "neeq", "enterprise": e, "action": "basic_listed"}
            later = max(d, date())
            action = draw(st.sampled_from(["entered_innovation_from_basic", "innovation_listed_direct"]))
            return [f, f | {"id": f"{f['id']}n", "date": later.isoformat(), "action": action}]
        elif kind == "listing day":  # the listing node on the entry's own listing date
            listed = [x for x in enterprises if "listed_on" in x]
            if not listed:
                return []
            x = draw(st.sampled_from(listed))
            path = draw(st.sampled_from(["domestic", "overseas"]))
            f |= {"date": x["listed_on"], "type": "ipo_node", "enterprise": x["id"], "path": path,
                  "node": "listed", "exchange": "深圳证券交易所"}
        elif kind == "repeat":  # the same fact again from another source: not a duplicate
            earlier = [g for g in history + events if g["type"] not in ("reward_paid", "equity_investment")]
            if not earlier:
                return []
            g = copy.deepcopy(draw(st.sampled_from(earlier))) | {"id": f["id"]}
            g.pop("source_record", None)
            return [g]
        else:  # a duplicate of an earlier fact, by source record
            earlier = [g for g in history + events if g["type"] != "reward_paid"]
            if not earlier:
                return []
            original = draw(st.sampled_from(earlier))
            original.setdefault("source_record", f"SR-{next(counter)}")
            g = copy.deepcopy(original) | {"id": f["id"]}
            if draw(st.integers(0, 3)) == 0:
                g["date"] = date().isoformat()
                if "valid_to" in g and g["valid_to"] < g["date"]:
                    g["valid_to"] = g["date"]
            return [g]
        if draw(st.integers(0, 9)) == 0:
            f["source_record"] = f"SR-{next(counter)}"
        return [f]

    def reward_paid(f: dict) -> dict:
        article = draw(st.sampled_from([1, 5, 6, 17] if op_ids else [1, 5, 6]))
        f |= {"type": "reward_paid"}
        if article == 6:
            refs = [h for h in history if h["type"] == "equity_investment" and h["vehicle"] == "direct"]
            f |= {"item": "art6_equity_investment",
                  "amount": draw(st.sampled_from(["3000.00", "400000.00", "999999.99", "1.00"]))}
            if refs and draw(st.booleans()):
                ref = draw(st.sampled_from(refs))
                f |= {"event": ref["id"], "payee": ref["investor"]}
            else:
                f |= {"payee": draw(st.sampled_from(inv_ids)), "beneficiary_enterprise": draw(st.sampled_from(ent_ids)),
                      "round": draw(st.sampled_from(["A", "B"]))}
            if draw(st.booleans()):
                f["attribution_year"] = draw(st.sampled_from([2022, 2023, 2024]))
            return f
        item = draw(st.sampled_from(ITEMS_BY_ARTICLE[article]))
        f |= {"item": item, "amount": draw(st.sampled_from(["100000.00", "250000.00", "1.00"]))}
        if article == 17:
            refs = [h for h in history if h["type"] == "platform_recognized"]
            if refs and draw(st.booleans()):
                ref = draw(st.sampled_from(refs))
                f |= {"event": ref["id"], "payee": ref["operator"]}
            else:
                f |= {"payee": draw(st.sampled_from(op_ids)),
                      "honour": draw(st.sampled_from(["public_service_platform", "entrepreneurship_base"]))}
        else:
            f["payee"] = draw(st.sampled_from(ent_ids))
        return f

    for e in ent_ids:  # most enterprises hold a recognition through most of the window
        if draw(st.integers(0, 3)):
            history.append({"id": f"h{next(counter)}", "date": "2021-03-01",
                            "type": draw(st.sampled_from(RECOGNITIONS[:3] * 3 + RECOGNITIONS[3:])), "enterprise": e,
                            "valid_to": draw(st.sampled_from(["2022-12-31", "2026-12-31", "2026-12-31"]))})
    for _ in range(draw(st.integers(0, 6))):
        history.extend(fact(True))
    for _ in range(draw(st.integers(1, 20))):
        events.extend(fact(False))
    for f in history:  # history ids are optional; keep those a reward_paid names
        if f["type"] != "reward_paid" and not any(g.get("event") == f["id"] for g in history):
            if draw(st.integers(0, 3)) == 0:
                del f["id"]
    doc = {"jurisdictions": JURISDICTIONS, "enterprises": enterprises, "investors": investors,
           "operators": operators, "history": history, "events": events,
           "interpretations": interpretations}
    if draw(st.booleans()):
        doc["parameters"] = {k: draw(st.sampled_from(v)) for k, v in PARAMETERS.items()
                             if draw(st.integers(0, 2)) == 0}
        if draw(st.integers(0, 2)) == 0:  # equal tiers and levels: a top-up of exactly nothing
            doc["parameters"]["art1_national_little_giant"] = doc["parameters"].get(
                "art1_provincial_zjtx", "100000.00")
            doc["parameters"]["art17_national_first"] = "500000.00"
    as_of = draw(st.sampled_from(DATES)) if draw(st.integers(0, 4)) == 0 else None
    return doc, as_of


def reference(doc, as_of=None) -> dict:
    return evaluate_case(read_case(doc, as_of=as_of)).to_json(with_trace=False)


def outcomes(result: dict) -> dict[str, dict]:
    """Each event's line or rejection, by event id."""
    out = {line["event"]: line for line in result["reward_lines"]}
    out |= {r["event"]: r for r in result["rejected"]}
    return out


# --- (b): one sub-document per cap party --------------------------------------------

def owner(doc: dict, f: dict, by_investor: bool):
    """The party whose facts decide this fact's outcome (None: a payment that charges
    nobody's ledger)."""
    t = f["type"]
    if t in STATUS_TYPES:
        return f["enterprise"]
    if t == "platform_recognized":
        return f["operator"]
    if t == "equity_investment":
        return f["investor"] if by_investor else f["investee"]
    item = f["item"]
    if item.startswith(("art1_", "art5_", "art17_")):
        return f["payee"]
    if by_investor:
        return f["payee"]
    if "beneficiary_enterprise" in f:
        return f["beneficiary_enterprise"]
    ref = next(h for h in doc["history"] if h.get("id") == f.get("event")) if "event" in f else None
    return ref["investee"] if ref else None


def split(doc: dict) -> dict[str, dict]:
    """One sub-document per cap party: its own facts (under `investor` scope, an
    investor's investments with every enterprise's status facts copied in); every
    party is declared in each (a party without facts yields nothing)."""
    by_investor = doc["interpretations"].get("art6_annual_cap_scope") == "investor"
    subs: dict[str, dict] = {}
    for section in ("history", "events"):
        for f in doc[section]:
            who = owner(doc, f, by_investor)
            if who is None:
                continue
            sub = subs.setdefault(who, {k: v for k, v in doc.items() if k not in ("history", "events")}
                                  | {"history": [], "events": [], "owned": set()})
            sub[section].append(f)
            if "id" in f and section == "events":
                sub["owned"].add(f["id"])
    if by_investor:
        investor_ids = {i["id"] for i in doc["investors"]}
        for who, sub in subs.items():
            if who in investor_ids:
                for section in ("history", "events"):
                    mine = {id(f) for f in sub[section]}
                    sub[section] = [f for f in doc[section]
                                    if id(f) in mine or f["type"] in STATUS_TYPES]
    return subs


# --- (c): invariants --------------------------------------------------------------------

def check_invariants(case, result: dict):
    history = {f.id: f for f in case.facts if f.is_history and f.id is not None}
    ledger = Ledger()
    dup = duplicates(case)
    for f in case.facts:
        if f.is_history and f.type == "reward_paid" and f.seq not in dup:
            charge_history_payment(case, ledger, f, history)
    facts = {f.id: f for f in case.facts if f.id is not None}

    def param(key, day):
        return int(Decimal(case.param(key, day)) * 100)

    per_payee: Counter = Counter()
    once: Counter = Counter()
    item_total: Counter = Counter()
    year_total: Counter = Counter()
    neeq_total: Counter = Counter()
    per_tranche = case.interpretations["art6_item_basis"] == "per_tranche"
    by_investor = case.interpretations["art6_annual_cap_scope"] == "investor"
    for line in result["reward_lines"]:
        fen = {k: int(Decimal(v) * 100) for k, v in line["funding"].items()}
        amount = int(Decimal(line["amount"]) * 100)
        assert sum(fen.values()) == amount and min(fen.values()) >= 0, line
        assert ("raw_amount" in line) == ("capped_by" in line), line
        per_payee[line["payee"]] += amount
        f = facts[line["event"]]
        item, payee = line["item"], line["payee"]
        if line["article"] == 6:
            cap = param("art6_item_cap", f.date)
            assert 0 < amount <= cap, line
            if "capped_by" in line:
                assert int(Decimal(line["raw_amount"]) * 100) > amount, line
            key = ("tranche", f.id) if per_tranche else ("round", payee, f["investee"], f["round"])
            item_total[key] += amount
            assert ledger.art6_item[key] + item_total[key] <= cap, (line, key)
            party = payee if by_investor else f["investee"]
            year_total[(party, f.date.year)] += amount
            annual = param("art6_enterprise_annual_cap", f.date)
            assert ledger.art6_year[(party, f.date.year)] + year_total[(party, f.date.year)] <= annual, line
        elif line["article"] == 17:
            key = (payee, line["honour"], item)
            once[key] += 1
            assert once[key] == 1 and not ledger.art17[key], line
        else:
            once[(payee, item)] += 1
            assert once[(payee, item)] == 1 and not ledger.paid(payee, item), line
            if item.startswith("art5_neeq"):
                neeq_total[payee] += amount
                attribution = max(f.date, case.effective_date)
                ceiling = param("art5_neeq_innovation_listed_direct", attribution)
                assert ledger.neeq_total(payee) + neeq_total[payee] <= ceiling, line
    assert {p: int(Decimal(v) * 100) for p, v in result["totals_by_payee"].items()} == dict(per_payee)


# --- the tests ------------------------------------------------------------------------

def features(doc, result) -> set[str]:
    """What an example exercises (for event() and the coverage test)."""
    out = set()
    case = read_case(doc)
    for line in result["reward_lines"]:
        if "capped_by" in line:
            out.add(line["capped_by"])
        if line["article"] == 5 and line["item"].startswith("art5_neeq"):
            out.add("neeq line")
            day = max(dt.date.fromisoformat(next(f["date"] for f in doc["events"] if f["id"] == line["event"])),
                      case.effective_date)
            if Decimal(line["amount"]) < Decimal(case.param(line["item"], day)):
                out.add("neeq ceiling cut")
        if line.get("local_unit") is None:
            out.add("city pays all")
    reasons = {r["reason"] for r in result["rejected"]}
    out |= reasons
    events = {f["id"]: f for f in doc["events"]}
    by_investor = doc["interpretations"].get("art6_annual_cap_scope") == "investor"
    days = defaultdict(list)
    for r in [*result["reward_lines"], *result["rejected"]]:
        f = events.get(r["event"])
        if f and f["type"] == "equity_investment":
            days[(f["investor"] if by_investor else f["investee"], f["date"])].append(r)
    if any(len(rs) > 1 and any(r.get("capped_by") == "annual_cap" for r in rs) for rs in days.values()):
        out.add("pro-rata day")
    interp = doc["interpretations"]
    for key, default in (("art1_upgrade", "cumulative"), ("art17_upgrade", "cumulative")):
        if interp.get(key, default) == "top_up" and any(
                line["article"] == int(key[3:key.index("_")]) for line in result["reward_lines"]):
            out.add(f"{key} top_up line")
    if any(f["type"] == "reward_paid" for f in doc["history"]):
        out.add("history payment")
    if doc.get("parameters"):
        out.add("parameter override")
    listed_on = {e["id"]: e.get("listed_on") for e in doc["enterprises"]}
    paid_events = {line["event"] for line in result["reward_lines"]}
    if any(f["type"] == "ipo_node" and f["node"] == "listed" and f["id"] in paid_events
           and listed_on[f["enterprise"]] == f["date"] for f in doc["events"]):
        out.add("listed node on the entry's listing date")
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_batch_equals_reference_and_split_and_invariants(example):
    doc, as_of = example
    case = read_case(doc, as_of=as_of)
    expected = evaluate_case(case).to_json(with_trace=False)
    for feature in features(doc, expected):
        event(feature)

    # (a) the whole population, through the batch engine, to the fen and in order
    assert batch_to_json(case) == expected
    if as_of is not None:  # --as-of applied by the batch engine itself
        pop = population_from_case(read_case(doc))
        assert results_to_json(pop, evaluate(pop, as_of=as_of), case.pack.reasons) == expected

    # (b) as a whole = each cap party alone
    whole = outcomes(expected)
    for who, sub in split(doc).items():
        owned = sub.pop("owned")
        alone = outcomes(reference(sub, as_of))
        for eid in owned:
            assert alone.get(eid) == whole.get(eid), (who, eid)

    # (c) invariants
    check_invariants(case, expected)


def test_the_generator_has_teeth():
    """On a fixed sample, the documents produce every situation the test is about."""
    seen: Counter = Counter()

    @settings(max_examples=300, derandomize=True, database=None, deadline=None)
    @given(documents())
    def sample(example):
        doc, as_of = example
        seen.update(features(doc, reference(doc, as_of)))
        if as_of:
            seen["as-of"] += 1

    sample()
    wanted = ["item_cap", "annual_cap", "pro-rata day", "R_DUPLICATE_EVENT", "R_ITEM_CAP_REACHED",
              "R_ANNUAL_CAP_REACHED", "R_HONOUR_ALREADY_PAID", "R_NODE_ALREADY_PAID",
              "R_NEEQ_NOT_FIRST_ENTRY", "R_ALREADY_LISTED", "R_INVESTEE_LISTED", "R_FUND_SETUP",
              "R_EXPIRED_BEFORE_POLICY", "R_PRE_POLICY", "R_AFTER_POLICY", "R_REVIEW_NOT_NEW",
              "R_DISPLAY_BOARD", "R_NOT_ELIGIBLE_TIER", "R_NOT_ZJTX_AT_EVENT",
              "art1_upgrade top_up line", "art17_upgrade top_up line", "neeq line",
              "city pays all", "history payment", "parameter override", "as-of",
              "listed node on the entry's listing date", "neeq ceiling cut"]
    missing = [w for w in wanted if seen[w] < 3]
    assert not missing, (missing, seen)
