"""The batch engine: every reward line and rejection of a whole population at once.

It reads the facts as numpy columns (batch_population.py) and gives, to the fen,
the lines and rejections of the per-case engine (engine.py), in the same order;
docs/engine-semantics.md is the contract of both, and the property test
(tests/policy/test_batch_property.py) holds them together.

How it is vectorised. Whatever is a fact of a date (recognition validity, listing
on a paid-in date) or of the processing order alone (first listing, first NEEQ
innovation entry, duplicates) is computed for every fact at once. What depends on
money already awarded depends only on one party's earlier facts: the enterprise's
(Art. 1 and 5), the Art. 6 annual-cap party's (the investee, or the investor under
`art6_annual_cap_scope: investor`; every item lies inside it) and the operator's
(Art. 17). Those rows are regrouped by party, keeping processing order, and walked
in steps: step r judges the r-th row of every party at once, with the state of
each party kept in arrays indexed by party group. Parties have few facts, so
there are few steps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .batch_population import (
    ACTIONS,
    ARTICLE_OF_ITEM,
    BOARDS,
    CAPPED_BY,
    HONOURS,
    ITEM,
    ITEMS,
    KINDS,
    LEVELS,
    NODES,
    PARTS,
    PATHS,
    REASON,
    REASONS,
    T_CITY,
    T_EQUITY,
    T_INNOVATIVE,
    T_IPO,
    T_IPO_WITHDRAWN,
    T_NATIONAL,
    T_NATIONAL_REVIEW,
    T_NEEQ,
    T_PAID,
    T_PLATFORM,
    T_PROVINCIAL,
    T_REGIONAL,
    T_REVIEW,
    VEHICLES,
    Population,
    day_number,
    population_from_case,
)
from .facts import Case
from .money import fmt_yuan

R = REASON
QUALIFYING = (T_PROVINCIAL, T_REVIEW, T_NATIONAL, T_NATIONAL_REVIEW)  # D10: provincial and national (or 复核)
RENEWALS = ((T_PROVINCIAL, T_REVIEW), (T_NATIONAL, T_NATIONAL_REVIEW))  # a 复核 renews its own tier
NON_QUALIFYING = (T_INNOVATIVE, T_CITY)  # 创新型, 市级
ART1_ITEMS = (ITEM["art1_provincial_zjtx"], ITEM["art1_national_little_giant"])
ART5_ITEMS = tuple(range(ITEM["art5_domestic_tutoring_accepted"],
                         ITEM["art5_regional_equity_trading_board"] + 1))
NEEQ_ITEMS = (ITEM["art5_neeq_basic_listed"], ITEM["art5_neeq_entered_innovation_from_basic"],
              ITEM["art5_neeq_innovation_listed_direct"])
NEEQ_CEILING = "art5_neeq_innovation_listed_direct"
ART6_ITEM = ITEM["art6_equity_investment"]
ART17_ITEMS = (ITEM["art17_provincial_first"], ITEM["art17_national_first"])  # by LEVELS

# Art. 5 item of an IPO node, by path and node (-1: not a node of that path).
_IPO_ITEM = np.full((len(PATHS), len(NODES)), -1, np.int8)
for (_path, _node), _item in {
        ("domestic", "tutoring_accepted"): "art5_domestic_tutoring_accepted",
        ("domestic", "review_passed"): "art5_domestic_review_passed",
        ("domestic", "listed"): "art5_domestic_listed",
        ("overseas", "csrc_approved_or_filed"): "art5_overseas_csrc_approved",
        ("overseas", "listed"): "art5_overseas_listed"}.items():
    _IPO_ITEM[PATHS.index(_path), NODES.index(_node)] = ITEM[_item]
_NEEQ_ITEM = np.array([ITEM["art5_neeq_basic_listed"], ITEM["art5_neeq_entered_innovation_from_basic"],
                       ITEM["art5_neeq_innovation_listed_direct"], -1], np.int8)  # by ACTIONS
LISTED = NODES.index("listed")
OVERSEAS = PATHS.index("overseas")
DEMOTED = ACTIONS.index("demoted_to_basic")
ENTERED = ACTIONS.index("entered_innovation_from_basic")
DIRECT = ACTIONS.index("innovation_listed_direct")
DISPLAY = BOARDS.index("display")
FUND_SETUP = VEHICLES.index("fund_setup")
REVIEW_KIND = KINDS.index("review")
NATIONAL_LEVEL = LEVELS.index("national")
ITEM_CAP, ANNUAL_CAP = CAPPED_BY.index("item_cap"), CAPPED_BY.index("annual_cap")
INT63 = 2**63
NONE_DAY = np.iinfo(np.int64).min  # before every day


@dataclass
class Results:
    """Reward lines (in the processing order of their events) and rejections, as columns."""

    event: np.ndarray  # int64 fact row
    item: np.ndarray  # int8 ITEMS
    payee: np.ndarray  # int32 party row
    amount: np.ndarray  # int64 fen
    funding: np.ndarray  # int64 fen, shape (lines, 4), columns PARTS
    local_unit: np.ndarray  # int32 jurisdiction row, -1: the city pays the whole line
    attribution_year: np.ndarray  # int16
    beneficiary: np.ndarray  # int32 investee party row (Art. 6), else -1
    raw_amount: np.ndarray  # int64 fen before the caps (Art. 6)
    capped_by: np.ndarray  # int8 CAPPED_BY, 0: no cap cut the line
    honour: np.ndarray  # int8 HONOURS (Art. 17), else -1
    rejected_event: np.ndarray  # int64 fact row
    reason: np.ndarray  # int8 REASONS

    @property
    def article(self) -> np.ndarray:
        return ARTICLE_OF_ITEM[self.item]


def evaluate(pop: Population, *, as_of: dt.date | None = None) -> Results:
    """Every reward line and rejection of the population; `as_of` drops the events (not
    history) dated after it, as --as-of does."""
    facts = pop.facts if as_of is None else pop.facts.up_to(day_number(as_of))
    return _Run(pop, facts).results()


# --- vector helpers ---------------------------------------------------------------

def _order(m: int, *keys: tuple[np.ndarray, int]) -> np.ndarray:
    """The permutation that sorts rows 0..m-1 by the given non-negative integer keys
    (each with an exclusive bound; most significant first), ties by row. The keys and
    the row are packed into one int64 and sorted by value, which is much faster than
    an argsort; a lexsort when they do not fit."""
    shift = max(m - 1, 1).bit_length()
    room = 1
    for _, bound in keys:
        room *= max(int(bound), 1)
    if room << shift < INT63:
        packed = np.zeros(m, np.int64)
        for key, bound in keys:
            packed *= int(bound)
            packed += key
        packed <<= shift
        packed |= np.arange(m, dtype=np.int64)
        packed.sort()
        return packed & ((1 << shift) - 1)
    return np.lexsort(tuple(key for key, _ in reversed(keys))).astype(np.int64)


def _starts(sorted_key: np.ndarray) -> np.ndarray:
    """Marks the first row of each run of equal values."""
    first = np.ones(len(sorted_key), bool)
    first[1:] = sorted_key[1:] != sorted_key[:-1]
    return first


def _among(codes: np.ndarray, allowed) -> np.ndarray:
    """codes ∈ allowed, for small non-negative codes (a lookup table: faster than np.isin)."""
    table = np.zeros(max(max(allowed) + 1, int(codes.max(initial=0)) + 1), bool)
    table[list(allowed)] = True
    return table[codes]


def _position(items) -> np.ndarray:
    """Item code → its position in `items`, -1 if absent."""
    table = np.full(len(ITEMS), -1, np.int64)
    table[list(items)] = np.arange(len(items))
    return table


def _set_first(reason: np.ndarray, condition, code: str):
    """Give `code` where it applies and no earlier reason (in precedence order) did."""
    reason[(reason < 0) & condition] = R[code]


def _mul_div_half_up(a, num, den) -> np.ndarray:
    """half-up(a × num / den) for a ≥ 0, exactly: in int64 when it cannot overflow, else in
    Python integers."""
    a = np.asarray(a)
    if a.size == 0:
        return np.zeros(a.shape, np.int64)
    big = 2 * int(np.max(a)) * int(np.max(num)) + 2 * int(np.max(den))
    if big < INT63:
        num, den = np.asarray(num, np.int64), np.asarray(den, np.int64)
        return (2 * a * num + den) // (2 * den)
    a, num, den = (np.asarray(x).astype(object) for x in (a, num, den))
    return ((2 * a * num + den) // (2 * den)).astype(np.int64)


def _years(days: np.ndarray) -> np.ndarray:
    """Calendar year of each day (through a table of the days spanned)."""
    if len(days) == 0:
        return np.zeros(0, np.int16)
    lo, hi = int(days.min()), int(days.max())
    table = np.arange(lo, hi + 1).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    return (table + 1970).astype(np.int16)[days - lo]


def _ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Concatenation of arange(start, start + size) for each pair."""
    total = int(sizes.sum())
    offsets = np.cumsum(sizes) - sizes
    return np.arange(total) - np.repeat(offsets - starts, sizes)


