"""Article 17: 对首次被认定为国家级中小企业公共服务平台和小型微型企业创业创新示范基地的
一次性奖励100万元；对首次被认定为省级……的一次性奖励50万元。"""

from __future__ import annotations

from ..facts import Fact
from ..money import fmt_cn
from .common import Context, Line, Rejection

ITEM = {"national": "art17_national_first", "provincial": "art17_provincial_first"}
HONOUR_NAMES = {"public_service_platform": "中小企业公共服务平台",
                "entrepreneurship_base": "小型微型企业创业创新示范基地"}


def judge(ctx: Context, f: Fact) -> Line | Rejection:
    operator = ctx.case.operators[f["operator"]]
    honour, level = f["honour"], f["level"]
    item = ITEM[level]
    eff = ctx.case.effective_date
    steps = [f"政策施行日 {eff}", f"荣誉：{HONOUR_NAMES[honour]}（{'国家级' if level == 'national' else '省级'}）",
             ctx.reading_words("D7")]
    if f.date < eff:
        return ctx.reject(f, "R_PRE_POLICY", steps + ["第17条只奖励施行日后的“首次被认定”"])
    if reason := ctx.policy_window(f):
        return ctx.reject(f, reason, steps)
    if f["kind"] == "review":
        return ctx.reject(f, "R_REVIEW_NOT_NEW", steps + ["复核不是首次认定"])
    paid = ctx.ledger.art17[(operator.id, honour, item)]
    if (operator.id, honour, level) in ctx.statuses.art17_held_before and not paid:
        return ctx.reject(f, "R_REVIEW_NOT_NEW", steps + ["该机构在施行日前已持有同一荣誉和层级（未获奖励）"])
    if paid:
        return ctx.reject(f, "R_HONOUR_ALREADY_PAID", steps + [f"该荣誉已奖励 {fmt_cn(paid)}"])
    amount = ctx.money_param(item, f.date)
    steps += [ctx.param_words(item, f.date), ctx.interp_words("art17_upgrade")]
    if ctx.interp["art17_upgrade"] == "top_up":
        other = ctx.ledger.art17[(operator.id, honour, ITEM["provincial" if level == "national" else "national"])]
        if other:
            steps.append(f"补差：{fmt_cn(amount)} 减去同一荣誉另一层级已获奖励 {fmt_cn(other)}")
            amount -= other
            if amount <= 0:
                return ctx.reject(f, "R_HONOUR_ALREADY_PAID", steps + ["补差后无可奖励金额"])
    return ctx.line(f, article=17, item=item, payee=operator.id, amount=amount,
                    home=operator.fiscal_home, home_as_given=operator.fiscal_home_as_given,
                    attribution=f.date, steps=steps, honour=honour)
