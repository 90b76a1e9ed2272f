"""What each KIND's row means for the registry: who it is about, its natural key,
which fields it sets, and how new rows are built. `service.run_import` drives
them; the cells arrive already read by the columns of columns.py.

Natural keys (a file's row matches the registered record with the same key):
enterprises by credit code; recognitions by (enterprise, tier, kind, announced_on);
listing milestones by their milestone_once constraint; investments by (investor,
vehicle, investee or fund, round, tranche); platform recognitions by (operator,
honour, level, kind, recognized_on). Parties are tokens (see resolve.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model

from zjtx.policy.facts import IPO_NODES

from .. import models
from ..names import normalise_name
from . import values as v
from .bulk import RowWriter
from .columns import (
    ENTERPRISES,
    INVESTMENTS,
    LISTINGS,
    PLATFORMS,
    RECOGNITIONS,
    Spec,
)
from .resolve import CITY_WIDE, EnterpriseIndex, JurisdictionIndex, PartyIndex, Token

UPDATE_BATCH = 500  # bulk_update writes one CASE per field: keep each statement small


class RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


@dataclass
class Planned:
    key: tuple
    key_column: str  # the column named when the key repeats
    fields: dict  # compared with the registered record; blank cells are left out (kept)
    create_defaults: dict = field(default_factory=dict)  # only for a new record
    notice: tuple[str, str] | None = None
    create_notice: tuple[str, str] | None = None


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _given(row: dict, *keys: str) -> dict:
    return {k: row[k] for k in keys if row[k] is not None}


class ByEnterprise(dict):
    """A handler's `existing` records (natural key → (pk, fields)), read per enterprise
    as the file's rows ask for them (`load(pks)`), and whole (`load(None)`) once more
    than LIMIT enterprises have been asked for: a one-row list reads one enterprise's
    records, a bureau's full list reads the table once."""

    LIMIT = 300

    def __init__(self, load: Callable[[list[int] | None], None]):
        super().__init__()
        self._load, self._done, self._all = load, set(), False

    def ensure(self, pk: int) -> None:
        if self._all or pk in self._done:
            return
        self._done.add(pk)
        if len(self._done) > self.LIMIT:
            self._all = True
            self._load(None)
        else:
            self._load([pk])

    def get(self, key, default=None):
        token = key[0]
        if isinstance(token, tuple) and token[0] == "pk":
            self.ensure(token[1])
        return super().get(key, default)


class Handler:
    spec: Spec
    model: type[Model]
    enterprise_attr: str | None = "enterprise_id"

    def __init__(self, report):
        self.report = report
        self.existing: dict[tuple, tuple[int, dict]] = {}
        # Cells read against the registry (column key → reader), e.g. a district → its pk.
        self.cell_readers: dict[str, Callable] = {}

    def read_districts(self, *, allow_city: bool = False) -> None:
        self.jurisdictions = JurisdictionIndex()
        self.cell_readers["district"] = lambda cell: self.jurisdictions.resolve(v.text(cell), allow_city=allow_city)

    # --- reading ---------------------------------------------------------------------

    def plan(self, row_number: int, row: dict) -> Planned:
        raise NotImplementedError

    def complete_changes(self, changes: dict, current: dict) -> dict:
        return changes

    def heading(self, key: str) -> str:
        return self.spec.column(key).heading

    def fail(self, key: str, message: str):
        raise RowError(self.heading(key), message)

    def check_name(self, ents: EnterpriseIndex, token: Token, name: str | None, name_key: str = "name") -> None:
        try:
            ents.check_name(token, name)
        except v.Bad as e:
            self.fail(name_key, str(e))

    # --- writing ---------------------------------------------------------------------

    def write_parties(self, writer: RowWriter) -> Callable[[Token], int]:
        """Create the parties this file registers; return token → pk."""
        return lambda token: token[1]

    def new_row(self, key: tuple, fields: dict, pk_of: Callable[[Token], int]) -> dict:
        """The new record as column values (attname → value)."""
        raise NotImplementedError

    def before_update(self, objs: list, fields: set[str], when: dt.datetime) -> None:
        pass

    def write(self, plan, *, user, when, reason, batch: int, progress) -> None:
        writer = RowWriter(user=user, when=when, reason=reason)
        pk_of = self.write_parties(writer)
        total, done = len(plan.creates) + len(plan.updates), 0
        for chunk in _chunks(plan.creates, batch):
            rows = [self.new_row(key, fields, pk_of) for _, key, fields in chunk]
            writer.create(self.model, rows)
            self._touched(row.get(self.enterprise_attr) for row in rows)
            done += len(chunk)
            progress("写入数据库", done, total)
        for chunk in _chunks(plan.updates, batch):
            changes = dict(chunk)
            # Whole rows, so that each history entry records every field, not only the changed.
            objs = list(self.model.objects.filter(pk__in=list(changes)))
            names: set[str] = set()
            for obj in objs:
                for name, value in changes[obj.pk].items():
                    setattr(obj, name, value)
                    names.add(name)
            self.before_update(objs, names, when)
            self.model.objects.bulk_update(objs, sorted(names), batch_size=UPDATE_BATCH)
            writer.record_changes(self.model, objs)
            self._touched(getattr(o, self.enterprise_attr) for o in objs)
            done += len(chunk)
            progress("写入数据库", done, total)
        writer.finish()

    def _touched(self, pks) -> None:
        if self.enterprise_attr:
            self.report.enterprise_ids.update(pk for pk in pks if pk is not None)

    # --- shared resolution -----------------------------------------------------------

    def registered_enterprise(self, ents: EnterpriseIndex, row: dict, *, name_key: str = "name",
                              code_key: str = "uscc") -> Token:
        """An enterprise that must be registered already: by credit code, else by name."""
        code = row[code_key]
        if code:
            token = ents.token_for_code(code)
            if token is None:
                self.fail(code_key, f"企业未登记（{code}），请先导入企业名录或认定名单")
            self.check_name(ents, token, row.get(name_key), name_key)
            return token
        try:
            return ents.match_name(row[name_key])
        except v.Bad as e:
            self.fail(name_key, str(e))


