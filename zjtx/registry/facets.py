"""The enterprise list answered from the registry's columns kept in memory: which
enterprises match a search and filters, in which order, how many hold each tier
today, the industries to offer.

A list page used to ask PostgreSQL to count, group and sort up to 200,000 rows
(benchmarks/web.py). The registry is read a hundred times for each write, so each
process keeps the few columns the list needs (numpy arrays, about 15 MB for 200,000
enterprises) and answers from them; SQL then fetches only the page's 50 rows. The
copy is kept until the registry changes (RegistryStamp, re-stamped by the database
on every write of enterprises, recognitions or jurisdictions) and the tiers held
until the day changes (validity is by date).

Same answers as the SQL of selectors.filtered_enterprises/_ordered_pks: names are
matched as `name_key LIKE '%key%'`, codes as `uscc LIKE 'prefix%'`, text is ordered
by code point (PostgreSQL's C collation, SQLite's BINARY);
tests/registry/test_enterprise_list_at_scale.py compares them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from django.db import connection

from .models import Enterprise, Jurisdiction, Recognition, RegistryStamp

# A tier as a bit of the tiers an enterprise holds today.
TIER_BITS = {"innovative": 1, "city": 2, "provincial": 4, "national": 8}
STATUS_CODES = {"none": 0, "listed": 1, "neeq": 2}
_FAR = np.iinfo(np.int64).max  # sorts a missing date last


@dataclass(frozen=True)
class Home:
    """A jurisdiction as the list needs it (a score of rows)."""

    pk: int
    code: str
    name: str
    successor_id: int | None
    parent_id: int | None


@dataclass(frozen=True)
class Counts:
    total: int  # matches of the search and filters
    scope_total: int  # every enterprise in the scope
    tiers: dict[str, int]  # matches holding each tier today
    industries: list[str]  # the scope's industries, in order


@dataclass(frozen=True)
class Facts:
    """What a row of the list shows of an enterprise."""

    pk: int
    name: str
    uscc: str
    home: int  # fiscal_home_id
    industry: str
    listed: bool
    exchange: str
    neeq_layer: str
    recognitions: tuple[tuple[str, dt.date, dt.date], ...]  # (tier, announced_on, valid_to)


@dataclass(frozen=True)
class Found:
    counts: Counts
    _columns: _Columns
    _order: np.ndarray  # the matches' positions, in order

    def pks(self, start: int, stop: int) -> list[int]:
        """The pks of matches start..stop (0-based, stop excluded), in order."""
        return self._columns.pk[self._order[start:stop]].tolist()

    def facts(self, start: int, stop: int) -> list[Facts]:
        """The rows of matches start..stop, in order, from the kept columns (no query)."""
        return [self._columns.facts(int(i)) for i in self._order[start:stop]]


class Kept:
    """The registry's list columns at one stamp; position i is the i-th enterprise by pk."""

    def __init__(self):
        self._homes: dict[int, Home] | None = None
        self._columns = None
        self._tiers: tuple[dt.date, np.ndarray] | None = None
        self._orders: dict[str, np.ndarray] = {}
        self._bases: dict[tuple, tuple[np.ndarray | None, Counts]] = {}

    # -- jurisdictions --

    def homes(self) -> dict[int, Home]:
        if self._homes is None:
            self._homes = {j.pk: Home(j.pk, j.code, j.name, j.successor_id, j.parent_id)
                           for j in Jurisdiction.objects.order_by("code")}
        return self._homes

    def homes_of(self, code: str) -> list[int]:
        """A current jurisdiction, the retired codes that became it and its county-run zones."""
        homes = self.homes()
        pk = next((h.pk for h in homes.values() if h.code == code), None)
        return [h.pk for h in homes.values() if pk is not None and pk in (h.pk, h.successor_id, h.parent_id)]

    # -- columns --

    def _load(self):
        if self._columns is None:
            self._columns = _Columns.read()
        return self._columns

    def tiers_on(self, today: dt.date) -> np.ndarray:
        """Each enterprise's TIER_BITS held on the day."""
        if self._tiers is None or self._tiers[0] != today:
            c = self._load()
            day = today.toordinal()
            valid = (c.rec_from <= day) & (c.rec_to >= day)
            held = np.zeros(len(c.pk), dtype=np.uint8)
            np.bitwise_or.at(held, c.rec_at[valid], c.rec_bit[valid])
            self._tiers = (today, held)
        return self._tiers[1]

    def order(self, sort: str) -> np.ndarray:
        """Positions in the list's order for a key of selectors.SORTS ("-" for descending):
        the first key flips, the rest (name_key, pk) do not, as in selectors._ordered_pks."""
        if sort not in self._orders:
            c = self._load()
            key, descending = sort.lstrip("-"), sort.startswith("-")
            sign = -1 if descending else 1
            if key == "name":
                order = np.lexsort((c.pk, sign * c.name_group)) if descending else c.by_name
            elif key == "uscc":
                order = c.by_uscc[::-1] if descending else c.by_uscc
            elif key == "jurisdiction":  # a retired code sorts with its successor
                homes = self.homes()
                code = {pk: (homes[h.successor_id] if h.successor_id else h).code for pk, h in homes.items()}
                codes = sorted(set(code.values()))
                rank = np.zeros(max(homes, default=0) + 1, dtype=np.int64)
                for pk in homes:
                    rank[pk] = codes.index(code[pk])
                order = np.lexsort((c.name_rank, sign * rank[c.home]))
            elif key == "recognized":  # no recognition: last either way
                first = np.where(c.latest == 0, _FAR, sign * c.latest.astype(np.int64))
                order = np.lexsort((c.name_rank, first))
            else:
                raise ValueError(f"unknown sort {sort!r}")
            self._orders[sort] = order.astype(np.int32)  # positions: half the memory of int64
        return self._orders[sort]

    def find(self, *, today: dt.date, scope: Collection[int] | None, homes: Collection[int] | None = None,
             q_name: str = "", q_code: str = "", industry: str = "", status: str = "", tier: str = "",
             sort: str = "name") -> Found:
        """The matches' counts and their order. scope: the fiscal homes the user may see
        (None: all); homes: the jurisdiction filter's; q_name: a normalised name key to
        find inside names; q_code: a credit-code prefix (either may match)."""
        c = self._load()
        held = self.tiers_on(today)
        # None stands for every enterprise: the whole registry's counts are kept, and
        # its order needs no filtering (the city's offices' unfiltered list).
        in_scope, base = (None, self._everyone(today)) if scope is None else self._scope(today, scope)
        match = in_scope
        for condition in (
                homes is not None and (lambda: c.of_homes(homes)),
                industry and (lambda: c.industry == c.industry_code.get(industry, -1)),
                status and (lambda: c.status == STATUS_CODES[status]),
                tier and (lambda: (held & TIER_BITS[tier]) != 0),
                (q_name or q_code) and (lambda: c.search(q_name, q_code))):
            if condition:
                match = condition() if match is None else match & condition()
        order = self.order(sort)
        if match is None:
            return Found(base, c, order)
        counts = (base if match is in_scope else
                  Counts(int(np.count_nonzero(match)), base.scope_total, _tiers(held[match]), base.industries))
        return Found(counts, c, order[match[order]])

    def _forget_old(self) -> None:
        if len(self._bases) >= 64:  # a score of scopes a day; other days' are not asked again
            self._bases.clear()

    def _everyone(self, today: dt.date) -> Counts:
        """The whole registry's counts (kept for the day)."""
        key = (today, None)
        if key not in self._bases:
            self._forget_old()
            c = self._load()
            self._bases[key] = (None, Counts(len(c.pk), len(c.pk), _tiers(self.tiers_on(today)),
                                             c.industries_among(None)))
        return self._bases[key][1]

    def _scope(self, today: dt.date, scope: Collection[int]) -> tuple[np.ndarray, Counts]:
        """A county's enterprises and their counts (kept for the day: a score of scopes)."""
        key = (today, frozenset(scope))
        if key not in self._bases:
            self._forget_old()
            c = self._load()
            where = c.of_homes(scope)
            n = int(np.count_nonzero(where))
            self._bases[key] = (where, Counts(n, n, _tiers(self.tiers_on(today)[where]), c.industries_among(where)))
        return self._bases[key]


