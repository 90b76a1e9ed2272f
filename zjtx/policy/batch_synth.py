"""A seeded synthetic population, built directly as columns (for the benchmark and
the batch engine's scale tests): enterprises with recognitions and listings,
investors whose investments sometimes fall on one investee's one day so that the
caps bind, platform operators, duplicates by source record and a little history."""

from __future__ import annotations

import numpy as np

from .batch_population import (
    ALWAYS,
    ITEM,
    NEVER,
    T_CITY,
    T_EQUITY,
    T_INNOVATIVE,
    T_IPO,
    T_IPO_WITHDRAWN,
    T_NATIONAL,
    T_NEEQ,
    T_PAID,
    T_PLATFORM,
    T_PROVINCIAL,
    T_REGIONAL,
    T_REVIEW,
    Facts,
    Parties,
    Policy,
    Population,
    jurisdictions_from_case,
)
from .facts import read_case

_DEFAULTS = {"valid_to": 0, "investee": -1, "path": -1, "node": -1, "action": -1, "board": -1,
             "vehicle": -1, "honour": -1, "level": -1, "kind": -1, "round": -1, "tranche": 0,
             "money": 0, "item": -1, "year": 0, "ref": -1, "source": -1}
_DTYPES = {"type": np.int8, "day": np.int32, "valid_to": np.int32, "party": np.int32,
           "investee": np.int32, "path": np.int8, "node": np.int8, "action": np.int8,
           "board": np.int8, "vehicle": np.int8, "honour": np.int8, "level": np.int8,
           "kind": np.int8, "round": np.int32, "tranche": np.int32, "money": np.int64,
           "item": np.int8, "year": np.int16, "ref": np.int32, "source": np.int64,
           "is_history": bool}
# A county-run zone beside the built-in table, so that every funding path is taken.
ZONE = {"ZONE-C": {"name": "县管开发区", "kind": "zone", "funding": "county100", "parent": "410329"}}
YUAN = 100