def _new_enterprises(ents: EnterpriseIndex, writer: RowWriter) -> Callable[[Token], int]:
    """The enterprises a file registers. On PostgreSQL they go in after their
    recognitions (ids reserved first): migration 0005's triggers then give each its
    latest recognition date as it is inserted, where inserting it first had the
    recognitions' trigger rewrite every new enterprise row (and its index entries),
    doubling the write of a 100,000-row list."""
    new_pks: dict[str, int] = {}
    for chunk in _chunks(list(ents.new.values()), 5000):
        rows = [{"name": n.name, "name_key": n.name_key, "uscc": n.uscc,
                 "fiscal_home_id": n.fiscal_home_id} for n in chunk]
        ids = writer.create_later(models.Enterprise, rows) or writer.create(models.Enterprise, rows)
        new_pks.update(zip((n.uscc for n in chunk), ids, strict=True))
    return lambda token: token[1] if token[0] == "pk" else new_pks[token[1]]


class EnterprisesHandler(Handler):
    spec = ENTERPRISES
    model = models.Enterprise
    enterprise_attr = "pk"
    FIELDS = ("name", "fiscal_home_id", "industry", "size", "address", "contact_name", "contact_phone",
              "listed", "listed_on", "exchange", "neeq_layer")

    def __init__(self, report):
        super().__init__(report)
        self.read_districts()
        current = self.jurisdictions.current
        for pk, code, *vals in models.Enterprise.objects.values_list("pk", "uscc", *self.FIELDS).iterator(
                chunk_size=5000):
            fields = dict(zip(self.FIELDS, vals, strict=True))
            # A home kept under a retired code (偃师市) is unchanged by a file naming today's (偃师区).
            fields["fiscal_home_id"] = current[fields["fiscal_home_id"]]
            self.existing[(code,)] = (pk, fields)

    def plan(self, row_number, row):
        fields = {"name": row["name"], "fiscal_home_id": row["district"],
                  **_given(row, "industry", "size", "address", "contact_name", "contact_phone", "listed",
                           "listed_on", "exchange", "neeq_layer")}
        return Planned(key=(row["uscc"],), key_column=self.heading("uscc"), fields=fields)

    def new_row(self, key, fields, pk_of):
        return {"uscc": key[0], "name_key": normalise_name(fields["name"]), **fields}

    def before_update(self, objs, fields, when):
        # bulk_update neither calls save() (which keeps name_key and the former name) nor
        # sets auto_now fields.
        former = []
        for obj in objs:
            old = self.existing[(obj.uscc,)][1]["name"]
            obj.name_key = normalise_name(obj.name)
            obj.updated_at = when
            if normalise_name(old) != obj.name_key:
                former.append(models.FormerName(enterprise_id=obj.pk, name=old, name_key=normalise_name(old),
                                                used_until=when.date(), source="企业名录导入"))
        fields.update({"name_key", "updated_at"})
        models.FormerName.objects.bulk_create(former, ignore_conflicts=True)


