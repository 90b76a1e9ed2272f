"""A population of facts as columns, for the batch engine (batch.py).

The per-case engine reads a typed `Case` (facts.py) and walks it fact by fact.
The batch engine reads the same facts as numpy columns: one table of parties
(enterprises, investors and operators together), one table of facts in
processing order (history first, then events; by date, then file order), the
case's parameters as dated step tables and its jurisdictions' funding rules.
Every name is an integer code; the code tables below give the words back.

`population_from_case` builds the columns from a Case (a Python loop: it is an
adapter, not a hot path); `batch_synth.py` builds large ones directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal

import numpy as np

from .facts import Case
from .state import OVERSEAS_EXCHANGE_WORDS

# --- code tables (index = code) ------------------------------------------------

TYPES = ("zjtx_provincial_recognized", "zjtx_provincial_review_passed",
         "little_giant_recognized", "innovative_sme_announced", "zjtx_city_recognized",
         "ipo_node", "ipo_withdrawn", "neeq", "regional_equity_listed",
         "equity_investment", "platform_recognized", "reward_paid", "little_giant_review_passed")
(T_PROVINCIAL, T_REVIEW, T_NATIONAL, T_INNOVATIVE, T_CITY, T_IPO, T_IPO_WITHDRAWN, T_NEEQ,
 T_REGIONAL, T_EQUITY, T_PLATFORM, T_PAID, T_NATIONAL_REVIEW) = range(len(TYPES))

PATHS = ("domestic", "overseas")
NODES = ("tutoring_accepted", "review_passed", "listed", "csrc_approved_or_filed")
ACTIONS = ("basic_listed", "entered_innovation_from_basic", "innovation_listed_direct",
           "demoted_to_basic")
BOARDS = ("trading", "display")
VEHICLES = ("direct", "fund_setup")
HONOURS = ("public_service_platform", "entrepreneurship_base")
LEVELS = ("provincial", "national")
KINDS = ("first", "review")
PARTY_KINDS = ("enterprise", "investor", "operator")

ITEMS = ("art1_provincial_zjtx", "art1_national_little_giant",
         "art5_domestic_tutoring_accepted", "art5_domestic_review_passed", "art5_domestic_listed",
         "art5_overseas_csrc_approved", "art5_overseas_listed",
         "art5_neeq_basic_listed", "art5_neeq_entered_innovation_from_basic",
         "art5_neeq_innovation_listed_direct", "art5_regional_equity_trading_board",
         "art6_equity_investment", "art17_provincial_first", "art17_national_first")
ITEM = {name: code for code, name in enumerate(ITEMS)}
ARTICLE_OF_ITEM = np.array([int(name[3:name.index("_")]) for name in ITEMS], np.int8)

# Reasons, in the contract's order of precedence (reasons.yaml).
REASONS = ("R_DUPLICATE_EVENT", "R_EXPIRED_BEFORE_POLICY", "R_PRE_POLICY", "R_AFTER_POLICY",
           "R_REVIEW_NOT_NEW", "R_DISPLAY_BOARD", "R_FUND_SETUP", "R_NOT_ELIGIBLE_TIER",
           "R_NOT_ZJTX_AT_EVENT", "R_INVESTEE_LISTED", "R_ROUNDS_TO_ZERO", "R_ALREADY_LISTED",
           "R_HONOUR_ALREADY_PAID", "R_NODE_ALREADY_PAID", "R_NEEQ_NOT_FIRST_ENTRY",
           "R_ITEM_CAP_REACHED", "R_ANNUAL_CAP_REACHED")
REASON = {name: code for code, name in enumerate(REASONS)}
CAPPED_BY = (None, "item_cap", "annual_cap")
PARTS = ("city", "district", "county", "zone")  # columns of a line's funding

EPOCH = dt.date(1970, 1, 1)
NEVER = np.iinfo(np.int32).max  # a day after every date: "not listed"
ALWAYS = np.iinfo(np.int32).min // 2  # a day before every date: "listed from the start"


def day_number(d: dt.date) -> int:
    return (d - EPOCH).days


def day_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


# --- the tables ----------------------------------------------------------------

class _Columns:
    """A table of equally long numpy columns."""

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))

    def take(self, rows):
        out = {}
        for f in fields(self):
            col = getattr(self, f.name)
            if col is None:
                out[f.name] = None
            elif isinstance(col, np.ndarray):
                out[f.name] = col[rows]
            else:  # a list of ids
                out[f.name] = [col[i] for i in np.arange(len(col))[rows]]
        return type(self)(**out)


@dataclass
class Parties(_Columns):
    """Enterprises, investors and operators, one row each (one index space)."""

    kind: np.ndarray  # int8, PARTY_KINDS
    home: np.ndarray  # int32 jurisdiction row (fiscal home, aliases resolved); -1 for investors
    listed_from: np.ndarray  # int32 day the entry says it is listed from (ALWAYS / NEVER)
    overseas_exchange: np.ndarray  # bool: the entry's exchange lies outside the mainland
    neeq_innovation: np.ndarray  # bool: the entry's neeq_layer is innovation
    ids: list[str] | None = None


@dataclass
class Facts(_Columns):
    """History and events in processing order; -1 where a key does not apply."""

    type: np.ndarray  # int8, TYPES
    day: np.ndarray  # int32 days since 1970-01-01 (an investment's paid-in date)
    valid_to: np.ndarray  # int32 day, inclusive (recognitions)
    party: np.ndarray  # int32: the enterprise, investor (equity), operator (platform) or payee (reward_paid)
    investee: np.ndarray  # int32: equity investee; reward_paid beneficiary_enterprise
    path: np.ndarray  # int8 PATHS (ipo_node, ipo_withdrawn)
    node: np.ndarray  # int8 NODES
    action: np.ndarray  # int8 ACTIONS
    board: np.ndarray  # int8 BOARDS
    vehicle: np.ndarray  # int8 VEHICLES
    honour: np.ndarray  # int8 HONOURS (platform, reward_paid)
    level: np.ndarray  # int8 LEVELS
    kind: np.ndarray  # int8 KINDS
    round: np.ndarray  # int32 code of the round's text (equity, reward_paid)
    tranche: np.ndarray  # int32, 0 when not given
    money: np.ndarray  # int64 fen: paid_in (equity) or amount (reward_paid)
    item: np.ndarray  # int8 ITEMS (reward_paid)
    year: np.ndarray  # int16 attribution_year given on a reward_paid, else 0
    ref: np.ndarray  # int32 row of the history fact a reward_paid names, else -1
    source: np.ndarray  # int64 code of source_record, -1 when none
    is_history: np.ndarray  # bool
    ids: list[str | None] | None = None

    def up_to(self, last_day: int) -> Facts:
        """--as-of: drop the events (not history) dated after `last_day`. History rows
        come first, so the rows a reward_paid names keep their index."""
        return self.take(self.is_history | (self.day <= last_day))


@dataclass
class Jurisdictions(_Columns):
    """Funding of a line by the fiscal home of the enterprise concerned (Art. 1, D2, D3)."""

    city_num: np.ndarray  # int64: the city's share as a fraction num/den
    city_den: np.ndarray  # int64
    local_part: np.ndarray  # int8 PARTS column taking the local remainder, -1 if none
    local_unit: np.ndarray  # int32 jurisdiction row paying the local part, -1 if the city pays all
    codes: list[str] | None = None


@dataclass
class Policy:
    """The case's parameters (dated step tables, overrides applied) and readings."""

    effective: int  # day
    expiry: int | None  # day, or None when the policy has no end
    money_steps: dict[str, tuple[np.ndarray, np.ndarray]]  # key → (since days, fen)
    rate_steps: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # key → (since, num, den)
    readings: dict[str, str]

    def money(self, key: str, days: np.ndarray) -> np.ndarray:
        """The parameter in force on each day, in fen (a dated value applies from its date;
        before the first, the first)."""
        since, values = self.money_steps[key]
        return values[_step(since, days)]

    def rate(self, key: str, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        since, num, den = self.rate_steps[key]
        at = _step(since, days)
        return num[at], den[at]

    @classmethod
    def from_case(cls, case: Case) -> Policy:
        money, rates = {}, {}
        for key, p in case.pack.parameters.items():
            if p.unit not in ("yuan", "rate"):
                continue  # dates: the effective and expiry dates below
            dates = [d for d, _ in p.values]
            since = np.array([day_number(d) for d in dates], np.int64)
            values = [Decimal(case.param(key, d)) for d in dates]
            if p.unit == "yuan":
                money[key] = (since, np.array([int(v * 100) for v in values], np.int64))
            else:
                num, den = zip(*(v.as_integer_ratio() for v in values), strict=True)
                exact = max(num + den) < 2**62  # else Python ints (object arrays)
                rates[key] = (since, np.array(num, np.int64 if exact else object),
                              np.array(den, np.int64 if exact else object))
        expiry = case.expiry_date()
        return cls(effective=day_number(case.effective_date),
                   expiry=None if expiry is None else day_number(expiry),
                   money_steps=money, rate_steps=rates, readings=dict(case.interpretations))


def _step(since: np.ndarray, days: np.ndarray) -> np.ndarray:
    if len(since) == 1:  # one value on every date
        return np.zeros(len(days), np.intp)
    return np.maximum(np.searchsorted(since, days, side="right") - 1, 0)


@dataclass
class Population:
    policy: Policy
    jurisdictions: Jurisdictions
    parties: Parties
    facts: Facts


# --- from a Case -----------------------------------------------------------------

def jurisdictions_from_case(case: Case) -> Jurisdictions:
    codes = list(case.jurisdictions)
    row = {code: i for i, code in enumerate(codes)}
    num, den, part, unit = [], [], [], []
    for code, j in case.jurisdictions.items():
        n, d = case.pack.city_share(j.funding).as_integer_ratio()
        num.append(n)
        den.append(d)
        if j.funding == "city100":
            part.append(-1)
            unit.append(-1)
        elif j.kind == "zone" and j.parent:  # a county-run zone: its county pays (D3)
            parent = case.aliases.get(j.parent, {}).get("successor", j.parent)
            part.append(PARTS.index("county"))
            unit.append(row[parent])
        else:
            part.append(PARTS.index(j.kind))
            unit.append(row[code])
    return Jurisdictions(city_num=np.array(num, np.int64), city_den=np.array(den, np.int64),
                         local_part=np.array(part, np.int8), local_unit=np.array(unit, np.int32),
                         codes=codes)


def _code(table: tuple, value) -> int:
    return -1 if value is None else table.index(value)


def population_from_case(case: Case) -> Population:
    """The columns of a typed Case (its facts are already in processing order, --as-of
    applied)."""
    check_codes(case)
    jur = jurisdictions_from_case(case)
    jrow = {code: i for i, code in enumerate(jur.codes)}
    ids, kind, home, listed_from, overseas, innovation = [], [], [], [], [], []
    for e in case.enterprises.values():
        ids.append(e.id)
        kind.append(0)
        home.append(jrow[e.fiscal_home])
        listed_from.append(NEVER if not e.listed else
                           ALWAYS if e.listed_on is None else day_number(e.listed_on))
        overseas.append(bool(e.exchange) and any(w in e.exchange.upper() for w in OVERSEAS_EXCHANGE_WORDS))
        innovation.append(e.neeq_layer == "innovation")
    for table, k in ((case.investors, 1), (case.operators, 2)):
        for p in table.values():
            ids.append(p.id)
            kind.append(k)
            home.append(jrow[p.fiscal_home] if k == 2 else -1)
            listed_from.append(NEVER)
            overseas.append(False)
            innovation.append(False)
    parties = Parties(kind=np.array(kind, np.int8), home=np.array(home, np.int32),
                      listed_from=np.array(listed_from, np.int32),
                      overseas_exchange=np.array(overseas, bool),
                      neeq_innovation=np.array(innovation, bool), ids=ids)
    prow = {pid: i for i, pid in enumerate(ids)}

    rounds: dict[str, int] = {}
    sources: dict[str, int] = {}
    history_row = {f.id: i for i, f in enumerate(case.facts) if f.is_history and f.id is not None}
    cols: dict[str, list] = {f.name: [] for f in fields(Facts) if f.name != "ids"}
    for f in case.facts:
        d = f.data
        party = d.get("enterprise") or d.get("investor") or d.get("operator") or d.get("payee")
        investee = d.get("investee") or d.get("beneficiary_enterprise")
        node = d.get("node")
        row = {
            "type": TYPES.index(f.type),
            "day": day_number(f.date),
            "valid_to": day_number(d["valid_to"]) if "valid_to" in d else 0,
            "party": prow[party],
            "investee": -1 if investee is None else prow[investee],
            "path": _code(PATHS, d.get("path")),
            "node": _code(NODES, node),
            "action": _code(ACTIONS, d.get("action")),
            "board": _code(BOARDS, d.get("board")),
            "vehicle": _code(VEHICLES, d.get("vehicle")),
            "honour": _code(HONOURS, d.get("honour")),
            "level": _code(LEVELS, d.get("level")),
            "kind": _code(KINDS, d.get("kind")),
            "round": -1 if d.get("round") is None else rounds.setdefault(d["round"], len(rounds)),
            "tranche": d.get("tranche", 0),
            "money": d.get("paid_in", d.get("amount", 0)),
            "item": -1 if "item" not in d else ITEM[d["item"]],
            "year": d.get("attribution_year", 0),
            "ref": history_row[d["event"]] if "event" in d else -1,
            "source": -1 if f.source_record is None else sources.setdefault(f.source_record, len(sources)),
            "is_history": f.is_history,
        }
        for key, value in row.items():
            cols[key].append(value)
    facts = Facts(
        **{key: np.array(values, _DTYPES[key]) for key, values in cols.items()},
        ids=[f.id for f in case.facts])
    return Population(policy=Policy.from_case(case), jurisdictions=jur, parties=parties, facts=facts)


_DTYPES = {
    "type": np.int8, "day": np.int32, "valid_to": np.int32, "party": np.int32,
    "investee": np.int32, "path": np.int8, "node": np.int8, "action": np.int8, "board": np.int8,
    "vehicle": np.int8, "honour": np.int8, "level": np.int8, "kind": np.int8, "round": np.int32,
    "tranche": np.int32, "money": np.int64, "item": np.int8, "year": np.int16, "ref": np.int32,
    "source": np.int64, "is_history": bool,
}


def check_codes(case: Case):
    """The code tables must name exactly the pack's items and reasons, in its order of
    precedence for reasons."""
    assert set(ITEMS) == set(case.pack.items), "ITEMS out of step with the pack's items"
    assert tuple(case.pack.reasons) == REASONS, "REASONS out of step with the pack's reasons"
