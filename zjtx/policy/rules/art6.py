"""Article 6 股权投资支持: 各类私募基金和投资公司给予我市非上市"专精特新"中小企业股权投资
支持的（不包括投资设立基金），按照其投资额的1%给予一次性奖励，单项最高奖励50万元，
每家企业每年最高奖励100万元。"""

from __future__ import annotations

from ..facts import Fact
from ..money import fmt_cn, pro_rata, rate_of
from ..state import art6_cap_party, art6_item_key
from .common import Context, Line, Rejection

ITEM = "art6_equity_investment"


def cap_party(ctx: Context, f: Fact) -> str:
    return art6_cap_party(ctx.case, investor=f["investor"], investee=f["investee"])


def item_key(ctx: Context, f: Fact):
    return art6_item_key(ctx.case, investor=f["investor"], investee=f["investee"],
                         round_=f["round"], event_id=f.id)


def precheck(ctx: Context, f: Fact, steps: list[str]) -> Rejection | None:
    """The reasons that do not depend on money already awarded, in precedence order."""
    eff = ctx.case.effective_date
    if f.date < eff:
        return ctx.reject(f, "R_PRE_POLICY", steps + [f"实缴日早于政策施行日 {eff}"])
    if reason := ctx.policy_window(f):
        return ctx.reject(f, reason, steps)
    if f["vehicle"] == "fund_setup":
        return ctx.reject(f, "R_FUND_SETUP", steps + ["出资用于设立基金"])
    reason, words = ctx.tier_reason(f["investee"], f.date)
    steps.append(words)
    if reason:
        return ctx.reject(f, reason, steps + [ctx.reading_words("D10")])
    if ctx.statuses.listed_on(f["investee"], f.date):
        return ctx.reject(f, "R_INVESTEE_LISTED", steps + [f"被投资企业在实缴日 {f.date} 已上市", ctx.reading_words("D14")])
    steps.append("被投资企业在实缴日为非上市企业（新三板、四板企业属非上市，D14）")
    return None


def judge_batch(ctx: Context, batch: list[Fact]) -> dict[int, Line | Rejection]:
    """Judge the equity investments of one cap party (the investee by default) paid in
    on one day. They share what is left of that year's cap pro rata if together
    they exceed it (D4); each is first cut by its own item (单项) cap."""
    out: dict[int, Line | Rejection] = {}
    steps_of: dict[int, list[str]] = {}
    live: list[tuple[Fact, int, int, str | None]] = []  # fact, raw, after item cap, capped_by
    pending: dict = {}  # item → amounts charged by earlier members of this batch
    for f in batch:
        steps = [ctx.interp_words("art6_item_basis"), ctx.interp_words("art6_annual_cap_scope")]
        if rejection := precheck(ctx, f, steps):
            out[f.seq] = rejection
            continue
        rate = ctx.param("art6_rate", f.date)
        raw = rate_of(f["paid_in"], rate)
        steps += [ctx.param_words("art6_rate", f.date),
                  f"奖励 = {fmt_cn(f['paid_in'])} × {rate} = {fmt_cn(raw)}（四舍五入到分）"]
        if raw == 0:
            out[f.seq] = ctx.reject(f, "R_ROUNDS_TO_ZERO", steps + ["按比例计算不足一分，没有可奖励的金额"])
            continue
        key = item_key(ctx, f)
        cap = ctx.money_param("art6_item_cap", f.date)
        used = ctx.ledger.art6_item[key] + pending.get(key, 0)
        room = cap - used
        steps += [ctx.param_words("art6_item_cap", f.date),
                  f"单项已获 {fmt_cn(used)}，尚余 {fmt_cn(max(room, 0))}"]
        steps_of[f.seq] = steps
        if room <= 0:
            out[f.seq] = ctx.reject(f, "R_ITEM_CAP_REACHED", steps)
            continue
        amount, capped_by = raw, None
        if raw > room:
            amount, capped_by = room, "item_cap"
            steps.append(f"按单项上限削减：{fmt_cn(raw)} → {fmt_cn(room)}")
        pending[key] = pending.get(key, 0) + amount
        live.append((f, raw, amount, capped_by))
    if not live:
        return out
    day = live[0][0].date
    party = cap_party(ctx, live[0][0])
    annual = ctx.money_param("art6_enterprise_annual_cap", day)
    used = ctx.ledger.art6_year[(party, day.year)]
    left = max(annual - used, 0)
    wanted = sum(a for _, _, a, _ in live)
    note = (f"{'被投资企业' if ctx.interp['art6_annual_cap_scope'] == 'invested_enterprise' else '投资机构'}"
            f" {party} {day.year} 年度上限 {fmt_cn(annual)}，已获 {fmt_cn(used)}，尚余 {fmt_cn(left)}；"
            f"同日待奖励合计 {fmt_cn(wanted)}")
    finals = [a for _, _, a, _ in live]
    if wanted > left:
        finals = pro_rata(left, finals) if left > 0 else [0] * len(live)
        if len(live) > 1:
            note += "，超出部分按同日各项金额比例分配（四舍五入到分，最后一项取余数）"
    for (f, raw, amount, capped_by), final in zip(live, finals, strict=True):
        steps = steps_of[f.seq] + [ctx.param_words("art6_enterprise_annual_cap", day), note,
                                   ctx.reading_words("D14")]
        if final <= 0:
            out[f.seq] = ctx.reject(f, "R_ANNUAL_CAP_REACHED", steps)
            continue
        if final < amount:
            steps.append(f"按年度上限削减：{fmt_cn(amount)} → {fmt_cn(final)}")
            capped_by = "annual_cap"
        line = ctx.line(f, article=6, item=ITEM, payee=f["investor"], amount=final,
                        home=ctx.case.enterprises[f["investee"]].fiscal_home,
                        home_as_given=ctx.case.enterprises[f["investee"]].fiscal_home_as_given,
                        attribution=f.date, steps=steps, beneficiary_enterprise=f["investee"],
                        raw_amount=raw if capped_by else None, capped_by=capped_by)
        ctx.ledger.charge(payee=f["investor"], item=ITEM, amount=final, year=f.date.year,
                          art6_item_key=item_key(ctx, f), art6_year_key=party)
        out[f.seq] = line
    return out
