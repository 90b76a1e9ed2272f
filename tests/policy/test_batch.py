"""Direct tests of the batch engine: the policy's YAML cases through both engines, a
synthetic population of 10,000 enterprises against the invariants, and the exact
integer paths that only very large numbers take."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from zjtx.policy.batch import _mul_div_half_up, _order, batch_to_json, evaluate, results_to_json
from zjtx.policy.batch_population import (
    ARTICLE_OF_ITEM,
    ITEM,
    REASON,
    T_EQUITY,
    T_IPO_WITHDRAWN,
    T_NEEQ,
    T_PAID,
    population_from_case,
)
from zjtx.policy.batch_synth import synthetic_population
from zjtx.policy.engine import evaluate_case
from zjtx.policy.facts import load_document, read_case

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_policy_case_same_through_batch_as_reference(path):
    case = read_case(load_document(path))
    assert batch_to_json(case) == evaluate_case(case).to_json(with_trace=False)


def test_as_of_drops_later_events_as_the_reference_does():
    path = next((p for p in CASES if "lifecycle" in p.name), CASES[-1] if CASES else None)
    if path is None:
        pytest.skip("no policy cases")
    doc = load_document(path)
    for day in ("2022-12-31", "2023-06-30", "2024-12-31"):
        as_of = dt.date.fromisoformat(day)
        case = read_case(doc)
        pop = population_from_case(case)
        got = results_to_json(pop, evaluate(pop, as_of=as_of), case.pack.reasons)
        assert got == evaluate_case(read_case(doc, as_of=as_of)).to_json(with_trace=False)


BIG = {
    "parameters": {"art6_rate": "0.0123456789", "art6_item_cap": "99999999999.99",
                   "art6_enterprise_annual_cap": "99999999999.99"},
    "enterprises": [{"id": "E1", "name": "甲", "uscc": "91410305MA0EXAM01L", "fiscal_home": "410305"}],
    "investors": [{"id": "I1", "name": "乙", "kind": "private_fund"},
                  {"id": "I2", "name": "丙", "kind": "private_fund"}],
    "events": [
        {"id": "r", "date": "2022-08-01", "type": "zjtx_provincial_recognized", "enterprise": "E1",
         "valid_to": "2025-07-31"},
        {"id": "a", "date": "2023-01-05", "type": "equity_investment", "investor": "I1", "investee": "E1",
         "round": "A", "vehicle": "direct", "paid_in": "99999999999.99"},
        {"id": "b", "date": "2023-01-05", "type": "equity_investment", "investor": "I2", "investee": "E1",
         "round": "A", "vehicle": "direct", "paid_in": "77777777777.77"},
    ],
}


def test_amounts_past_int64_products_stay_exact():
    """1.2e9 fen × 123456789 passes int64: the rate and the pro-rata take Python integers."""
    case = read_case(BIG)
    assert batch_to_json(case) == evaluate_case(case).to_json(with_trace=False)


def test_mul_div_half_up_is_exact_both_ways():
    a = np.array([0, 1, 49, 50, 150, 10**12, 9 * 10**17])
    for num, den in ((1, 100), (1, 2), (123456789, 10**10), (3, 7)):
        want = [(2 * int(x) * num + den) // (2 * den) for x in a]
        assert _mul_div_half_up(a, num, den).tolist() == want


def test_order_packs_keys_or_falls_back_to_lexsort():
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 5, 1000), rng.integers(0, 7, 1000)
    want = np.lexsort((np.arange(1000), b, a))
    assert (_order(1000, (a, 5), (b, 7)) == want).all()
    assert (_order(1000, (a, 2**40), (b, 2**40)) == want).all()  # too wide to pack


# --- a synthetic population against the invariants --------------------------------------

@pytest.mark.parametrize("readings", [
    {},
    {"art1_upgrade": "top_up", "art17_upgrade": "top_up", "ipo_paths": "both_paths",
     "art6_annual_cap_scope": "investor", "art6_item_basis": "per_tranche",
     "funding_scope": "art1_only", "ipo_prepolicy_nodes": "back_paid"},
])
def test_synthetic_population_of_ten_thousand_keeps_the_invariants(readings):
    pop = synthetic_population(10_000, seed=7, interpretations=readings)
    res = evaluate(pop)
    f, pol = pop.facts, pop.policy
    article = ARTICLE_OF_ITEM[res.item]

    # Every judged event has exactly one outcome; history and facts of nature have none.
    outcome = np.concatenate([res.event, res.rejected_event])
    assert len(np.unique(outcome)) == len(outcome)
    silent = f.is_history | np.isin(f.type, (T_IPO_WITHDRAWN, 3, 4)) | ((f.type == T_NEEQ) & (f.action == 3))
    assert np.array_equal(np.sort(outcome), np.flatnonzero(~silent))
    assert (np.diff(res.event) > 0).all() and (np.diff(res.rejected_event) > 0).all()

    # Parts add up; no part negative.
    assert (res.funding.sum(axis=1) == res.amount).all() and (res.funding >= 0).all()
    assert (res.amount[article != 6] > 0).all()

    # Once-only items (Art. 1 tier, Art. 5 node, Art. 17 honour and level).
    once = article != 6
    key = res.payee[once].astype(np.int64) * 64 + res.item[once] * 4 + (res.honour[once] + 1)
    assert len(np.unique(key)) == len(key)

    # Art. 6: each line within its item cap; each (cap party, year) within the annual cap.
    six = article == 6
    cap = pol.money("art6_item_cap", f.day[res.event[six]])
    assert (res.amount[six] <= cap).all() and (res.amount[six] > 0).all()
    party = res.payee[six] if readings else res.beneficiary[six]
    history = f.is_history & (f.type == T_PAID) & (f.item == ITEM["art6_equity_investment"])
    hist_party = (f.party if readings else f.investee)[history]
    key = party.astype(np.int64) * 10000 + res.attribution_year[six]
    years = f.day[history].astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    hist_key = hist_party.astype(np.int64) * 10000 + np.where(f.year[history] > 0, f.year[history], years)
    keys, where = np.unique(np.concatenate([key, hist_key]), return_inverse=True)
    total = np.zeros(len(keys), np.int64)
    np.add.at(total, where, np.concatenate([res.amount[six], f.money[history]]))
    annual = pol.money("art6_enterprise_annual_cap", np.array([0]))[0]
    assert (total[np.unique(where[:len(key)])] <= annual).all()

    # The caps do bind, and some days are shared pro rata.
    assert (res.capped_by == 1).any() and (res.capped_by == 2).any()
    assert (res.reason == REASON["R_ANNUAL_CAP_REACHED"]).any()
    assert (res.reason == REASON["R_DUPLICATE_EVENT"]).any()
    equity = f.type[res.event[six]] == T_EQUITY
    assert equity.all()