class RecognitionsHandler(Handler):
    spec = RECOGNITIONS
    model = models.Recognition

    def __init__(self, report):
        super().__init__(report)
        self.read_districts(allow_city=True)
        self.enterprises = EnterpriseIndex()
        self.originals: set[tuple[Token, str]] = set()  # (enterprise, tier) recognised (not 复核)
        self.existing = ByEnterprise(self._load)

    def _load(self, enterprises: list[int] | None) -> None:
        rows = models.Recognition.objects.values_list(
            "pk", "enterprise_id", "tier", "kind", "announced_on", "batch", "valid_to", "valid_to_defaulted",
            "source_document")
        if enterprises is not None:
            rows = rows.filter(enterprise_id__in=enterprises)
        for pk, ent, tier, kind, on, batch, valid_to, defaulted, source in rows.iterator(chunk_size=5000):
            dict.__setitem__(self.existing, (("pk", ent), tier, kind, on), (
                pk, {"batch": batch, "valid_to": valid_to, "valid_to_defaulted": defaulted,
                     "source_document": source}))
            if kind == models.Recognition.Kind.NEW:
                self.originals.add((("pk", ent), tier))

    def plan(self, row_number, row):
        home = row["district"]  # a jurisdiction pk, CITY_WIDE (洛阳市), or None
        ents = self.enterprises
        if row["uscc"]:
            token = ents.token_for_code(row["uscc"])
            if token is None:
                if home is None or home == CITY_WIDE:
                    self.fail("district", "该企业尚未登记，新登记企业须填写所属县区"
                              + ("（“洛阳市”只到市一级，请填写县、区或开发区）" if home == CITY_WIDE else ""))
                # A row with a credit code registers its enterprise when it is new.
                token = ents.add(uscc=row["uscc"], name=row["name"], fiscal_home_id=home, row=row_number)
            else:
                self.check_name(ents, token, row["name"])
            key_column = "uscc"
        else:
            try:
                token = ents.match_name(row["name"])
            except v.Bad as e:
                self.fail("name", str(e))
            key_column = "name"
        announced = row["announced_on"]
        kind = row["kind"] or models.Recognition.Kind.NEW
        fields = _given(row, "batch", "source_document")
        defaults, create_notice = {}, None
        if row["valid_to"] is not None:
            if row["valid_to"] < announced:
                self.fail("valid_to", f"有效期至（{row['valid_to']}）早于认定时间（{announced}）")
            fields["valid_to"] = row["valid_to"]
        else:
            # Blank: presumed three years, and said so on the record. On a registered
            # record, a blank cell keeps the date it has (stated or presumed).
            presumed = v.three_years_validity(announced)
            defaults = {"valid_to": presumed, "valid_to_defaulted": True}
            create_notice = (self.heading("valid_to"), f"未填写，按认定时间起三年推定为 {presumed.isoformat()}")
        notices = [n for n in (self._home_difference(token, home), self._original_missing(token, row["tier"], kind))
                   if n]
        return Planned(key=(token, row["tier"], kind, announced), key_column=self.heading(key_column),
                       fields=fields, create_defaults=defaults, create_notice=create_notice,
                       notice=(notices[0][0], "；".join(m for _, m in notices)) if notices else None)

    def _home_difference(self, token: Token, home: int | None) -> tuple[str, str] | None:
        """A list's district that is not the registry's: shown, never applied (the
        registry's home decides the split; a move is an enterprise import)."""
        if token[0] != "pk" or home in (None, CITY_WIDE):
            return None
        registered = self.jurisdictions.current[self.enterprises.homes[token[1]]]
        if registered == home:
            return None
        names = self.jurisdictions.names
        return (self.heading("district"), f"名单所属县区为{names[home]}，企业库登记为{names[registered]}："
                f"按企业库计算分担；如企业已迁移，请导入企业名录更新所属县区")

    def _original_missing(self, token: Token, tier: str, kind: str) -> tuple[str, str] | None:
        if kind != models.Recognition.Kind.REVIEW:
            self.originals.add((token, tier))
            return None
        if token[0] == "pk":
            self.existing.ensure(token[1])
        if (token, tier) in self.originals:
            return None
        label = models.Recognition.Tier(tier).label
        return (self.heading("kind"), f"原认定不在企业库：该企业没有{label}的认定记录，复核通过不作为新认定给予奖励；"
                "请补充导入原认定名单")

    def complete_changes(self, changes, current):
        if "valid_to" in changes:  # a stated date replaces a presumed one
            changes["valid_to_defaulted"] = False
        return changes

    def write_parties(self, writer):
        return _new_enterprises(self.enterprises, writer)

    def new_row(self, key, fields, pk_of):
        token, tier, kind, announced = key
        return {"enterprise_id": pk_of(token), "tier": tier, "kind": kind, "announced_on": announced, **fields}


