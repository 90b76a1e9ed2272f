"""What every money rule shares: reward lines, rejections, the fiscal split and
the words of the trace."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ..facts import Case, Fact
from ..money import fmt_cn, fmt_yuan, split
from ..state import Ledger, Statuses, Walk

PART_NAMES = {"city": "市级", "district": "区级", "county": "县级", "zone": "开发区"}
TYPE_NAMES = {
    "zjtx_provincial_recognized": "省级专精特新认定",
    "zjtx_provincial_review_passed": "省级专精特新复核通过",
    "little_giant_recognized": "国家级专精特新“小巨人”认定",
    "little_giant_review_passed": "国家级专精特新“小巨人”复核通过",
    "innovative_sme_announced": "创新型中小企业公告",
    "zjtx_city_recognized": "市级专精特新认定",
    "ipo_node": "上市节点",
    "ipo_withdrawn": "撤回上市申请",
    "neeq": "新三板",
    "regional_equity_listed": "区域性股权市场挂牌",
    "equity_investment": "股权投资实缴",
    "platform_recognized": "平台（基地）认定",
    "reward_paid": "已发放奖励",
}
KIND_NAMES = {"district": "市辖区", "county": "县", "zone": "开发区"}


@dataclass
class Line:
    article: int
    item: str
    payee: str
    event: str
    attribution_year: int
    amount: int  # fen
    funding: dict[str, int]  # fen by part: city, district, county, zone
    local_unit: str | None
    trace: list[str]
    seq: int
    beneficiary_enterprise: str | None = None
    raw_amount: int | None = None
    capped_by: str | None = None
    honour: str | None = None

    def to_json(self, with_trace: bool = True) -> dict:
        d = {"article": self.article, "item": self.item, "payee": self.payee,
             "event": self.event, "attribution_year": self.attribution_year,
             "amount": fmt_yuan(self.amount),
             "funding": {k: fmt_yuan(v) for k, v in self.funding.items()},
             "local_unit": self.local_unit}
        if self.beneficiary_enterprise is not None:
            d["beneficiary_enterprise"] = self.beneficiary_enterprise
        if self.capped_by is not None:
            d["raw_amount"] = fmt_yuan(self.raw_amount)
            d["capped_by"] = self.capped_by
        if self.honour is not None:
            d["honour"] = self.honour
        if with_trace:
            d["trace"] = self.trace
        return d


@dataclass
class Rejection:
    event: str
    reason: str
    message: str
    trace: list[str]
    seq: int

    def to_json(self, with_trace: bool = True) -> dict:
        d = {"event": self.event, "reason": self.reason, "message": self.message}
        if with_trace:
            d["trace"] = self.trace
        return d


@dataclass
class Context:
    """Everything a rule may read while it judges one event."""

    case: Case
    statuses: Statuses
    ledger: Ledger
    walk: Walk
    dup: set[int] = field(default_factory=set)

    _by_party: dict | None = None

    @property
    def interp(self) -> dict[str, str]:
        return self.case.interpretations

    def facts_of(self, type_: str, enterprise: str) -> list[Fact]:
        """The case's facts of one type about one enterprise, in processing order (an
        index built once: a rule that scanned every fact for each event was quadratic
        on a registry's scale)."""
        if self._by_party is None:
            self._by_party = {}
            for f in self.case.facts:
                if "enterprise" in f.data:
                    self._by_party.setdefault((f.type, f.data["enterprise"]), []).append(f)
        return self._by_party.get((type_, enterprise), [])

    def param(self, key: str, on: dt.date):
        return self.case.param(key, on)

    def money_param(self, key: str, on: dt.date) -> int:
        return int(Decimal(self.param(key, on)) * 100)

    # -- words of the trace --------------------------------------------------------

    def article_words(self, item: str) -> str:
        spec = self.case.pack.items[item]
        return f"第{spec['article']}条：“{spec['quote']}”"

    def param_words(self, key: str, on: dt.date) -> str:
        p = self.case.pack.parameters[key]
        value = self.param(key, on)
        if key in self.case.parameters:
            since = "本案参数覆盖"
        else:
            since = "自" + max((d for d, _ in p.values if d <= on), default=p.values[0][0]).isoformat() + "起施行"
        shown = fmt_cn(int(Decimal(value) * 100)) if p.unit == "yuan" else (
            f"{Decimal(value) * 100:g}%" if p.unit == "rate" else str(value))
        return f"参数 {key}（{p.label}）= {shown}，{since}"

    def interp_words(self, key: str) -> str:
        i = self.case.pack.interpretations[key]
        value = self.interp[key]
        default = "（默认）" if value == i.default else "（非默认）"
        return f"解读 {key} = {value}{default}，{i.ambiguity}：{i.options[value]}"

    def reading_words(self, code: str) -> str:
        return f"固定解读 {code}：{self.case.pack.readings[code]['text']}"

    def event_words(self, f: Fact) -> str:
        name = TYPE_NAMES.get(f.type, f.type)
        details = []
        for key in ("enterprise", "investor", "investee", "operator"):
            if key in f.data:
                details.append(f"{self.case.party_name(f[key])}（{f[key]}）")
        for key, label in (("path", "路径"), ("node", "节点"), ("action", "动作"), ("board", "板块"),
                           ("round", "轮次"), ("honour", "荣誉"), ("level", "层级"), ("kind", "类别")):
            if key in f.data:
                details.append(f"{label} {f[key]}")
        if "paid_in" in f.data:
            details.append(f"实缴 {fmt_cn(f['paid_in'])}")
        if "valid_to" in f.data:
            details.append(f"有效期至 {f['valid_to']}")
        src = f"，来源记录 {f.source_record}" if f.source_record else ""
        return f"事件 {f.id}：{f.date} {name}，{'，'.join(details)}{src}"

    # -- outcomes ------------------------------------------------------------------

    def reject(self, f: Fact, reason: str, steps: list[str]) -> Rejection:
        message = self.case.pack.reasons[reason]
        return Rejection(event=f.id, reason=reason, message=message,
                         trace=[self.event_words(f), *steps, f"结论：不予奖励（{reason}）：{message}"],
                         seq=f.seq)

    def funding(self, article: int, home: str, amount: int) -> tuple[dict[str, int], str | None, list[str]]:
        """Split a line between the city and the local budget (Art. 1 R1.3, D2, D3, D11)."""
        parts = {"city": 0, "district": 0, "county": 0, "zone": 0}
        case = self.case
        words = []
        if article != 1:
            words.append(self.interp_words("funding_scope"))
        if article != 1 and self.interp["funding_scope"] == "art1_only":
            parts["city"] = amount
            return parts, None, words + [f"资金分担：市财政全额承担 {fmt_cn(amount)}"]
        j = case.jurisdictions[home]
        rule = case.pack.funding_rules[j.funding]
        share = Decimal(rule["city_share"])
        city, local = split(amount, share)
        parts["city"] = city
        local_unit: str | None = j.code
        if j.funding == "city100":
            local_unit = None
        elif j.kind == "zone" and j.parent:
            local_unit = case.aliases.get(j.parent, {}).get("successor", j.parent)
            parts["county"] = local
        else:
            parts[j.kind] = local
        words.append(f"财政归属：{j.name}（{j.code}，{KIND_NAMES[j.kind]}），{rule['label']}"
                     + (f"；县管开发区，由所属县 {local_unit} 承担" if j.kind == "zone" and j.parent else ""))
        if j.kind == "zone":
            words.append(self.reading_words("D3"))
        shown = "，".join(f"{PART_NAMES[k]} {fmt_cn(v)}" for k, v in parts.items() if v)
        words.append(f"资金分担：{shown}（市级 = 金额 × {share} 四舍五入到分，其余为地方承担，合计 {fmt_cn(amount)}）")
        words.append(self.reading_words("D11"))
        return parts, local_unit, words

    def alias_words(self, given: str, resolved: str) -> list[str]:
        if given == resolved:
            return []
        old = self.case.aliases.get(given, {})
        return [f"区划代码 {given}（{old.get('name', '')}，{old.get('retired', '')} 撤销）按承继区划 {resolved} 处理（D12）"]

    def line(self, f: Fact, *, article: int, item: str, payee: str, amount: int, home: str,
             home_as_given: str, attribution: dt.date, steps: list[str], **extra) -> Line:
        parts, local_unit, fund_words = self.funding(article, home, amount)
        year_words = f"归属年度 {attribution.year}" + (
            f"（事件早于施行日，按施行日 {attribution} 计）" if attribution != f.date else "（事件发生日所在年度）")
        trace = [self.article_words(item), self.event_words(f), *steps,
                 *self.alias_words(home_as_given, home), *fund_words, year_words,
                 self.reading_words("D8"), f"结论：奖励 {fmt_cn(amount)}"]
        return Line(article=article, item=item, payee=payee, event=f.id,
                    attribution_year=attribution.year, amount=amount, funding=parts,
                    local_unit=local_unit, trace=trace, seq=f.seq, **extra)

    def policy_window(self, f: Fact) -> str | None:
        """R_AFTER_POLICY for any event after the policy's expiry (when one is set)."""
        expiry = self.case.expiry_date()
        if expiry is not None and f.date > expiry:
            return "R_AFTER_POLICY"
        return None

    def tier_reason(self, enterprise: str, day: dt.date) -> tuple[str | None, str]:
        """D10: a valid provincial or national recognition on the event date."""
        tier = self.statuses.tier_on(enterprise, day)
        if tier == "qualifying":
            return None, f"{day} 持有有效的省级专精特新或国家级“小巨人”认定（D10）"
        if tier == "other":
            return "R_NOT_ELIGIBLE_TIER", f"{day} 只持有创新型中小企业或市级专精特新认定"
        return "R_NOT_ZJTX_AT_EVENT", f"{day} 不持有有效认定"
