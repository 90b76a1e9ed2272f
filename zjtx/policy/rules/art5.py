"""Article 5 促进企业上市: rewards at each listing node of a 专精特新 enterprise —
exchange IPO nodes (domestic and overseas), NEEQ and the regional trading board."""

from __future__ import annotations

from ..facts import Fact
from ..money import fmt_cn
from .common import Context, Line, Rejection

IPO_ITEMS = {
    ("domestic", "tutoring_accepted"): "art5_domestic_tutoring_accepted",
    ("domestic", "review_passed"): "art5_domestic_review_passed",
    ("domestic", "listed"): "art5_domestic_listed",
    ("overseas", "csrc_approved_or_filed"): "art5_overseas_csrc_approved",
    ("overseas", "listed"): "art5_overseas_listed",
}
NEEQ_ITEMS = {
    "basic_listed": "art5_neeq_basic_listed",
    "entered_innovation_from_basic": "art5_neeq_entered_innovation_from_basic",
    "innovation_listed_direct": "art5_neeq_innovation_listed_direct",
}
NEEQ_CEILING = "art5_neeq_innovation_listed_direct"


def item_of(f: Fact) -> str | None:
    """The item an Art. 5 fact would pay, or None for facts that pay nothing by nature."""
    if f.type == "ipo_node":
        return IPO_ITEMS[(f["path"], f["node"])]
    if f.type == "neeq":
        return NEEQ_ITEMS.get(f["action"])
    if f.type == "regional_equity_listed":
        return "art5_regional_equity_trading_board"
    return None


def judge(ctx: Context, f: Fact) -> Line | Rejection:
    enterprise = ctx.case.enterprises[f["enterprise"]]
    item = item_of(f)
    eff = ctx.case.effective_date
    steps = [f"政策施行日 {eff}"]
    attribution = f.date
    if f.date < eff:
        steps.append(ctx.interp_words("ipo_prepolicy_nodes"))
        if ctx.interp["ipo_prepolicy_nodes"] == "not_paid":
            return ctx.reject(f, "R_PRE_POLICY", steps + [ctx.reading_words("D13")])
        attribution = eff
    if reason := ctx.policy_window(f):
        return ctx.reject(f, reason, steps)
    if f.type == "regional_equity_listed" and f["board"] == "display":
        return ctx.reject(f, "R_DISPLAY_BOARD", steps + [ctx.reading_words("D15")])
    reason, words = ctx.tier_reason(enterprise.id, f.date)
    steps.append(words)
    if reason:
        return ctx.reject(f, reason, steps + [ctx.reading_words("D10")])
    if f.type == "ipo_node":
        steps.append(ctx.interp_words("ipo_paths"))
        if ctx.walk.already_listed(ctx.case, f):
            return ctx.reject(f, "R_ALREADY_LISTED", steps + ["企业此前已在证券交易所上市"])
    if paid := ctx.ledger.paid(enterprise.id, item):
        return ctx.reject(f, "R_NODE_ALREADY_PAID", steps + [
            f"该节点已奖励 {fmt_cn(paid)}，每个节点只奖励一次", ctx.reading_words("D13")])
    amount = ctx.money_param(item, attribution)
    steps.append(ctx.param_words(item, attribution))
    if f.type == "neeq":
        steps.append(ctx.reading_words("D6"))
        if f["action"] == "entered_innovation_from_basic" and enterprise.id in ctx.walk.ever_innovation:
            return ctx.reject(f, "R_NEEQ_NOT_FIRST_ENTRY", steps + ["企业此前已进入过创新层"])
        ceiling = ctx.money_param(NEEQ_CEILING, attribution)
        used = ctx.ledger.neeq_total(enterprise.id)
        left = ceiling - used
        steps.append(f"新三板奖励合计上限 {fmt_cn(ceiling)}，已获 {fmt_cn(used)}，尚余 {fmt_cn(max(left, 0))}")
        if left <= 0:
            return ctx.reject(f, "R_NEEQ_NOT_FIRST_ENTRY", steps)
        if amount > left:
            steps.append(f"按上限削减：{fmt_cn(amount)} → {fmt_cn(left)}")
            amount = left
    return ctx.line(f, article=5, item=item, payee=enterprise.id, amount=amount,
                    home=enterprise.fiscal_home, home_as_given=enterprise.fiscal_home_as_given,
                    attribution=attribution, steps=steps)