M = models.ListingMilestone
_IPO_STEPS = v.choice(
    {"辅导验收": M.Node.TUTORING, "通过发行审核": M.Node.REVIEW, "证监会批复(备案)": M.Node.CSRC,
     "上市交易": M.Node.LISTED, "撤回申请": "withdrawn"},
    label="上市节点",
    aliases={"通过河南省证监局辅导验收": M.Node.TUTORING, "通过辅导验收": M.Node.TUTORING,
             "证监会批复": M.Node.CSRC, "证监会备案": M.Node.CSRC, "中国证监会批复同意(备案)": M.Node.CSRC,
             "上市": M.Node.LISTED, "撤回上市申请": "withdrawn"})
_NEEQ_STEPS = v.choice(
    {"基础层挂牌": M.Action.BASIC, "进入创新层": M.Action.ENTERED, "创新层挂牌": M.Action.DIRECT,
     "调出创新层": M.Action.DEMOTED},
    label="新三板事项",
    aliases={"由基础层进入创新层": M.Action.ENTERED, "创新层直接挂牌": M.Action.DIRECT})
_BOARDS = v.choice({"交易板": M.Board.TRADING, "展示板": M.Board.DISPLAY}, label="四板板块")
_NODE_LABELS = {M.Node.TUTORING: "辅导验收", M.Node.REVIEW: "通过发行审核", M.Node.CSRC: "证监会批复(备案)",
                M.Node.LISTED: "上市交易"}


class ListingsHandler(Handler):
    spec = LISTINGS
    model = models.ListingMilestone
    KEY = ("enterprise_id", "kind", "path", "node", "action", "board", "date")

    def __init__(self, report):
        super().__init__(report)
        self.enterprises = EnterpriseIndex()
        rows = models.ListingMilestone.objects.values_list(
            "pk", *self.KEY, "exchange", "market", "source_document")
        for pk, ent, kind, path, node, action, board, date, exchange, market, source in rows.iterator(
                chunk_size=5000):
            self.existing[(("pk", ent), kind, path, node, action, board, date)] = (
                pk, {"exchange": exchange, "market": market, "source_document": source})

    def plan(self, row_number, row):
        token = self.registered_enterprise(self.enterprises, row)
        kind, path, node, action, board = "", "", "", "", ""
        fields = _given(row, "source_document")
        step = row["step"]
        try:
            if row["listing_type"] in (M.Path.DOMESTIC, M.Path.OVERSEAS):
                path = row["listing_type"]
                got = _IPO_STEPS(step)
                if got == "withdrawn":
                    kind = M.Kind.IPO_WITHDRAWN
                else:
                    if got not in IPO_NODES[path]:
                        nodes = "、".join(_NODE_LABELS[n] for n in IPO_NODES[path])
                        raise v.Bad(f"{M.Path(path).label}没有“{step}”节点，应为：{nodes}、撤回申请")
                    kind, node = M.Kind.IPO_NODE, got
                    if row["venue"]:
                        fields["exchange"] = row["venue"]
            elif row["listing_type"] == "neeq":
                kind, action = M.Kind.NEEQ, _NEEQ_STEPS(step)
            else:
                kind, board = M.Kind.REGIONAL, _BOARDS(step)
                if row["venue"]:
                    fields["market"] = row["venue"]
        except v.Bad as e:
            self.fail("step", str(e))
        key = (token, kind, path, node, action, board, row["date"])
        return Planned(key=key, key_column=self.heading("uscc" if row["uscc"] else "name"), fields=fields)

    def write_parties(self, writer):
        return lambda token: token[1]  # listings never register an enterprise

    def new_row(self, key, fields, pk_of):
        token, kind, path, node, action, board, date = key
        return {"enterprise_id": pk_of(token), "kind": kind, "path": path, "node": node, "action": action,
                "board": board, "date": date, **fields}


