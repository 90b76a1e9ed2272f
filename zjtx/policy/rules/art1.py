"""Article 1: 对已认定和新认定的国家专精特新"小巨人"企业和省"专精特新"中小企业
分别给予30万元和10万元一次性奖励。"""

from __future__ import annotations

from ..facts import Fact
from ..money import fmt_cn
from .common import Context, Line, Rejection

ITEM = {"zjtx_provincial_recognized": "art1_provincial_zjtx",
        "zjtx_provincial_review_passed": "art1_provincial_zjtx",
        "little_giant_recognized": "art1_national_little_giant",
        "little_giant_review_passed": "art1_national_little_giant"}
# A 复核 renews the recognition of its own tier (facts-format.md); it is never new.
RENEWAL_OF = {"zjtx_provincial_recognized": "zjtx_provincial_review_passed",
              "little_giant_recognized": "little_giant_review_passed"}
OTHER_TIER = {"art1_provincial_zjtx": "art1_national_little_giant",
              "art1_national_little_giant": "art1_provincial_zjtx"}


def validity_on_effective_date(ctx: Context, f: Fact):
    """A recognition's validity as extended by the 复核 renewals of the same tier and
    enterprise made between it and the effective date (facts-format.md: a renewal
    "extends the recognition's validity to its valid_to")."""
    valid_to = f["valid_to"]
    if f.type not in RENEWAL_OF:
        return valid_to
    eff = ctx.case.effective_date
    for r in ctx.facts_of(RENEWAL_OF[f.type], f["enterprise"]):
        if r.seq not in ctx.dup and f.date <= r.date <= eff:
            valid_to = max(valid_to, r["valid_to"])
    return valid_to


def judge(ctx: Context, f: Fact) -> Line | Rejection:
    enterprise = ctx.case.enterprises[f["enterprise"]]
    item = ITEM[f.type]
    eff = ctx.case.effective_date
    steps = [f"政策施行日 {eff}"]
    attribution = f.date
    if f.date < eff:
        # "已认定": a recognition made before the policy counts if still valid on its
        # first day (D9), its validity extended by any 复核 made by then.
        valid_to = validity_on_effective_date(ctx, f)
        if valid_to < eff:
            return ctx.reject(f, "R_EXPIRED_BEFORE_POLICY",
                              steps + [f"有效期至 {valid_to}，早于施行日", ctx.reading_words("D9")])
        attribution = eff
        if valid_to != f["valid_to"]:
            steps.append(f"原有效期至 {f['valid_to']}，经施行日前的复核延续至 {valid_to}")
        steps.append(f"施行日前认定、施行日仍在有效期内（至 {valid_to}），属“已认定”（D9）")
    if reason := ctx.policy_window(f):
        return ctx.reject(f, reason, steps)
    if f.type in RENEWAL_OF.values():
        return ctx.reject(f, "R_REVIEW_NOT_NEW", steps + [
            "复核通过延续原认定的有效期，不是新的认定", ctx.reading_words("D9")])
    if ctx.ledger.paid(enterprise.id, item):
        return ctx.reject(f, "R_HONOUR_ALREADY_PAID", steps + [
            f"该企业已获 {item} 奖励 {fmt_cn(ctx.ledger.paid(enterprise.id, item))}", ctx.reading_words("D9")])
    amount = ctx.money_param(item, attribution)
    steps.append(ctx.param_words(item, attribution))
    steps.append(ctx.interp_words("art1_upgrade"))
    if ctx.interp["art1_upgrade"] == "top_up":
        other = ctx.ledger.paid(enterprise.id, OTHER_TIER[item])
        if other:
            steps.append(f"补差：{fmt_cn(amount)} 减去已获另一层级荣誉奖励 {fmt_cn(other)}")
            amount -= other
            if amount <= 0:
                return ctx.reject(f, "R_HONOUR_ALREADY_PAID", steps + ["补差后无可奖励金额"])
    return ctx.line(f, article=1, item=item, payee=enterprise.id, amount=amount,
                    home=enterprise.fiscal_home, home_as_given=enterprise.fiscal_home_as_given,
                    attribution=attribution, steps=steps)
