"""Reading a facts file (docs/facts-format.md) into a checked, typed Case.

Everything a file can get wrong is refused here with a message that names the
entry and the key, so that the rules never see a malformed fact. A misspelt key
is refused too: it must never pass silently.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from stdnum.cn import uscc as uscc_check
from stdnum.exceptions import ValidationError

from .money import to_fen
from .pack import Jurisdiction, Pack, load_pack


class FactsError(ValueError):
    """A facts file that does not follow the format; the message is for a person."""


# --- the format, as data -------------------------------------------------------

TOP_KEYS = {
    "title", "description", "expected", "parameters", "interpretations",
    "jurisdictions", "enterprises", "investors", "operators", "history", "events",
}
FREE_TEXT = {"note", "evidence"}

ENTRY_KEYS = {
    "enterprises": ({"id", "name", "uscc", "fiscal_home"},
                    {"listed", "listed_on", "exchange", "neeq_layer"}),
    "investors": ({"id", "name", "kind"}, {"uscc"}),
    "operators": ({"id", "name", "uscc", "fiscal_home"}, set()),
}
ENTRY_LABEL = {"enterprises": "企业", "investors": "投资机构", "operators": "平台运营机构",
               "events": "事件", "history": "历史事实"}

# event type → (required keys, optional keys)
EVENT_KEYS = {
    "zjtx_provincial_recognized": ({"enterprise", "valid_to"}, set()),
    "zjtx_provincial_review_passed": ({"enterprise", "valid_to"}, set()),
    "little_giant_recognized": ({"enterprise", "valid_to"}, set()),
    "little_giant_review_passed": ({"enterprise", "valid_to"}, set()),
    "innovative_sme_announced": ({"enterprise", "valid_to"}, set()),
    "zjtx_city_recognized": ({"enterprise", "valid_to"}, set()),
    "ipo_node": ({"enterprise", "path", "exchange", "node"}, set()),
    "ipo_withdrawn": ({"enterprise", "path"}, set()),
    "neeq": ({"enterprise", "action"}, set()),
    "regional_equity_listed": ({"enterprise", "market", "board"}, set()),
    "equity_investment": ({"investor", "investee", "round", "vehicle", "paid_in"},
                          {"subscribed", "tranche"}),
    "platform_recognized": ({"operator", "honour", "level", "kind"}, set()),
    "reward_paid": ({"payee", "item", "amount"},
                    {"event", "beneficiary_enterprise", "honour", "round", "attribution_year"}),
}
HISTORY_ONLY = {"reward_paid"}
IPO_NODES = {"domestic": ("tutoring_accepted", "review_passed", "listed"),
             "overseas": ("csrc_approved_or_filed", "listed")}
CHOICES = {
    "path": {"domestic", "overseas"},
    "action": {"basic_listed", "entered_innovation_from_basic", "innovation_listed_direct",
               "demoted_to_basic"},
    "board": {"trading", "display"},
    "vehicle": {"direct", "fund_setup"},
    "honour": {"public_service_platform", "entrepreneurship_base"},
    "level": {"national", "provincial"},
    "kind": {"first", "review"},
}
INVESTOR_KINDS = {"private_fund", "investment_company"}
NEEQ_LAYERS = {"basic", "innovation"}
JURISDICTION_KINDS = {"district", "county", "zone"}
FUNDING_RULES = {"city50_local50", "county100", "city100"}


# --- the typed facts -------------------------------------------------------------

@dataclass(frozen=True)
class Enterprise:
    id: str
    name: str
    uscc: str
    fiscal_home: str  # resolved code (aliases followed)
    fiscal_home_as_given: str
    listed: bool = False
    listed_on: dt.date | None = None
    exchange: str | None = None
    neeq_layer: str | None = None


@dataclass(frozen=True)
class Investor:
    id: str
    name: str
    kind: str
    uscc: str | None = None


@dataclass(frozen=True)
class Operator:
    id: str
    name: str
    uscc: str
    fiscal_home: str
    fiscal_home_as_given: str


@dataclass(frozen=True)
class Fact:
    """One event or history entry. `data` holds its type's keys, already typed
    (dates as date, money as integer fen)."""

    id: str | None
    date: dt.date
    type: str
    data: dict
    source_record: str | None
    is_history: bool
    seq: int  # position in processing order (history first, then events; by date, then file)

    def __getitem__(self, key):
        return self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default)


@dataclass
class Case:
    pack: Pack
    parameters: dict[str, object]  # overrides (typed)
    interpretations: dict[str, str]  # every key, defaults filled in
    jurisdictions: dict[str, Jurisdiction]
    aliases: dict[str, dict]
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    investors: dict[str, Investor] = field(default_factory=dict)
    operators: dict[str, Operator] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)  # processing order

    def param(self, key: str, on: dt.date):
        if key in self.parameters:
            return self.parameters[key]
        return self.pack.parameters[key].value_on(on)

    @property
    def effective_date(self) -> dt.date:
        return self.param("policy_effective_date", dt.date.max)

    def expiry_date(self) -> dt.date | None:
        return self.param("policy_expiry_date", dt.date.max)

    def party_name(self, pid: str) -> str:
        for table in (self.enterprises, self.investors, self.operators):
            if pid in table:
                return table[pid].name
        return pid


# --- reading ---------------------------------------------------------------------

class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; a facts file must not say a thing twice."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise FactsError(f"第 {key_node.start_mark.line + 1} 行：键 {key!r} 重复出现")
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Unquoted dates stay text, so that an impossible one (2023-02-30) is refused by
# _date with the entry and key named, like a quoted one.
_UniqueKeyLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def load_document(path: str | Path) -> dict:
    """Parse a YAML or JSON facts file into a mapping (not yet checked)."""
    text = Path(path).read_text(encoding="utf-8")
    return parse_text(text, json_first=str(path).endswith(".json"))


def parse_text(text: str, json_first: bool = False) -> dict:
    try:
        if json_first:
            doc = json.loads(text, parse_float=float)
        else:
            doc = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except FactsError:
        raise
    except (yaml.YAMLError, json.JSONDecodeError) as e:
        raise FactsError(f"文件不是有效的 YAML/JSON：{e}") from None
    except ValueError as e:  # e.g. an impossible unquoted YAML date
        raise FactsError(f"文件中有无法解析的值：{e}") from None
    if not isinstance(doc, dict):
        raise FactsError("文件顶层必须是一个映射（包含 enterprises、events 等键）")
    return doc


class _Where:
    """Names an entry in messages: 事件 ev3（events 第3项）."""

    def __init__(self, section: str, index: int, entry):
        self.section, self.index = section, index
        self.id = entry.get("id") if isinstance(entry, dict) else None

    def __str__(self):
        label = ENTRY_LABEL.get(self.section, self.section)
        ident = f" {self.id}" if self.id is not None else ""
        return f"{label}{ident}（{self.section} 第{self.index + 1}项）"

    def fail(self, key: str | None, what: str):
        where = f"{self}，键 {key}" if key else str(self)
        raise FactsError(f"{where}：{what}")


def _date(where: _Where, key: str, value) -> dt.date:
    if isinstance(value, dt.datetime):
        where.fail(key, f"应为日期 YYYY-MM-DD，不能带时间：{value}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            where.fail(key, f"不存在的日期：{value}")
    where.fail(key, f"应为日期 YYYY-MM-DD，实际为 {value!r}")


def _text(where: _Where, key: str, value) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        where.fail(key, f"应为文字，实际为 {value!r}")
    text = str(value).strip()
    if not text:
        where.fail(key, "不能为空")
    return text


# Money and rates are decimal strings of ASCII digits (facts-format.md): "1000000.00",
# "0.1". Python's Decimal would also take 1e6, 1_000, +1000, " 1000 " and
# full-width digits; a contract read by other systems must not.
DECIMAL_TEXT = re.compile(r"[0-9]+(\.[0-9]+)?", re.ASCII)


def _decimal(where: _Where, key: str, value, what: str) -> Decimal:
    example = "1000000.00" if what == "金额" else "0.10"
    if isinstance(value, float):
        where.fail(key, f"{what}必须写成十进制字符串（如 \"{example}\"），不能是浮点数 {value!r}")
    if not isinstance(value, str):
        where.fail(key, f"{what}必须写成带引号的十进制字符串（如 \"{example}\"），实际为 {value!r}")
    if not DECIMAL_TEXT.fullmatch(value):
        if value != value.strip():
            where.fail(key, f"{what}前后不能有空格：{value!r}")
        if value.startswith("-") and DECIMAL_TEXT.fullmatch(value[1:]):
            where.fail(key, f"{what}不能为负数：{value}")
        where.fail(key, f"{what}不是数字：{value!r}，只能由半角数字和小数点组成（如 \"{example}\"），"
                        "不能有正负号、千位分隔、科学计数或全角数字")
    return Decimal(value)


def _money(where: _Where, key: str, value, *, positive: bool) -> int:
    d = _decimal(where, key, value, "金额")
    if positive and d == 0:
        where.fail(key, "金额必须大于零")
    if d != d.quantize(Decimal("0.01")):
        where.fail(key, f"金额以元为单位，最多两位小数：{value}")
    return to_fen(d)


def _choice(where: _Where, key: str, value, allowed) -> str:
    if value not in allowed:
        where.fail(key, f"未知的取值 {value!r}，应为 {' / '.join(sorted(allowed))}")
    return value


def _code(value) -> str:
    return str(value).strip() if not isinstance(value, bool) else ""


def _check_keys(where: _Where, entry, required: set, optional: set):
    if not isinstance(entry, dict):
        where.fail(None, f"应为一个映射，实际为 {entry!r}")
    allowed = required | optional | FREE_TEXT
    for key in entry:
        if key not in allowed:
            where.fail(key, f"未知的键（允许的键：{', '.join(sorted(allowed))}）")
    for key in sorted(required):
        if key not in entry or entry[key] is None:
            where.fail(key, "缺少必填键")


def _uscc(where: _Where, key: str, value) -> str:
    code = _text(where, key, value).upper()
    try:
        return uscc_check.validate(code)
    except ValidationError as e:
        reason = {
            "InvalidChecksum": "校验码不符（GB 32100）",
            "InvalidLength": "长度应为18位",
            "InvalidFormat": "格式不符",
            "InvalidComponent": "含有不允许的字符",
        }.get(type(e).__name__, str(e))
        where.fail(key, f"统一社会信用代码无效：{value}，{reason}")


class _Reader:
    def __init__(self, doc: dict, pack: Pack):
        self.doc, self.pack = doc, pack
        self.jurisdictions = dict(pack.jurisdictions)
        self.aliases = dict(pack.aliases)

    def section(self, name: str) -> list:
        value = self.doc.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise FactsError(f"{name} 应为一个列表")
        return value

    def fiscal_home(self, where: _Where, key: str, value) -> str:
        code = _code(value)
        if code in self.jurisdictions:
            return code
        if code in self.aliases:
            return self.aliases[code]["successor"]
        where.fail(key, f"未知的行政区划代码 {value!r}（既不是内置的洛阳县区、开发区，也未在 jurisdictions 中声明）")

    # -- sections ------------------------------------------------------------------

    def read_parameters(self) -> dict:
        given = self.doc.get("parameters") or {}
        if not isinstance(given, dict):
            raise FactsError("parameters 应为一个映射")
        out = {}
        for key, raw in given.items():
            where = _Where("parameters", 0, {"id": key})
            if key not in self.pack.parameters:
                raise FactsError(f"parameters：未知的参数 {key!r}（可覆盖的参数：{', '.join(self.pack.parameters)}）")
            unit = self.pack.parameters[key].unit
            if unit == "date":
                out[key] = None if raw is None and key == "policy_expiry_date" else _date(where, key, raw)
            elif unit == "yuan":
                _money(where, key, raw, positive=False)  # refuses floats, negatives, sub-fen
                out[key] = _decimal(where, key, raw, "金额")
            else:
                out[key] = _decimal(where, key, raw, "比例")
        return out

    def read_interpretations(self) -> dict:
        given = self.doc.get("interpretations") or {}
        if not isinstance(given, dict):
            raise FactsError("interpretations 应为一个映射")
        out = self.pack.default_interpretations()
        for key, value in given.items():
            if key not in self.pack.interpretations:
                raise FactsError(f"interpretations：未知的解读 {key!r}（可选：{', '.join(self.pack.interpretations)}）")
            options = self.pack.interpretations[key].options
            if value not in options:
                raise FactsError(f"interpretations，键 {key}：未知的取值 {value!r}，应为 {' / '.join(options)}")
            out[key] = value
        return out

    def read_jurisdictions(self):
        given = self.doc.get("jurisdictions") or {}
        if not isinstance(given, dict):
            raise FactsError("jurisdictions 应为一个映射（代码 → 名称、类型、分担规则）")
        declared = {}
        for raw_code, entry in given.items():
            code = _code(raw_code)
            where = _Where("jurisdictions", 0, {"id": code})
            _check_keys(where, entry, {"name", "kind", "funding"}, {"parent"})
            kind = _choice(where, "kind", entry["kind"], JURISDICTION_KINDS)
            funding = _choice(where, "funding", entry["funding"], FUNDING_RULES)
            parent = _code(entry["parent"]) if entry.get("parent") is not None else None
            declared[code] = Jurisdiction(code=code, name=_text(where, "name", entry["name"]),
                                          kind=kind, funding=funding, parent=parent)
            self.aliases.pop(code, None)
        self.jurisdictions.update(declared)
        for code, j in declared.items():
            if j.parent is not None:
                parent = self.jurisdictions.get(self.aliases.get(j.parent, {}).get("successor", j.parent))
                if parent is None or parent.kind != "county":
                    raise FactsError(f"jurisdictions {code}，键 parent：{j.parent!r} 不是已知的县")
                if j.kind != "zone":
                    raise FactsError(f"jurisdictions {code}，键 parent：只有开发区（kind: zone）可以隶属于县")

    def read_parties(self, case: Case):
        seen: set[str] = set()
        for section in ("enterprises", "investors", "operators"):
            required, optional = ENTRY_KEYS[section]
            for i, entry in enumerate(self.section(section)):
                where = _Where(section, i, entry)
                _check_keys(where, entry, required, optional)
                pid = _text(where, "id", entry["id"])
                if pid in seen:
                    where.fail("id", f"编号 {pid} 重复（企业、投资机构、运营机构的编号必须互不相同）")
                seen.add(pid)
                name = _text(where, "name", entry["name"])
                if section == "enterprises":
                    listed = entry.get("listed", False)
                    if not isinstance(listed, bool):
                        where.fail("listed", f"应为 true 或 false，实际为 {listed!r}")
                    listed_on = entry.get("listed_on")
                    if listed_on is not None:
                        listed_on = _date(where, "listed_on", listed_on)
                        listed = True
                    layer = entry.get("neeq_layer")
                    if layer is not None:
                        _choice(where, "neeq_layer", layer, NEEQ_LAYERS)
                    exchange = entry.get("exchange")
                    case.enterprises[pid] = Enterprise(
                        id=pid, name=name, uscc=_uscc(where, "uscc", entry["uscc"]),
                        fiscal_home=self.fiscal_home(where, "fiscal_home", entry["fiscal_home"]),
                        fiscal_home_as_given=_code(entry["fiscal_home"]),
                        listed=listed, listed_on=listed_on,
                        exchange=None if exchange is None else _text(where, "exchange", exchange),
                        neeq_layer=layer)
                elif section == "investors":
                    code = entry.get("uscc")
                    case.investors[pid] = Investor(
                        id=pid, name=name, kind=_choice(where, "kind", entry["kind"], INVESTOR_KINDS),
                        uscc=None if code is None else _uscc(where, "uscc", code))
                else:
                    case.operators[pid] = Operator(
                        id=pid, name=name, uscc=_uscc(where, "uscc", entry["uscc"]),
                        fiscal_home=self.fiscal_home(where, "fiscal_home", entry["fiscal_home"]),
                        fiscal_home_as_given=_code(entry["fiscal_home"]))

    def read_facts(self, case: Case, as_of: dt.date | None):
        raw: list[tuple[bool, int, Fact]] = []
        ids: set[str] = set()
        for section in ("history", "events"):
            is_history = section == "history"
            for i, entry in enumerate(self.section(section)):
                where = _Where(section, i, entry)
                if not isinstance(entry, dict):
                    where.fail(None, f"应为一个映射，实际为 {entry!r}")
                ftype = entry.get("type")
                if ftype not in EVENT_KEYS or (ftype in HISTORY_ONLY and not is_history):
                    allowed = sorted(t for t in EVENT_KEYS if is_history or t not in HISTORY_ONLY)
                    where.fail("type", f"未知的事件类型 {ftype!r}（允许：{', '.join(allowed)}）")
                required, optional = EVENT_KEYS[ftype]
                base_required = {"date", "type"} | ({"id"} if not is_history else set())
                _check_keys(where, entry, required | base_required,
                            optional | {"id", "source_record"})
                fid = entry.get("id")
                if fid is not None:
                    fid = _text(where, "id", fid)
                    if fid in ids:
                        where.fail("id", f"编号 {fid} 重复（事件与历史事实的编号必须互不相同）")
                    ids.add(fid)
                date = _date(where, "date", entry["date"])
                data = self.fact_data(case, where, ftype, entry, date)
                source = entry.get("source_record")
                fact = Fact(id=fid, date=date, type=ftype, data=data,
                            source_record=None if source is None else _text(where, "source_record", source),
                            is_history=is_history, seq=0)
                if not is_history and as_of is not None and date > as_of:
                    continue
                raw.append((is_history, i, fact))
        self.check_history_refs(case, raw)
        raw.sort(key=lambda t: (not t[0], t[2].date, t[1]))
        case.facts = [
            Fact(id=f.id, date=f.date, type=f.type, data=f.data, source_record=f.source_record,
                 is_history=f.is_history, seq=n)
            for n, (_, _, f) in enumerate(raw)
        ]

    def party(self, case: Case, where: _Where, key: str, value, table: str) -> str:
        pid = _code(value)
        if pid not in getattr(case, table):
            label = ENTRY_LABEL[table]
            where.fail(key, f"引用了未声明的{label} {value!r}")
        return pid

    def fact_data(self, case: Case, where: _Where, ftype: str, entry: dict, date: dt.date) -> dict:
        d: dict = {}
        if "enterprise" in entry:
            d["enterprise"] = self.party(case, where, "enterprise", entry["enterprise"], "enterprises")
        if "valid_to" in entry:
            d["valid_to"] = _date(where, "valid_to", entry["valid_to"])
            if d["valid_to"] < date:
                where.fail("valid_to", f"有效期至 {d['valid_to']} 早于事件日期 {date}")
        for key in ("path", "action", "board", "vehicle", "honour", "level", "kind"):
            if key in entry and (ftype != "reward_paid" or key != "honour"):
                d[key] = _choice(where, key, entry[key], CHOICES[key])
        if ftype == "ipo_node":
            node = entry["node"]
            if node not in IPO_NODES[d["path"]]:
                where.fail("node", f"路径 {d['path']} 上没有节点 {node!r}（应为 {' / '.join(IPO_NODES[d['path']])}）")
            d["node"] = node
            d["exchange"] = _text(where, "exchange", entry["exchange"])
        if ftype == "regional_equity_listed":
            d["market"] = _text(where, "market", entry["market"])
        if ftype == "equity_investment":
            d["investor"] = self.party(case, where, "investor", entry["investor"], "investors")
            investee_table = "investors" if d["vehicle"] == "fund_setup" else "enterprises"
            d["investee"] = self.party(case, where, "investee", entry["investee"], investee_table)
            d["round"] = _text(where, "round", entry["round"])
            d["paid_in"] = _money(where, "paid_in", entry["paid_in"], positive=True)
            if "subscribed" in entry:
                d["subscribed"] = _money(where, "subscribed", entry["subscribed"], positive=False)
            if "tranche" in entry:
                t = entry["tranche"]
                if isinstance(t, bool) or not isinstance(t, int) or t < 1:
                    where.fail("tranche", f"应为正整数，实际为 {t!r}")
                d["tranche"] = t
        if ftype == "platform_recognized":
            d["operator"] = self.party(case, where, "operator", entry["operator"], "operators")
        if ftype == "reward_paid":
            payee = _code(entry["payee"])
            if not any(payee in t for t in (case.enterprises, case.investors, case.operators)):
                where.fail("payee", f"引用了未声明的受奖主体 {entry['payee']!r}")
            d["payee"] = payee
            d["item"] = _choice(where, "item", entry["item"], set(self.pack.items))
            d["amount"] = _money(where, "amount", entry["amount"], positive=True)
            if "beneficiary_enterprise" in entry:
                d["beneficiary_enterprise"] = self.party(
                    case, where, "beneficiary_enterprise", entry["beneficiary_enterprise"], "enterprises")
            if "honour" in entry:
                d["honour"] = _choice(where, "honour", entry["honour"], CHOICES["honour"])
            if "round" in entry:
                d["round"] = _text(where, "round", entry["round"])
            if "event" in entry:
                d["event"] = _text(where, "event", entry["event"])
            if "attribution_year" in entry:
                y = entry["attribution_year"]
                if isinstance(y, bool) or not isinstance(y, int) or not 1900 < y < 3000:
                    where.fail("attribution_year", f"应为四位年份，实际为 {y!r}")
                d["attribution_year"] = y
        return d

    def check_history_refs(self, case: Case, raw):
        """A reward_paid that names the history entry it paid for must find it."""
        by_id = {f.id: f for (_, _, f) in raw if f.id is not None and f.is_history}
        for _, i, f in raw:
            ref = f.data.get("event") if f.type == "reward_paid" else None
            if ref is not None and ref not in by_id:
                _Where("history", i, {"id": f.id}).fail("event", f"引用了不存在的历史事实 {ref!r}")


def read_case(doc: dict, *, pack: Pack | None = None, as_of: dt.date | None = None) -> Case:
    """Check a parsed facts document and return the typed Case, or raise FactsError."""
    pack = pack or load_pack()
    for key in doc:
        if key not in TOP_KEYS:
            raise FactsError(f"未知的顶层键 {key!r}（允许：{', '.join(sorted(TOP_KEYS))}）")
    for key in ("enterprises", "events"):
        if key not in doc:
            raise FactsError(f"缺少必填的顶层键 {key}")
    reader = _Reader(doc, pack)
    reader.read_jurisdictions()
    case = Case(pack=pack, parameters=reader.read_parameters(),
                interpretations=reader.read_interpretations(),
                jurisdictions=reader.jurisdictions, aliases=reader.aliases)
    reader.read_parties(case)
    reader.read_facts(case, as_of)
    return case