def _covered(iv_party, iv_start, iv_end, q_party, q_day) -> np.ndarray:
    """For each query (party, day): is the day inside some interval [start, end] of that
    party? Intervals and queries are sorted together by (party, day), an interval before
    a query of its start day; the running maximum of interval ends, with the party in
    its high bits so that it never carries over to the next party, then says whether an
    interval started on or before the day still runs. All of it is packed in one int64
    key (party, day, query?, end or query number) and sorted by value: no gather in a
    random order."""
    m, k = len(iv_party), len(q_party)
    if k == 0 or m == 0:
        return np.zeros(k, bool)
    lo = min(int(iv_start.min()), int(q_day.min()))
    day_bits = (max(int(iv_start.max()), int(q_day.max())) - lo).bit_length()
    end_bits = (int(iv_end.max()) - lo + 1).bit_length()
    low_bits = max(end_bits, (k - 1).bit_length())
    party_bits = max(int(iv_party.max()), int(q_party.max())).bit_length()
    if party_bits + day_bits + 1 + low_bits > 63:
        return _covered_by_order(iv_party, iv_start, iv_end, q_party, q_day)
    shift_day, shift_party = 1 + low_bits, 1 + low_bits + day_bits
    key = np.empty(m + k, np.int64)
    key[:m] = iv_party
    key[:m] <<= shift_party
    key[:m] |= (iv_start.astype(np.int64) - lo) << shift_day
    key[:m] |= iv_end.astype(np.int64) - lo + 1
    key[m:] = q_party
    key[m:] <<= shift_party
    key[m:] |= (q_day.astype(np.int64) - lo) << shift_day
    key[m:] |= (1 << low_bits) | np.arange(k)
    key.sort()
    is_query = (key >> low_bits) & 1 == 1
    base = (key >> shift_party) << end_bits
    low = key & ((1 << low_bits) - 1)
    running = np.maximum.accumulate(np.where(is_query, base, base | low))
    key = key[is_query]
    need = base[is_query] + ((key >> shift_day) & ((1 << day_bits) - 1)) + 1
    covered = np.zeros(k, bool)
    covered[key & ((1 << low_bits) - 1)] = running[is_query] >= need
    return covered