def _tiers(held: np.ndarray) -> dict[str, int]:
    """Enterprises holding each tier, from their TIER_BITS."""
    counted = np.bincount(held, minlength=16)
    return {name: int(counted[[m for m in range(16) if m & bit]].sum()) for name, bit in TIER_BITS.items()}


class _Columns:
    """The columns themselves, read in two queries."""

    @classmethod
    def read(cls) -> _Columns:
        self = cls()
        rows = list(Enterprise.objects.order_by("pk").values_list(
            "pk", "name_key", "uscc", "fiscal_home_id", "industry", "listed", "neeq_layer", "latest_recognition_on",
            "name", "exchange"))
        n = len(rows)
        self.pk = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
        self.shown_names = [r[8] for r in rows]
        self.usccs = [r[2] for r in rows]
        self.rare = {i: (r[9], r[6]) for i, r in enumerate(rows) if r[9] or r[6]}  # (exchange, neeq_layer)
        names = [r[1] for r in rows]
        usccs = self.usccs
        self.home = np.fromiter((r[3] for r in rows), dtype=np.int32, count=n)
        self.industries = sorted({r[4] for r in rows})
        self.industry_code = {name: i for i, name in enumerate(self.industries)}
        self.industry = np.fromiter((self.industry_code[r[4]] for r in rows), dtype=np.int32, count=n)
        self.status = np.fromiter((1 if r[5] else 2 if r[6] else 0 for r in rows), dtype=np.int8, count=n)
        self.latest = np.fromiter((r[7].toordinal() if r[7] else 0 for r in rows), dtype=np.int32, count=n)
        # Names in order, ties by pk (positions are in pk order, and sorted() is stable).
        self.by_name = np.array(sorted(range(n), key=names.__getitem__), dtype=np.int32)
        self.name_rank = np.empty(n, dtype=np.int32)
        self.name_rank[self.by_name] = np.arange(n)
        new_name = np.ones(n, dtype=np.int64)  # 1 where a name differs from the one before it
        ordered = [names[i] for i in self.by_name]
        new_name[1:] = [a != b for a, b in zip(ordered, ordered[1:], strict=False)]
        self.name_group = np.empty(n, dtype=np.int32)
        self.name_group[self.by_name] = np.cumsum(new_name)
        self.by_uscc = np.array(sorted(range(n), key=usccs.__getitem__), dtype=np.int32)
        self.usccs_sorted = [usccs[i] for i in self.by_uscc]
        # All names in one text, one per line, as code points: a search is a few numpy passes.
        self.text = np.frombuffer("\n".join(names).encode("utf-32-le"), dtype=np.uint32)
        self.starts = np.cumsum([0] + [len(name) + 1 for name in names[:-1]]) if n else np.zeros(0, dtype=np.int64)
        position = {pk: i for i, pk in enumerate(self.pk.tolist())}
        recognitions = list(Recognition.objects.order_by().values_list("enterprise_id", "tier", "announced_on",
                                                                        "valid_to"))
        # An enterprise written since the first query (and its stamp with it) is not in
        # these columns: its recognitions are left out too; the next page reads the new stamp.
        recognitions = [r for r in recognitions if r[0] in position]
        recognitions.sort(key=lambda r: (position[r[0]], r[2]))  # by enterprise, then announced_on
        self.rec_at = np.fromiter((position[r[0]] for r in recognitions), dtype=np.int32, count=len(recognitions))
        self.rec_bit = np.fromiter((TIER_BITS[r[1]] for r in recognitions), dtype=np.uint8, count=len(recognitions))
        self.rec_from = np.fromiter((r[2].toordinal() for r in recognitions), dtype=np.int32,
                                    count=len(recognitions))
        self.rec_to = np.fromiter((r[3].toordinal() for r in recognitions), dtype=np.int32, count=len(recognitions))
        self.rec_tier = [r[1] for r in recognitions]
        self.rec_start = np.searchsorted(self.rec_at, np.arange(n + 1))  # position i's are rec_start[i]:[i+1]
        return self

    def facts(self, i: int) -> Facts:
        exchange, neeq_layer = self.rare.get(i, ("", ""))
        first, last = self.rec_start[i], self.rec_start[i + 1]
        return Facts(int(self.pk[i]), self.shown_names[i], self.usccs[i], int(self.home[i]),
                     self.industries[self.industry[i]], bool(self.status[i] == STATUS_CODES["listed"]), exchange,
                     neeq_layer, tuple((self.rec_tier[j], dt.date.fromordinal(int(self.rec_from[j])),
                                        dt.date.fromordinal(int(self.rec_to[j]))) for j in range(first, last)))

    def of_homes(self, homes: Collection[int]) -> np.ndarray:
        """Where the fiscal home is one of these (a lookup table: np.isin is 10x slower)."""
        table = np.zeros(max(int(self.home.max(initial=0)), *homes, 0) + 1, dtype=bool)
        table[list(homes)] = True
        return table[self.home]

    def industries_among(self, where: np.ndarray | None) -> list[str]:
        """The industries present (all, or where the mask is set), in order."""
        codes = self.industry if where is None else self.industry[where]
        present = np.flatnonzero(np.bincount(codes, minlength=len(self.industries)))
        return [self.industries[i] for i in present if self.industries[i]]  # self.industries is sorted

    def search(self, q_name: str, q_code: str) -> np.ndarray:
        found = np.zeros(len(self.pk), dtype=bool)
        if q_name and "\n" not in q_name:
            key = np.array([ord(ch) for ch in q_name], dtype=np.uint32)
            last = len(self.text) - len(key)  # the last place the key could start
            hits = np.flatnonzero(self.text[:last + 1] == key[0])
            for i, code in enumerate(key[1:], 1):  # the candidates narrow with each character
                hits = hits[self.text[hits + i] == code]
            found[np.searchsorted(self.starts, hits, side="right") - 1] = True
        if q_code:
            from bisect import bisect_left

            lo = bisect_left(self.usccs_sorted, q_code)
            hi = bisect_left(self.usccs_sorted, q_code + "\U0010ffff")
            found[self.by_uscc[lo:hi]] = True
        return found


_kept: dict[tuple, Kept] = {}


def kept() -> Kept:
    """The registry's kept columns at its current stamp (one small query to know it)."""
    key = (connection.alias, connection.settings_dict["NAME"], RegistryStamp.current())
    found = _kept.get(key)
    if found is None:
        _kept.clear()  # only the latest stamp is ever asked for again
        found = _kept[key] = Kept()
    return found


def counts(*, kept: Kept, today: dt.date, scope: Collection[int] | None, homes: Collection[int] | None = None,
           industry: str = "", status: str = "", tier: str = "") -> Counts:
    """The counts of Kept.find without a page (the workbench's, a filter's)."""
    return kept.find(today=today, scope=scope, homes=homes, industry=industry, status=status, tier=tier).counts
