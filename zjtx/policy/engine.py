"""The per-case engine: facts in, reward lines and rejections out, each with a trace.

It walks the facts in processing order (history first, then events, by date and
file order) and asks the rule of each money article to judge each event. This is
the reference reading of the policy; the batch engine (batch.py) must agree with
it to the fen, which the property test checks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from .facts import Case, Fact, read_case
from .money import fmt_yuan
from .pack import Pack
from .rules import art1, art5, art6, art17
from .rules.common import Context, Line, Rejection
from .state import Ledger, Statuses, Walk, art6_cap_party, art6_item_key, duplicates

RULES = {
    "zjtx_provincial_recognized": art1.judge,
    "zjtx_provincial_review_passed": art1.judge,
    "little_giant_recognized": art1.judge,
    "little_giant_review_passed": art1.judge,
    "ipo_node": art5.judge,
    "neeq": art5.judge,
    "regional_equity_listed": art5.judge,
    "platform_recognized": art17.judge,
}


@dataclass
class Result:
    lines: list[Line]
    rejected: list[Rejection]

    def totals_by_payee(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for line in self.lines:
            totals[line.payee] += line.amount
        return dict(totals)

    def to_json(self, with_trace: bool = True) -> dict:
        return {
            "reward_lines": [line.to_json(with_trace) for line in self.lines],
            "rejected": [r.to_json(with_trace) for r in self.rejected],
            "totals_by_payee": {p: fmt_yuan(v) for p, v in self.totals_by_payee().items()},
        }


def pays_nothing_by_nature(f: Fact) -> bool:
    return f.type in ("innovative_sme_announced", "zjtx_city_recognized", "ipo_withdrawn") or (
        f.type == "neeq" and f["action"] == "demoted_to_basic")


def charge_history_payment(case: Case, ledger: Ledger, f: Fact, history: dict[str, Fact]):
    """A reward_paid of the history charges the same once-only rules and caps as a line."""
    ref = history.get(f.get("event"))
    item = f["item"]
    year = f.get("attribution_year") or (ref.date.year if ref else f.date.year)
    kwargs = {}
    if item == "art6_equity_investment":
        investee = f.get("beneficiary_enterprise") or (ref.get("investee") if ref else None)
        round_ = f.get("round") or (ref.get("round") if ref else None)
        kwargs["art6_item_key"] = art6_item_key(case, investor=f["payee"], investee=investee,
                                                round_=round_, event_id=f.get("event"))
        kwargs["art6_year_key"] = art6_cap_party(case, investor=f["payee"], investee=investee)
    elif item.startswith("art17_"):
        kwargs["honour"] = f.get("honour") or (ref.get("honour") if ref else None)
    ledger.charge(payee=f["payee"], item=item, amount=f["amount"], year=year, **kwargs)


def evaluate_case(case: Case) -> Result:
    dup = duplicates(case)
    ctx = Context(case=case, statuses=Statuses.of(case, dup), ledger=Ledger(),
                  walk=Walk.start(case), dup=dup)
    history = {f.id: f for f in case.facts if f.is_history and f.id is not None}
    lines: list[Line] = []
    rejected: list[Rejection] = []
    decided: dict[int, Line | Rejection] = {}

    def emit(outcome):
        (lines if isinstance(outcome, Line) else rejected).append(outcome)

    for f in case.facts:
        if f.seq in dup:
            if not f.is_history and not pays_nothing_by_nature(f):
                emit(ctx.reject(f, "R_DUPLICATE_EVENT", ["同一来源记录已被采纳，本条不再计算"]))
            continue
        if f.is_history:
            if f.type == "reward_paid":
                charge_history_payment(case, ctx.ledger, f, history)
            ctx.walk.note(f)
            continue
        if pays_nothing_by_nature(f):
            ctx.walk.note(f)
            continue
        if f.type == "equity_investment":
            if f.seq not in decided:
                decided.update(art6.judge_batch(ctx, same_day_batch(ctx, f)))
            emit(decided.pop(f.seq))
            continue
        outcome = RULES[f.type](ctx, f)
        if isinstance(outcome, Line):
            ctx.ledger.charge(payee=outcome.payee, item=outcome.item, amount=outcome.amount,
                              year=outcome.attribution_year, honour=outcome.honour)
        emit(outcome)
        ctx.walk.note(f)
    return Result(lines=lines, rejected=rejected)


def same_day_batch(ctx: Context, first: Fact) -> list[Fact]:
    """The Art. 6 events of `first`'s cap party paid in on its day, in file order."""
    party = art6.cap_party(ctx, first)
    return [f for f in ctx.case.facts
            if not f.is_history and f.type == "equity_investment" and f.date == first.date
            and f.seq not in ctx.dup and art6.cap_party(ctx, f) == party]


def evaluate_document(doc: dict, *, as_of: dt.date | None = None, pack: Pack | None = None) -> dict:
    """Evaluate a parsed facts document; the `--json` result (traces included)."""
    return evaluate_case(read_case(doc, pack=pack, as_of=as_of)).to_json()