def _covered_by_order(iv_party, iv_start, iv_end, q_party, q_day) -> np.ndarray:
    """_covered for keys too wide to pack: the same sweep through a lexsort."""
    m, k = len(iv_party), len(q_party)
    party = np.concatenate([iv_party, q_party]).astype(np.int64)
    day = np.concatenate([iv_start, q_day]).astype(np.int64)
    lo = int(day.min())
    width = max(int(day.max()), int(iv_end.max())) - lo + 2
    is_query = np.concatenate([np.zeros(m, np.int64), np.ones(k, np.int64)])
    order = _order(m + k, (party, int(party.max()) + 1), (day - lo, width), (is_query, 2))
    in_order = is_query[order].astype(bool)
    base = party[order] * width
    end = np.zeros(m + k, np.int64)
    end[:m] = iv_end.astype(np.int64) - lo + 1
    running = np.maximum.accumulate(base + end[order])
    covered = np.zeros(k, bool)
    covered[order[in_order] - m] = running[in_order] >= (base + day[order] - lo + 1)[in_order]
    return covered


def _latest_end_from(q_party, q_day, r_party, r_day, r_end) -> np.ndarray:
    """For each query (party, day): the latest end among the party's items dated on or
    after the day (NONE_DAY if none). A suffix maximum over queries and items sorted
    together, parties offset so that a later party never carries into an earlier one."""
    k, m = len(q_party), len(r_party)
    out = np.full(k, NONE_DAY, np.int64)
    if k == 0 or m == 0:
        return out
    party = np.concatenate([q_party, r_party]).astype(np.int64)
    day = np.concatenate([q_day, r_day]).astype(np.int64)
    lo = int(day.min())
    width = max(int(day.max()), int(r_end.max())) - lo + 2
    is_item = np.concatenate([np.zeros(k, np.int64), np.ones(m, np.int64)])
    top = int(party.max()) + 1
    order = _order(k + m, (party, top), (day - lo, width), (is_item, 2))
    offset = (top - party[order]) * width
    value = offset + np.concatenate([np.zeros(k, np.int64), r_end - lo + 1])[order]
    running = np.maximum.accumulate(value[::-1])[::-1]
    in_order = is_item[order] == 0
    got = (running - offset)[in_order]
    query = order[in_order]
    out[query[got > 0]] = got[got > 0] - 1 + lo
    return out