def synthetic_population(n: int, *, seed: int = 0, interpretations: dict | None = None,
                         parameters: dict | None = None) -> Population:
    """n enterprises, n/10 investors, n/100 operators and about 4 facts per enterprise."""
    rng = np.random.default_rng(seed)
    case = read_case({"enterprises": [], "events": [], "jurisdictions": ZONE,
                      "interpretations": interpretations or {}, "parameters": parameters or {}})
    policy = Policy.from_case(case)
    jur = jurisdictions_from_case(case)
    eff = policy.effective
    n_inv, n_op = max(n // 10, 1), max(n // 100, 1)
    ent = np.arange(n, dtype=np.int32)
    inv = np.arange(n, n + n_inv, dtype=np.int32)
    op = np.arange(n + n_inv, n + n_inv + n_op, dtype=np.int32)

    kind = np.concatenate([np.zeros(n, np.int8), np.ones(n_inv, np.int8), np.full(n_op, 2, np.int8)])
    home = rng.integers(0, len(jur), n + n_inv + n_op).astype(np.int32)
    home[n:n + n_inv] = -1
    listed_from = np.full(len(kind), NEVER, np.int32)
    u = rng.random(n)
    listed_from[:n][u < 0.02] = ALWAYS
    listed_from[:n][(u >= 0.02) & (u < 0.04)] = eff + rng.integers(0, 900, n)[(u >= 0.02) & (u < 0.04)]
    parties = Parties(kind=kind, home=home, listed_from=listed_from,
                      overseas_exchange=np.zeros(len(kind), bool) | (rng.random(len(kind)) < 0.01),
                      neeq_innovation=(rng.random(len(kind)) < 0.02) & (kind == 0))

    blocks: list[dict] = []

    def add(size: int, history: bool = False, **cols):
        cols = {k: np.broadcast_to(v, size) for k, v in cols.items()}
        cols["is_history"] = np.full(size, history)
        blocks.append(cols)

    def some(p: float, of=ent) -> np.ndarray:
        return of[rng.random(len(of)) < p]

    def days(size, lo=-200, hi=900):
        return eff + rng.integers(lo, hi, size)

    # History: an earlier provincial recognition still valid; some Art. 1 and Art. 6 payments.
    e = some(0.3)
    d = eff - rng.integers(30, 700, len(e))
    add(len(e), True, type=T_PROVINCIAL, day=d, party=e, valid_to=d + 1095)
    e = some(0.05)
    add(len(e), True, type=T_PAID, day=eff - 10, party=e, item=ITEM["art1_provincial_zjtx"],
        money=100_000 * YUAN)
    i = some(0.05, inv)
    add(len(i), True, type=T_PAID, day=eff + 100, party=i, item=ITEM["art6_equity_investment"],
        investee=rng.integers(0, n, len(i)), round=rng.integers(0, 4, len(i)), money=400_000 * YUAN)

    # Art. 1 recognitions (and the tiers that qualify for nothing), an upgrade for some.
    t = rng.choice([T_PROVINCIAL, T_NATIONAL, T_REVIEW, T_INNOVATIVE, T_CITY], n,
                   p=[0.6, 0.15, 0.1, 0.1, 0.05])
    d = days(n)
    add(n, type=t, day=d, party=ent, valid_to=d + rng.choice([365, 1095], n, p=[0.1, 0.9]))
    e = some(0.2)
    d = days(len(e), 100, 1000)
    add(len(e), type=T_NATIONAL, day=d, party=e, valid_to=d + 1095)

    # Art. 5: IPO paths, NEEQ, the regional board.
    e = some(0.1)
    d = days(len(e))
    for node, step in ((0, 0), (1, 100), (2, 200)):
        add(len(e), type=T_IPO, day=d + step, party=e, path=0, node=node)
    e = some(0.02)
    d = days(len(e))
    add(len(e), type=T_IPO, day=d, party=e, path=1, node=3)
    add(len(e), type=T_IPO, day=d + 150, party=e, path=1, node=2)
    e = some(0.01)
    add(len(e), type=T_IPO_WITHDRAWN, day=days(len(e)), party=e, path=0)
    e = some(0.08)
    d = days(len(e))
    add(len(e), type=T_NEEQ, day=d, party=e, action=0)
    e2 = e[rng.random(len(e)) < 0.5]
    add(len(e2), type=T_NEEQ, day=days(len(e2), 300, 1000), party=e2, action=1)
    e = some(0.02)
    add(len(e), type=T_NEEQ, day=days(len(e)), party=e, action=2)
    e = some(0.04)
    add(len(e), type=T_REGIONAL, day=days(len(e)), party=e, board=(rng.random(len(e)) < 0.25))

    # Art. 6: 1.5 investments per enterprise; a fifth join the previous one's investee and day.
    m = int(1.5 * n)
    investee = rng.integers(0, n, m)
    d = days(m, -30, 900)
    join = rng.random(m) < 0.2
    join[0] = False
    last = np.maximum.accumulate(np.where(join, 0, np.arange(m)))
    investee, d = investee[last], d[last]
    fund = rng.random(m) < 0.02
    add(m, type=T_EQUITY, day=d, party=rng.integers(n, n + n_inv, m),
        investee=np.where(fund, rng.integers(n, n + n_inv, m), investee), vehicle=fund.astype(np.int8),
        round=rng.integers(0, 4, m), tranche=rng.integers(1, 3, m),
        money=(10 ** rng.uniform(5, 8.2, m) * YUAN).astype(np.int64))

    # Art. 17: two platform recognitions per operator.
    for _ in range(2):
        add(n_op, type=T_PLATFORM, day=days(n_op), party=op, honour=rng.integers(0, 2, n_op),
            level=rng.integers(0, 2, n_op), kind=(rng.random(n_op) < 0.15).astype(np.int8))

    cols = {}
    size = sum(len(b["type"]) for b in blocks)
    for key, dtype in _DTYPES.items():
        cols[key] = np.concatenate([b[key] if key in b else np.full(len(b["type"]), _DEFAULTS[key])
                                    for b in blocks]).astype(dtype)
    # Duplicates: 1% of the events listed again under the same source record.
    events = np.flatnonzero(~cols["is_history"])
    again = events[rng.random(len(events)) < 0.01]
    cols["source"][again] = np.arange(len(again))
    cols = {k: np.concatenate([v, v[again]]) for k, v in cols.items()}
    size += len(again)
    # Processing order: history first, then events; by date, then file (generation) order.
    day = cols["day"].astype(np.int64)
    key = (~cols["is_history"]).astype(np.int64) << 62 | (day - day.min()) << 32 | np.arange(size)
    order = np.argsort(key)
    facts = Facts(**{k: v[order] for k, v in cols.items()})
    return Population(policy=policy, jurisdictions=jur, parties=parties, facts=facts)
