"""The enterprise list's counts (how many match, how many hold each tier today, the
industries on offer) without counting the registry on every page.

The registry is grouped once by what the list filters on: fiscal home, industry,
listing status and the set of tiers held today. That is a few thousand cells for
200,000 enterprises, and any combination of those filters is a sum over them. The
cells are kept per process until the registry changes (RegistryStamp, re-stamped
by the database on every write) or the day does (validity is by date). A search
by name or code cannot be answered from cells; selectors.py counts those in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from django.db import connection

from .models import Enterprise, Recognition, RegistryStamp

# A cell's tiers as bits, highest tier the highest bit.
TIER_BITS = {"innovative": 1, "city": 2, "provincial": 4, "national": 8}


@dataclass(frozen=True)
class Cell:
    home: int  # fiscal_home_id as registered (a retired code's pk stays its own)
    industry: str
    status: str  # listed / neeq / none, as EnterpriseFilters.status
    tiers: int  # TIER_BITS of the recognitions valid on the day
    count: int


@dataclass(frozen=True)
class Counts:
    total: int  # matches of the filters
    scope_total: int  # every enterprise in the scope
    tiers: dict[str, int]  # matches holding each tier today
    industries: list[str]  # the scope's industries, in order


_kept: dict[tuple, tuple[Cell, ...]] = {}


def cells(today: dt.date) -> tuple[Cell, ...]:
    key = (connection.alias, connection.settings_dict["NAME"], RegistryStamp.current(), today)
    found = _kept.get(key)
    if found is None:
        found = _group(today)
        _kept.clear()  # only the latest stamp is ever asked for again
        _kept[key] = found
    return found


def _group(today: dt.date) -> tuple[Cell, ...]:
    qn = connection.ops.quote_name
    e, r = qn(Enterprise._meta.db_table), qn(Recognition._meta.db_table)
    bits = " ".join(f"WHEN '{tier}' THEN {bit}" for tier, bit in TIER_BITS.items())
    # SUM(DISTINCT bit) is the OR of an enterprise's bits in SQLite and PostgreSQL alike.
    sql = f"""
        SELECT e.fiscal_home_id, e.industry,
               CASE WHEN e.listed THEN 'listed' WHEN e.neeq_layer <> '' THEN 'neeq' ELSE 'none' END,
               COALESCE(held.tiers, 0), COUNT(*)
        FROM {e} e LEFT JOIN (
            SELECT enterprise_id, SUM(DISTINCT CASE tier {bits} ELSE 0 END) AS tiers
            FROM {r} WHERE announced_on <= %s AND valid_to >= %s GROUP BY enterprise_id
        ) held ON held.enterprise_id = e.id
        GROUP BY 1, 2, 3, 4"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [today, today])
        return tuple(Cell(home, industry, status, int(tiers), count)
                     for home, industry, status, tiers, count in cursor.fetchall())


def counts(*, today: dt.date, scope: Collection[int] | None, homes: Collection[int] | None = None,
           industry: str = "", status: str = "", tier: str = "") -> Counts:
    """scope: the fiscal homes the user may see (None: all); homes: the jurisdiction
    filter's fiscal homes (None: no filter); the rest as EnterpriseFilters."""
    scope = None if scope is None else set(scope)
    homes = None if homes is None else set(homes)
    wanted = TIER_BITS.get(tier, 0)
    total = scope_total = 0
    held: Counter[int] = Counter()
    industries = set()
    for c in cells(today):
        if scope is not None and c.home not in scope:
            continue
        scope_total += c.count
        if c.industry:
            industries.add(c.industry)
        if ((homes is None or c.home in homes) and (not industry or c.industry == industry)
                and (not status or c.status == status) and c.tiers & wanted == wanted):
            total += c.count
            held[c.tiers] += c.count
    tiers = {name: sum(n for mask, n in held.items() if mask & bit) for name, bit in TIER_BITS.items()}
    return Counts(total, scope_total, tiers, sorted(industries))