class _Walk:
    """Rows of one article regrouped by party, in processing order within a party; the
    state of a party lives in arrays indexed by its group."""

    def __init__(self, party: np.ndarray, n_parties: int):
        m = len(party)
        shift = max(m - 1, 1).bit_length()
        if n_parties << shift < INT63:  # the party comes back from the sorted key itself
            packed = party.astype(np.int64) << shift
            packed |= np.arange(m)
            packed.sort()
            self.order = packed & ((1 << shift) - 1)
            p = packed >> shift
        else:
            self.order = _order(m, (party, n_parties))
            p = party[self.order]
        self.first = _starts(p)
        self.group = np.cumsum(self.first) - 1
        self.parties = p[self.first]

    @property
    def size(self) -> int:
        return len(self.parties)

    def group_of(self, party: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Group of each party, and whether it has one."""
        if self.size == 0:
            return np.zeros(len(party), np.int64), np.zeros(len(party), bool)
        at = np.minimum(np.searchsorted(self.parties, party), self.size - 1)
        return at, self.parties[at] == party

    def steps(self):
        """Positions (in the regrouped order) of the r-th row of every party, r = 0, 1, …"""
        starts = np.flatnonzero(self.first)
        sizes = np.diff(starts, append=len(self.first))
        r = 0
        while len(starts):
            yield starts + r
            r += 1
            keep = sizes > r
            starts, sizes = starts[keep], sizes[keep]


# --- the run ----------------------------------------------------------------------

class _Run:
    def __init__(self, pop: Population, facts):
        self.pol, self.jur, self.parties, self.f = pop.policy, pop.jurisdictions, pop.parties, facts
        f, n = facts, len(facts)
        self.n_parties = len(pop.parties)
        self.seq = np.arange(n, dtype=np.int64)
        t = f.type
        # Order and state 2: a fact whose source_record was already taken has no effect at all.
        self.taken = ~_duplicates(f.source)
        event = ~f.is_history
        pays_nothing = _among(t, (T_INNOVATIVE, T_CITY, T_IPO_WITHDRAWN)) | (
            (t == T_NEEQ) & (f.action == DEMOTED))
        self.judged = event & self.taken & ~pays_nothing  # events a money rule judges
        # The outcome of every fact row.
        self.reason = np.full(n, -1, np.int8)
        self.reason[event & ~self.taken & ~pays_nothing] = R["R_DUPLICATE_EVENT"]
        self.line = np.zeros(n, bool)
        self.item = np.full(n, -1, np.int8)
        self.amount = np.zeros(n, np.int64)
        self.raw = np.zeros(n, np.int64)
        self.capped = np.zeros(n, np.int8)
        self.attr = np.zeros(n, np.int32)  # attribution day (D8)
        self._history_payments()

    # -- shared facts -------------------------------------------------------------

    def after_policy(self, day: np.ndarray) -> np.ndarray:
        """R_AFTER_POLICY: dated after policy_expiry_date, when one is set."""
        if self.pol.expiry is None:
            return np.zeros(len(day), bool)
        return day > self.pol.expiry

    def item_amounts(self, item: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Each item's parameter (its amount) in force on the attribution day."""
        steps = self.pol.money_steps
        if all(len(steps[name][0]) == 1 for name in ITEMS if name in steps):
            table = np.array([steps[name][1][0] if name in steps else 0 for name in ITEMS], np.int64)
            return table[item]
        out = np.zeros(len(item), np.int64)
        for code in np.flatnonzero(np.bincount(item, minlength=len(ITEMS))):
            sel = item == code
            out[sel] = self.pol.money(ITEMS[code], day[sel])
        return out

    def _history_payments(self):
        """reward_paid of the history, with what it names taken from the fact it paid for
        when not given (the year of that fact, its investee, round, honour)."""
        f = self.f
        rows = np.flatnonzero(f.is_history & self.taken & (f.type == T_PAID))
        ref = f.ref[rows]
        has = ref >= 0
        r = np.where(has, ref, 0)
        self.paid_payee = f.party[rows]
        self.paid_item = f.item[rows]
        self.paid_amount = f.money[rows]
        self.paid_year = np.where(f.year[rows] > 0, f.year[rows],
                                  _years(np.where(has, f.day[r], f.day[rows])))
        self.paid_investee = np.where(f.investee[rows] >= 0, f.investee[rows],
                                      np.where(has & (f.type[r] == T_EQUITY), f.investee[r], -1))
        self.paid_round = np.where(f.round[rows] >= 0, f.round[rows], np.where(has, f.round[r], -1))
        self.paid_honour = np.where(f.honour[rows] >= 0, f.honour[rows], np.where(has, f.honour[r], -1))

    def paid_state(self, walk: _Walk, rows: int, key: np.ndarray) -> np.ndarray:
        """What the history already awarded, per (state row, party group): the ledger the
        once-only rules and caps are charged against. `key` gives each history payment
        its state row (-1: none)."""
        state = np.zeros((rows, walk.size), np.int64)
        g, found = walk.group_of(self.paid_payee)
        found &= key >= 0
        np.add.at(state, (key[found], g[found]), self.paid_amount[found])
        return state

    def tiers(self, rows: np.ndarray, enterprise: np.ndarray) -> np.ndarray:
        """D10, on each row's date: 0 a qualifying recognition held, 1 only one that
        qualifies for nothing (创新型, 市级), 2 none. Every recognition fact counts,
        history or event, whatever its place in the order."""
        f = self.f
        day = f.day[rows]
        iv = np.flatnonzero(self.taken & _among(f.type, QUALIFYING))
        qualifying = _covered(f.party[iv], f.day[iv], f.valid_to[iv], enterprise, day)
        # Only for the rows with no qualifying recognition: one that qualifies for nothing?
        iv = np.flatnonzero(self.taken & _among(f.type, NON_QUALIFYING))
        ask = np.flatnonzero(~qualifying)
        other = np.zeros(len(rows), bool)
        other[ask] = _covered(f.party[iv], f.day[iv], f.valid_to[iv], enterprise[ask], day[ask])
        return np.where(qualifying, 0, np.where(other, 1, 2)).astype(np.int8)

    def listed_nodes(self) -> np.ndarray:
        f = self.f
        return np.flatnonzero(self.taken & (f.type == T_IPO) & (f.node == LISTED))

    def first_row(self, rows: np.ndarray, party: np.ndarray) -> np.ndarray:
        """Per party, the first of `rows` in processing order (n if none)."""
        first = np.full(self.n_parties, len(self.f), np.int64)
        np.minimum.at(first, party, rows)
        return first

    def decide(self, rows, line, amount, reason):
        self.line[rows[line]] = True
        self.amount[rows[line]] = amount[line]
        self.reason[rows[~line]] = reason[~line]

    # -- Article 1 -----------------------------------------------------------------

    def art1(self):
        """Art. 1: 对已认定和新认定的国家专精特新"小巨人"企业和省"专精特新"中小企业分别给予
        30万元和10万元一次性奖励 — once per enterprise and tier."""
        f, pol = self.f, self.pol
        rows = np.flatnonzero(self.judged & _among(f.type, QUALIFYING))
        day, eff = f.day[rows], pol.effective
        reason = np.full(len(rows), -1, np.int8)
        # D9 "已认定": a recognition made before the policy counts if still valid on its first
        # day, its validity extended by the 复核 renewals of its tier dated from it to then.
        valid_to = f.valid_to[rows].astype(np.int64)
        for first, renewal in RENEWALS:
            early = np.flatnonzero((day < eff) & (f.type[rows] == first))
            renewals = np.flatnonzero(self.taken & (f.type == renewal) & (f.day <= eff))
            valid_to[early] = np.maximum(valid_to[early], _latest_end_from(
                f.party[rows[early]], day[early], f.party[renewals], f.day[renewals],
                f.valid_to[renewals].astype(np.int64)))
        _set_first(reason, (day < eff) & (valid_to < eff), "R_EXPIRED_BEFORE_POLICY")
        _set_first(reason, self.after_policy(day), "R_AFTER_POLICY")
        _set_first(reason, _among(f.type[rows], (T_REVIEW, T_NATIONAL_REVIEW)), "R_REVIEW_NOT_NEW")  # not new
        tier = _among(f.type[rows], (T_NATIONAL, T_NATIONAL_REVIEW)).astype(np.int64)  # 0 provincial, 1 national
        self.item[rows] = np.asarray(ART1_ITEMS, np.int8)[tier]
        self.attr[rows] = np.maximum(day, eff)  # D8: counts on the effective date if earlier
        self.reason[rows] = reason
        rows, tier = rows[reason < 0], tier[reason < 0]

        walk = _Walk(f.party[rows], self.n_parties)
        rows, tier = rows[walk.order], tier[walk.order]
        amount = self.item_amounts(self.item[rows], self.attr[rows])
        paid = self.paid_state(walk, 2, _position(ART1_ITEMS)[self.paid_item]).ravel()
        top_up = pol.readings["art1_upgrade"] == "top_up"
        line = np.zeros(len(rows), bool)
        for pos in walk.steps():
            g, k = walk.group[pos], tier[pos]
            at = k * walk.size + g
            own, other, a = paid[at], paid[(1 - k) * walk.size + g], amount[pos]
            refused = own > 0
            if top_up:  # A1 top_up: less the other tier's money already paid
                a = np.where(other > 0, a - other, a)
                refused |= (other > 0) & (a <= 0)
            amount[pos] = a
            ok = ~refused
            paid[at[ok]] += a[ok]
            line[pos] = ok
        self.decide(rows, line, amount, np.full(len(rows), R["R_HONOUR_ALREADY_PAID"], np.int8))

    # -- Article 5 -----------------------------------------------------------------

    def art5(self, tier):
        """Art. 5 促进企业上市: each listing node once per enterprise; the NEEQ lines of one
        enterprise never above the direct innovation-layer amount (D6)."""
        f, pol = self.f, self.pol
        rows = np.flatnonzero(self.judged & _among(f.type, (T_IPO, T_NEEQ, T_REGIONAL)))
        t, day, e, eff = f.type[rows], f.day[rows], f.party[rows], pol.effective
        item = np.where(t == T_IPO, _IPO_ITEM[f.path[rows], f.node[rows]],
                        np.where(t == T_NEEQ, _NEEQ_ITEM[f.action[rows]],
                                 ITEM["art5_regional_equity_trading_board"])).astype(np.int8)
        back_paid = pol.readings["ipo_prepolicy_nodes"] == "back_paid"
        reason = np.full(len(rows), -1, np.int8)
        _set_first(reason, (day < eff) & (not back_paid), "R_PRE_POLICY")  # D13 / A13
        _set_first(reason, self.after_policy(day), "R_AFTER_POLICY")
        _set_first(reason, (t == T_REGIONAL) & (f.board[rows] == DISPLAY), "R_DISPLAY_BOARD")  # D15
        _set_first(reason, tier == 1, "R_NOT_ELIGIBLE_TIER")
        _set_first(reason, tier == 2, "R_NOT_ZJTX_AT_EVENT")
        _set_first(reason, (t == T_IPO) & self.already_listed(rows), "R_ALREADY_LISTED")
        self.item[rows] = item
        self.attr[rows] = np.maximum(day, eff)  # back-paid nodes count on the effective date
        self.reason[rows] = reason
        keep = reason < 0
        rows, item, e = rows[keep], item[keep], e[keep]
        # D6: an entry from the basic layer is first only if never in the innovation layer before.
        innovation = np.flatnonzero(self.taken & (f.type == T_NEEQ) & ((f.action == ENTERED) | (f.action == DIRECT)))
        seen_innovation = self.parties.neeq_innovation[e] | (
            self.first_row(innovation, f.party[innovation])[e] < rows)
        not_first = (f.type[rows] == T_NEEQ) & (f.action[rows] == ENTERED) & seen_innovation

        walk = _Walk(e, self.n_parties)
        rows, item, not_first = rows[walk.order], item[walk.order], not_first[walk.order]
        amount = self.item_amounts(item, self.attr[rows])
        neeq = _among(item, NEEQ_ITEMS)
        ceiling = pol.money(NEEQ_CEILING, self.attr[rows])
        k_of = _position(ART5_ITEMS)
        paid = self.paid_state(walk, len(ART5_ITEMS), k_of[self.paid_item])
        neeq_total = paid[k_of[list(NEEQ_ITEMS)]].sum(axis=0)
        paid = paid.ravel()
        k_all = k_of[item]
        line = np.zeros(len(rows), bool)
        why = np.full(len(rows), -1, np.int8)
        for pos in walk.steps():
            g, k, a, nq = walk.group[pos], k_all[pos], amount[pos], neeq[pos]
            w = np.full(len(pos), -1, np.int8)
            at = k * walk.size + g
            _set_first(w, paid[at] > 0, "R_NODE_ALREADY_PAID")
            left = ceiling[pos] - neeq_total[g]
            _set_first(w, nq & (not_first[pos] | (left <= 0)), "R_NEEQ_NOT_FIRST_ENTRY")
            a = np.where(nq, np.minimum(a, left), a)  # cut to what remains of the ceiling
            ok = w < 0
            amount[pos], why[pos], line[pos] = a, w, ok
            paid[at[ok]] += a[ok]
            neeq_total[g[ok & nq]] += a[ok & nq]
        self.decide(rows, line, amount, why)

    def already_listed(self, rows: np.ndarray) -> np.ndarray:
        """R_ALREADY_LISTED (D5): an IPO node processed after the enterprise became listed:
        its entry's listing (a `listed` node on the entry's listing date is that listing
        itself), or a `listed` node earlier in processing order (of the same path under
        `both_paths`, the entry counting as overseas when its exchange is)."""
        f, parties = self.f, self.parties
        e, day = f.party[rows], f.day[rows]
        since = parties.listed_from[e]
        entry = (since < day) | ((since == day) & (f.node[rows] != LISTED))
        listed = self.listed_nodes()
        if self.pol.readings["ipo_paths"] == "first_listing_only":
            return entry | (self.first_row(listed, f.party[listed])[e] < rows)
        path = f.path[rows]
        earlier = np.zeros(len(rows), bool)
        for p in range(len(PATHS)):
            on_path = listed[f.path[listed] == p]
            sel = path == p
            earlier[sel] = self.first_row(on_path, f.party[on_path])[e[sel]] < rows[sel]
        entry &= parties.overseas_exchange[e] == (path == OVERSEAS)
        return entry | earlier

    # -- Article 6 -----------------------------------------------------------------

    def art6(self, tier):
        """Art. 6 股权投资支持: 1% of the paid-in amount (not fund set-up) into an unlisted
        专精特新 enterprise, at most the item cap per item (一家机构对一家企业的一轮) and
        the annual cap per cap party and year, first come by paid-in date; a day's
        investments that together pass what is left share it pro rata (D4)."""
        f, pol = self.f, self.pol
        rows = np.flatnonzero(self.judged & (f.type == T_EQUITY))
        day, investee = f.day[rows], f.investee[rows]
        listed_day = self.parties.listed_from.copy()
        listed = self.listed_nodes()
        np.minimum.at(listed_day, f.party[listed], f.day[listed])
        reason = np.full(len(rows), -1, np.int8)
        _set_first(reason, day < pol.effective, "R_PRE_POLICY")
        _set_first(reason, self.after_policy(day), "R_AFTER_POLICY")
        _set_first(reason, f.vehicle[rows] == FUND_SETUP, "R_FUND_SETUP")
        _set_first(reason, tier == 1, "R_NOT_ELIGIBLE_TIER")
        _set_first(reason, tier == 2, "R_NOT_ZJTX_AT_EVENT")
        _set_first(reason, listed_day[investee] <= day, "R_INVESTEE_LISTED")  # D14
        num, den = pol.rate("art6_rate", day)
        _set_first(reason, _mul_div_half_up(f.money[rows], num, den) == 0, "R_ROUNDS_TO_ZERO")  # under a fen
        self.item[rows] = ART6_ITEM
        self.attr[rows] = day
        self.reason[rows] = reason
        rows = rows[reason < 0]

        by_investor = pol.readings["art6_annual_cap_scope"] == "investor"  # A4
        walk = _Walk(f.party[rows] if by_investor else f.investee[rows], self.n_parties)
        rows = rows[walk.order]
        m, day = len(rows), f.day[rows]
        new_day = walk.first | _starts(day)
        batch_start = np.maximum.accumulate(np.where(new_day, np.arange(m), 0))
        batch_last = np.append(new_day[1:], True)
        year = _years(day)
        year_group = np.cumsum(walk.first | _starts(year)) - 1
        num, den = pol.rate("art6_rate", day)
        raw = _mul_div_half_up(f.money[rows], num, den)
        cap = pol.money("art6_item_cap", day)
        annual = pol.money("art6_enterprise_annual_cap", day)
        item, item_used = self.art6_items(rows, walk, by_investor)
        year_used = self.art6_years(walk, year_group, year, by_investor)

        pending = np.zeros(len(item_used), np.int64)  # item-capped amounts of the day in hand
        amount = np.zeros(m, np.int64)
        live = np.zeros(m, bool)
        capped = np.zeros(m, np.int8)
        why = np.full(m, -1, np.int8)
        for pos in walk.steps():
            # The item cap, charged in processing order (with the day's earlier item-capped amounts).
            it = item[pos]
            room = cap[pos] - item_used[it] - pending[it]
            ok = room > 0
            a = np.minimum(raw[pos], room)
            why[pos[~ok]] = R["R_ITEM_CAP_REACHED"]
            capped[pos[ok & (raw[pos] > room)]] = ITEM_CAP
            amount[pos[ok]] = a[ok]
            live[pos[ok]] = True
            pending[it[ok]] += a[ok]
            ends = pos[batch_last[pos]]
            if len(ends):
                # The annual cap, once a party's day is complete.
                members, final = self._share_year(ends, batch_start, live, amount, annual,
                                                  year_used, year_group)
                alive = live[members]
                got = alive & (final > 0)
                capped[members[got & (final < amount[members])]] = ANNUAL_CAP
                why[members[alive & ~got]] = R["R_ANNUAL_CAP_REACHED"]
                amount[members] = np.where(alive, final, 0)
                live[members] = got
                np.add.at(item_used, item[members[got]], final[got])
                pending[item[members]] = 0
        self.decide(rows, live, amount, why)
        lines = rows[live]
        self.raw[lines] = raw[live]
        self.capped[lines] = capped[live]

    def _share_year(self, ends, batch_start, live, amount, annual, year_used, year_group):
        """The final amounts of the days that end at `ends` (one per party): what is left
        of the year's cap, shared pro rata to the item-capped amounts when they pass it,
        each half-up to the fen but the last live one in file order, which takes the
        remainder. The years are charged with the final amounts."""
        starts = batch_start[ends]
        sizes = ends - starts + 1
        group = year_group[ends]
        left = np.maximum(annual[ends] - year_used[group], 0)
        one = sizes == 1  # one investment that day: it takes at most what is left
        final = np.where(live[ends[one]], np.minimum(amount[ends[one]], left[one]), 0)
        year_used[group[one]] += final
        if one.all():
            return ends, final
        starts, sizes, left, group = starts[~one], sizes[~one], left[~one], group[~one]
        members = _ranges(starts, sizes)
        offsets = np.cumsum(sizes) - sizes
        alive = live[members]
        shared = np.where(alive, amount[members], 0)
        wanted = np.add.reduceat(shared, offsets)
        over = np.flatnonzero(wanted > left)
        if len(over):
            day_of = np.repeat(np.arange(len(sizes)), sizes)
            cut = (wanted > left)[day_of]
            shared[cut] = _mul_div_half_up(shared[cut], left[day_of[cut]], wanted[day_of[cut]])
            last = np.maximum.reduceat(np.where(alive, np.arange(len(members)), -1), offsets)[over]
            shared[last] = 0
            # Half-up shares can add up to more than is left: a share never exceeds what
            # the earlier shares of its day left (money.pro_rata does the same).
            running = np.cumsum(shared)
            before = running - shared - (running - shared)[offsets][day_of]
            shared[cut] = np.minimum(shared[cut], np.maximum(left[day_of[cut]] - before[cut], 0))
            shared[last] = left[over] - np.add.reduceat(shared, offsets)[over]
        year_used[group] += np.add.reduceat(np.where(alive & (shared > 0), shared, 0), offsets)
        return np.concatenate([ends[one], members]), np.concatenate([final, shared])

    def art6_items(self, rows, walk: _Walk, by_investor: bool):
        """The Art. 6 item of each row (A14) and what the history already awarded to it.
        per_round: one investor's one round into one investee, which lies inside the
        cap party; per_tranche: each event on its own (a history payment names a
        history fact, never an event, so it charges no event's item)."""
        f = self.f
        m = len(rows)
        if self.pol.readings["art6_item_basis"] == "per_tranche":
            return np.arange(m), np.zeros(m, np.int64)
        other = f.investee[rows] if by_investor else f.party[rows]
        sel = (self.paid_item == ART6_ITEM) & (self.paid_investee >= 0) & (self.paid_round >= 0)
        h_party = (self.paid_payee if by_investor else self.paid_investee)[sel]
        h_other = (self.paid_investee if by_investor else self.paid_payee)[sel]
        h_group, found = walk.group_of(h_party)
        group = np.concatenate([walk.group, h_group[found]])
        other = np.concatenate([other, h_other[found]])
        rnd = np.concatenate([f.round[rows], self.paid_round[sel][found]])
        ids = _factorize((group, walk.size), _dense(other, self.n_parties), _dense(rnd, int(rnd.max(initial=0)) + 1))
        used = np.zeros(int(ids.max(initial=-1)) + 1, np.int64)
        np.add.at(used, ids[m:], self.paid_amount[sel][found])
        return ids[:m], used

    def art6_years(self, walk: _Walk, year_group, year, by_investor: bool):
        """What the history already awarded per (cap party, year)."""
        used = np.zeros(int(year_group[-1]) + 1 if len(year_group) else 0, np.int64)
        sel = self.paid_item == ART6_ITEM
        party = (self.paid_payee if by_investor else self.paid_investee)[sel]
        g, found = walk.group_of(party)
        first = _starts(year_group)
        keys = walk.group[first].astype(np.int64) * 10000 + year[first]
        want = g.astype(np.int64) * 10000 + self.paid_year[sel]
        if len(keys):
            at = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
            hit = found & (keys[at] == want)
            np.add.at(used, at[hit], self.paid_amount[sel][hit])
        return used

    # -- Article 17 ----------------------------------------------------------------

    def art17(self):
        """Art. 17: 对首次被认定为国家级（省级）中小企业公共服务平台和小型微型企业创业创新
        示范基地的一次性奖励100万元（50万元） — once per operator, honour and level (D7)."""
        f, pol = self.f, self.pol
        rows = np.flatnonzero(self.judged & (f.type == T_PLATFORM))
        day, op = f.day[rows], f.party[rows]
        slot = (f.honour[rows] * len(LEVELS) + f.level[rows]).astype(np.int64)
        # Held from a fact dated before the effective date (history or event, any kind).
        before = np.flatnonzero(self.taken & (f.type == T_PLATFORM) & (f.day < pol.effective))
        held = np.zeros(self.n_parties, np.int64)
        np.bitwise_or.at(held, f.party[before],
                         np.left_shift(1, f.honour[before] * len(LEVELS) + f.level[before]))
        reason = np.full(len(rows), -1, np.int8)
        _set_first(reason, day < pol.effective, "R_PRE_POLICY")
        _set_first(reason, self.after_policy(day), "R_AFTER_POLICY")
        _set_first(reason, f.kind[rows] == REVIEW_KIND, "R_REVIEW_NOT_NEW")
        # Held before the policy and never paid: not a first recognition. If the history
        # paid it, it is simply already paid (R_HONOUR_ALREADY_PAID, by the walk below).
        hist = _position(ART17_ITEMS)[self.paid_item]
        hist_ok = (hist >= 0) & (self.paid_honour >= 0)
        paid_slots = np.zeros(self.n_parties, np.int64)
        np.bitwise_or.at(paid_slots, self.paid_payee[hist_ok],
                         np.left_shift(1, self.paid_honour[hist_ok] * len(LEVELS) + hist[hist_ok]))
        held_unpaid = ((held[op] >> slot) & 1 == 1) & ((paid_slots[op] >> slot) & 1 == 0)
        _set_first(reason, held_unpaid, "R_REVIEW_NOT_NEW")
        self.item[rows] = np.asarray(ART17_ITEMS, np.int8)[f.level[rows]]
        self.attr[rows] = day
        self.reason[rows] = reason
        rows, slot = rows[reason < 0], slot[reason < 0]

        walk = _Walk(f.party[rows], self.n_parties)
        rows, slot = rows[walk.order], slot[walk.order]
        amount = self.item_amounts(self.item[rows], day=f.day[rows])
        level = _position(ART17_ITEMS)[self.paid_item]  # a payment counts with its honour
        key = np.where((level >= 0) & (self.paid_honour >= 0), self.paid_honour * len(LEVELS) + level, -1)
        paid = self.paid_state(walk, len(HONOURS) * len(LEVELS), key).ravel()
        other_slot = slot ^ 1  # the same honour at the other level
        top_up = pol.readings["art17_upgrade"] == "top_up"
        line = np.zeros(len(rows), bool)
        for pos in walk.steps():
            g, k, a = walk.group[pos], slot[pos], amount[pos]
            at = k * walk.size + g
            own, other = paid[at], paid[other_slot[pos] * walk.size + g]
            refused = own > 0
            if top_up:  # A7 top_up: less the other level's money for the same honour
                a = np.where(other > 0, a - other, a)
                refused |= (other > 0) & (a <= 0)
            amount[pos] = a
            ok = ~refused
            paid[at[ok]] += a[ok]
            line[pos] = ok
        self.decide(rows, line, amount, np.full(len(rows), R["R_HONOUR_ALREADY_PAID"], np.int8))

    # -- lines -----------------------------------------------------------------------

    def results(self) -> Results:
        f = self.f
        tier_rows = np.flatnonzero(self.judged & _among(f.type, (T_IPO, T_NEEQ, T_REGIONAL, T_EQUITY)))
        tier = np.full(len(f), -1, np.int8)
        tier[tier_rows] = self.tiers(tier_rows, np.where(
            f.type[tier_rows] == T_EQUITY, f.investee[tier_rows], f.party[tier_rows]))
        self.art1()
        self.art5(tier[self.judged & _among(f.type, (T_IPO, T_NEEQ, T_REGIONAL))])
        self.art6(tier[self.judged & (f.type == T_EQUITY)])
        self.art17()

        lines = np.flatnonzero(self.line)
        item, amount = self.item[lines], self.amount[lines]
        article = ARTICLE_OF_ITEM[item]
        beneficiary = np.where(article == 6, f.investee[lines], -1)
        home = self.parties.home[np.where(article == 6, beneficiary, f.party[lines])]
        # D2/A2: under funding_scope art1_only, Art. 5, 6 and 17 are paid by the city alone.
        city_alone = (article != 1) & (self.pol.readings["funding_scope"] == "art1_only")
        jur = self.jur
        num = np.where(city_alone, 1, jur.city_num[home])
        den = np.where(city_alone, 1, jur.city_den[home])
        funding = np.zeros((len(lines), len(PARTS)), np.int64)
        funding[:, 0] = _mul_div_half_up(amount, num, den)  # D11: city half-up, local the rest
        part = np.where(city_alone, -1, jur.local_part[home])
        local = np.flatnonzero(part > 0)  # the rest to the district, county or zone
        funding[local, part[local]] = amount[local] - funding[local, 0]
        capped = self.capped[lines]
        rejected = np.flatnonzero(self.reason >= 0)
        return Results(
            event=lines, item=item, payee=f.party[lines], amount=amount, funding=funding,
            local_unit=np.where(city_alone, -1, jur.local_unit[home]),
            attribution_year=_years(self.attr[lines]), beneficiary=beneficiary,
            raw_amount=np.where(capped > 0, self.raw[lines], 0), capped_by=capped,
            honour=np.where(article == 17, f.honour[lines], -1).astype(np.int8),
            rejected_event=rejected, reason=self.reason[rejected])


def _duplicates(source: np.ndarray) -> np.ndarray:
    """Rows whose source_record an earlier row (in processing order) already took."""
    dup = np.zeros(len(source), bool)
    has = np.flatnonzero(source >= 0)
    if len(has):
        s = source[has]
        order = _order(len(has), (s - s.min(), int(s.max() - s.min()) + 1))
        dup[has[order[~_starts(s[order])]]] = True
    return dup


def _factorize(*keys: tuple[np.ndarray, int]) -> np.ndarray:
    """Dense ids of the distinct key tuples (non-negative ints with exclusive bounds)."""
    m = len(keys[0][0])
    room = 1
    for _, bound in keys:
        room *= max(int(bound), 1)
    if room >= INT63:
        return np.unique(np.stack([k for k, _ in keys], axis=1), axis=0, return_inverse=True)[1].ravel()
    packed = np.zeros(m, np.int64)
    for key, bound in keys:
        packed *= int(bound)
        packed += key
    shift = max(m - 1, 1).bit_length()
    if room << shift < INT63:  # sort the keys with their row: the ids go straight back
        packed <<= shift
        packed |= np.arange(m)
        packed.sort()
        ids = np.empty(m, np.int64)
        ids[packed & ((1 << shift) - 1)] = np.cumsum(_starts(packed >> shift)) - 1
        return ids
    distinct = np.sort(packed)
    return np.searchsorted(distinct[_starts(distinct)], packed)


def _dense(values: np.ndarray, bound: int) -> tuple[np.ndarray, int]:
    """The values renumbered 0.. in their order, with the new bound (a smaller key)."""
    present = np.zeros(bound, bool)
    present[values] = True
    rank = np.cumsum(present) - 1
    return rank[values], int(rank[-1]) + 1 if bound else 0


# --- the --json result -------------------------------------------------------------

def results_to_json(pop: Population, res: Results, reasons: dict[str, str]) -> dict:
    """The reference's --json result (without traces) from the columns; `reasons` are the
    pack's messages."""
    pid, fid, codes = pop.parties.ids, pop.facts.ids, pop.jurisdictions.codes
    lines, totals = [], {}
    for k in range(len(res.event)):
        item = ITEMS[res.item[k]]
        payee = pid[res.payee[k]]
        line = {"article": int(ARTICLE_OF_ITEM[res.item[k]]), "item": item, "payee": payee,
                "event": fid[res.event[k]], "attribution_year": int(res.attribution_year[k]),
                "amount": fmt_yuan(int(res.amount[k])),
                "funding": {p: fmt_yuan(int(v)) for p, v in zip(PARTS, res.funding[k], strict=True)},
                "local_unit": None if res.local_unit[k] < 0 else codes[res.local_unit[k]]}
        if res.beneficiary[k] >= 0:
            line["beneficiary_enterprise"] = pid[res.beneficiary[k]]
        if res.capped_by[k]:
            line["raw_amount"] = fmt_yuan(int(res.raw_amount[k]))
            line["capped_by"] = CAPPED_BY[res.capped_by[k]]
        if res.honour[k] >= 0:
            line["honour"] = HONOURS[res.honour[k]]
        lines.append(line)
        totals[payee] = totals.get(payee, 0) + int(res.amount[k])
    rejected = [{"event": fid[e], "reason": REASONS[r], "message": reasons[REASONS[r]]}
                for e, r in zip(res.rejected_event, res.reason, strict=True)]
    return {"reward_lines": lines, "rejected": rejected,
            "totals_by_payee": {p: fmt_yuan(v) for p, v in totals.items()}}


def batch_to_json(case: Case) -> dict:
    """The case evaluated by the batch engine, as the reference's --json dict (no traces)."""
    pop = population_from_case(case)
    return results_to_json(pop, evaluate(pop), case.pack.reasons)
