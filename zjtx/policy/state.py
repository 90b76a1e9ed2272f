"""What the engine knows while it walks the facts: statuses and what was paid.

Statuses that are facts of a date (recognition validity, listing for Art. 6) are
computed once from all facts; what depends on order (money already paid, the
first listing for Art. 5, the NEEQ layer) is kept as the walk goes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from .facts import Case, Fact

QUALIFYING = {"zjtx_provincial_recognized", "zjtx_provincial_review_passed",
              "little_giant_recognized", "little_giant_review_passed"}
NON_QUALIFYING = {"innovative_sme_announced", "zjtx_city_recognized"}
NEEQ_ITEMS = ("art5_neeq_basic_listed", "art5_neeq_entered_innovation_from_basic",
              "art5_neeq_innovation_listed_direct")
# Words that mark an exchange outside the mainland (for `both_paths` only).
OVERSEAS_EXCHANGE_WORDS = ("港", "HK", "纽", "NYSE", "NASDAQ", "纳斯达克", "伦敦", "LSE",
                           "新加坡", "SGX", "东京", "法兰克福", "瑞士", "境外", "美国")


def duplicates(case: Case) -> set[int]:
    """Seqs of facts whose source_record was already taken (first in order stands)."""
    seen: set[str] = set()
    dup: set[int] = set()
    for f in case.facts:
        if f.source_record is None:
            continue
        if f.source_record in seen:
            dup.add(f.seq)
        seen.add(f.source_record)
    return dup


@dataclass
class Statuses:
    """Date-based statuses, from every fact that is not a duplicate."""

    qualifying: dict[str, list[tuple[dt.date, dt.date]]] = field(default_factory=lambda: defaultdict(list))
    other_tier: dict[str, list[tuple[dt.date, dt.date]]] = field(default_factory=lambda: defaultdict(list))
    listing_dates: dict[str, list[dt.date]] = field(default_factory=lambda: defaultdict(list))
    art17_held_before: set[tuple[str, str, str]] = field(default_factory=set)

    @classmethod
    def of(cls, case: Case, dup: set[int]) -> Statuses:
        s = cls()
        eff = case.effective_date
        for e in case.enterprises.values():
            if e.listed:
                s.listing_dates[e.id].append(e.listed_on or dt.date.min)
        for f in case.facts:
            if f.seq in dup:
                continue
            if f.type in QUALIFYING:
                s.qualifying[f["enterprise"]].append((f.date, f["valid_to"]))
            elif f.type in NON_QUALIFYING:
                s.other_tier[f["enterprise"]].append((f.date, f["valid_to"]))
            elif f.type == "ipo_node" and f["node"] == "listed":
                s.listing_dates[f["enterprise"]].append(f.date)
            elif f.type == "platform_recognized" and f.date < eff:
                s.art17_held_before.add((f["operator"], f["honour"], f["level"]))
        return s

    def tier_on(self, enterprise: str, day: dt.date) -> str:
        """'qualifying', 'other' or 'none' (D10)."""
        if any(a <= day <= b for a, b in self.qualifying.get(enterprise, ())):
            return "qualifying"
        if any(a <= day <= b for a, b in self.other_tier.get(enterprise, ())):
            return "other"
        return "none"

    def listed_on(self, enterprise: str, day: dt.date) -> bool:
        return any(d <= day for d in self.listing_dates.get(enterprise, ()))


@dataclass
class Ledger:
    """Money already awarded: history's reward_paid and this run's lines alike,
    so that once-only rules and caps are charged the same way by both."""

    by_item: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    art6_item: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))
    art6_year: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    art17: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))

    def paid(self, payee: str, item: str) -> int:
        return self.by_item[(payee, item)]

    def neeq_total(self, enterprise: str) -> int:
        return sum(self.by_item[(enterprise, item)] for item in NEEQ_ITEMS)

    def charge(self, *, payee: str, item: str, amount: int, year: int,
               art6_item_key=None, art6_year_key=None, honour: str | None = None):
        self.by_item[(payee, item)] += amount
        if art6_item_key is not None:
            self.art6_item[art6_item_key] += amount
        if art6_year_key is not None:
            self.art6_year[(art6_year_key, year)] += amount
        if honour is not None:
            self.art17[(payee, honour, item)] += amount


def art6_item_key(case: Case, *, investor: str, investee: str | None, round_: str | None,
                  event_id: str | None):
    """The Art. 6 'item' (单项): one investor's one round into one investee, or
    under `per_tranche` each paid-in event on its own (A14)."""
    if case.interpretations["art6_item_basis"] == "per_tranche":
        return ("tranche", event_id)
    return ("round", investor, investee, round_)


def art6_cap_party(case: Case, *, investor: str, investee: str | None) -> str | None:
    """Whose yearly cap an Art. 6 reward counts against (A4)."""
    if case.interpretations["art6_annual_cap_scope"] == "investor":
        return investor
    return investee


@dataclass
class Walk:
    """Order-dependent status kept while the facts are walked."""

    listed_paths: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    ever_innovation: set[str] = field(default_factory=set)

    @classmethod
    def start(cls, case: Case) -> Walk:
        w = cls()
        w.ever_innovation = {e.id for e in case.enterprises.values() if e.neeq_layer == "innovation"}
        return w

    def note(self, f: Fact):
        """Let a fact change the order-dependent status once it has been evaluated."""
        if f.type == "ipo_node" and f["node"] == "listed":
            self.listed_paths[f["enterprise"]].add(f["path"])
        elif f.type == "neeq" and f["action"] in ("entered_innovation_from_basic",
                                                    "innovation_listed_direct"):
            self.ever_innovation.add(f["enterprise"])

    def already_listed(self, case: Case, f: Fact) -> bool:
        """R_ALREADY_LISTED: an IPO node after the enterprise's first listing (D5)."""
        e = case.enterprises[f["enterprise"]]
        # The entry's listing blocks the nodes after its date; a `listed` node on that
        # very date is the listing itself, not a node after it.
        entry_listed = e.listed and (e.listed_on is None or e.listed_on < f.date or (
            e.listed_on == f.date and f["node"] != "listed"))
        if case.interpretations["ipo_paths"] == "first_listing_only":
            return entry_listed or bool(self.listed_paths.get(e.id))
        entry_path = "overseas" if e.exchange and any(
            w in e.exchange.upper() for w in OVERSEAS_EXCHANGE_WORDS) else "domestic"
        return (entry_listed and entry_path == f["path"]) or f["path"] in self.listed_paths.get(e.id, ())