class InvestmentsHandler(Handler):
    spec = INVESTMENTS
    model = models.Investment
    enterprise_attr = "investee_id"
    FIELDS = ("paid_in", "subscribed", "paid_in_date", "registered_on")

    def __init__(self, report):
        super().__init__(report)
        self.enterprises = EnterpriseIndex()
        self.investors = PartyIndex(models.Investor)
        rows = models.Investment.objects.values_list(
            "pk", "investor_id", "vehicle", "investee_id", "fund_id", "round", "tranche", *self.FIELDS)
        for pk, investor, vehicle, investee, fund, rnd, tranche, *vals in rows.iterator(chunk_size=5000):
            target = ("pk", investee if vehicle == "direct" else fund)
            self.existing[(("pk", investor), vehicle, target, rnd, tranche)] = (
                pk, dict(zip(self.FIELDS, vals, strict=True)))

    def plan(self, row_number, row):
        try:
            investor = self.investors.find(code=row["investor_uscc"], name=row["investor_name"])
        except v.Bad as e:
            self.fail("investor_name", str(e))
        if investor is None:
            if not row["investor_kind"]:
                self.fail("investor_kind", "该投资机构尚未登记，首次导入须填写机构类型")
            investor = self.investors.add(code=row["investor_uscc"], name=row["investor_name"],
                                          kind=row["investor_kind"], amac_code=row["amac_code"] or "")
        vehicle = row["vehicle"] or models.Investment.Vehicle.DIRECT
        if vehicle == models.Investment.Vehicle.DIRECT:
            target = self.registered_enterprise(self.enterprises, row, name_key="investee_name",
                                                code_key="investee_uscc")
        else:
            try:
                target = self.investors.find(code=row["investee_uscc"], name=row["investee_name"])
            except v.Bad as e:
                self.fail("investee_name", str(e))
            if target is None:  # the fund being set up: registered as a private fund
                target = self.investors.add(code=row["investee_uscc"], name=row["investee_name"],
                                            kind=models.Investor.Kind.PRIVATE_FUND, amac_code="")
            if target == investor:
                self.fail("investee_name", "所设立的基金不能是投资机构本身")
        key = (investor, vehicle, target, row["round"], row["tranche"] or 1)
        return Planned(key=key, key_column=self.heading("investee_name"), fields=_given(row, *self.FIELDS))

    def write_parties(self, writer):
        ids = writer.create(models.Investor, [dict(p) for p in self.investors.new.values()])
        new_pks = dict(zip(self.investors.new, ids, strict=True))
        self._investor_pk = lambda token: token[1] if token[0] == "pk" else new_pks[token[1]]
        return lambda token: token[1]  # investees must be registered already

    def new_row(self, key, fields, pk_of):
        investor, vehicle, target, rnd, tranche = key
        direct = vehicle == models.Investment.Vehicle.DIRECT
        return {"investor_id": self._investor_pk(investor), "vehicle": vehicle, "round": rnd, "tranche": tranche,
                "investee_id": pk_of(target) if direct else None,
                "fund_id": None if direct else self._investor_pk(target), **fields}


class PlatformsHandler(Handler):
    spec = PLATFORMS
    model = models.PlatformRecognition
    enterprise_attr = None

    def __init__(self, report):
        super().__init__(report)
        self.read_districts()
        self.operators = PartyIndex(models.ServiceOperator)
        rows = models.PlatformRecognition.objects.values_list(
            "pk", "operator_id", "honour", "level", "kind", "recognized_on", "platform_name", "source_document")
        for pk, op, honour, level, kind, on, name, source in rows.iterator(chunk_size=5000):
            self.existing[(("pk", op), honour, level, kind, on)] = (
                pk, {"platform_name": name, "source_document": source})

    def plan(self, row_number, row):
        home = row["district"]  # a jurisdiction pk, or None
        operator = self.operators.find(code=row["uscc"], name=row["operator_name"])
        if operator is None:
            if home is None:
                self.fail("district", "该运营机构尚未登记，首次导入须填写所属县区")
            operator = self.operators.add(code=row["uscc"], name=row["operator_name"], fiscal_home_id=home)
        kind = row["kind"] or models.PlatformRecognition.Kind.FIRST
        key = (operator, row["honour"], row["level"], kind, row["recognized_on"])
        return Planned(key=key, key_column=self.heading("uscc"),
                       fields=_given(row, "platform_name", "source_document"))

    def write_parties(self, writer):
        ids = writer.create(models.ServiceOperator, [dict(p) for p in self.operators.new.values()])
        new_pks = dict(zip(self.operators.new, ids, strict=True))
        return lambda token: token[1] if token[0] == "pk" else new_pks[token[1]]

    def new_row(self, key, fields, pk_of):
        operator, honour, level, kind, on = key
        return {"operator_id": pk_of(operator), "honour": honour, "level": level, "kind": kind,
                "recognized_on": on, **fields}


HANDLERS: dict[str, type[Handler]] = {
    "enterprises": EnterprisesHandler,
    "recognitions": RecognitionsHandler,
    "listings": ListingsHandler,
    "investments": InvestmentsHandler,
    "platforms": PlatformsHandler,
}
