"""Who a row is about: a jurisdiction by any name in use, an enterprise by credit
code or by normalised name, an investor, an operator. Each index is loaded with
one query, so that a 100,000-row file makes no query per row.

A party is identified by a token: ("pk", id) when it is registered, ("new", key)
when this file registers it; natural keys are built from tokens so that existing
and new rows are compared alike."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from .. import models
from ..names import normalise_name
from .values import Bad

Token = tuple[str, object]
# 所属地区 = 洛阳市: province-wide lists name only the city. Enough where the enterprise
# is matched (its registered home decides the split); never for a new one.
CITY_WIDE = 0
_CITY_NAMES = {"洛阳市", "洛阳", "410300"}


def _jur_key(name: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", str(name)).split())
    for prefix in ("河南省", "洛阳市"):
        text = text.removeprefix(prefix)
    return text.removesuffix("管委会").removesuffix("管理委员会")


class JurisdictionIndex:
    """Names, other names (alt_names) and codes → today's jurisdiction pk; a retired
    one (偃师市) gives its successor (偃师区)."""

    def __init__(self):
        rows = list(models.Jurisdiction.objects.all())
        by_pk = {j.pk: j for j in rows}
        self.names: dict[int, str] = {j.pk: j.name for j in rows}
        self.current: dict[int, int] = {}  # pk → today's pk
        self._index: dict[str, int] = {}
        for j in rows:
            current = j
            while current.successor_id:
                current = by_pk[current.successor_id]
            self.current[j.pk] = current.pk
            for name in (j.name, j.code, *j.alt_names.replace("，", ",").split(",")):
                if name.strip():
                    self._index.setdefault(_jur_key(name), current.pk)
        # 洛阳市涧西区 and 涧西区 are one; 伊滨区 is also written 洛阳伊滨区.
        for key, pk in list(self._index.items()):
            if not key.startswith("洛阳"):
                self._index.setdefault("洛阳" + key, pk)

    def resolve(self, name: str, *, allow_city: bool = False) -> int:
        if allow_city and "".join(unicodedata.normalize("NFKC", str(name)).split()).removeprefix(
                "河南省") in _CITY_NAMES:
            return CITY_WIDE
        pk = self._index.get(_jur_key(name))
        if pk is None:
            raise Bad(f"未知的县区“{name}”（应为洛阳市的县、区或开发区，如 涧西区、新安县、高新区）")
        return pk


@dataclass
class NewEnterprise:
    uscc: str
    name: str
    name_key: str
    fiscal_home_id: int
    row: int


class EnterpriseIndex:
    """Registered enterprises by credit code and by normalised name (and former
    name). Loaded as the file asks: the first LAZY_LOOKUPS lookups query the rows
    they need (a one-row list at a province's 200,000 enterprises then reads a few
    rows, not all), after that the whole registry is read at once."""

    LAZY_LOOKUPS = 300

    def __init__(self, *, with_details: bool = False):
        self.by_code: dict[str, int] = {}
        self.names: dict[int, tuple[str, str]] = {}  # pk → (name, uscc)
        self.by_name: dict[str, list[Token]] = defaultdict(list)
        self.homes: dict[int, int] = {}
        self.new: dict[str, NewEnterprise] = {}
        self._all = False
        self._lookups = 0
        self._asked: set = set()  # codes and name keys already looked up

    _FIELDS = ("pk", "uscc", "name", "name_key", "fiscal_home_id")

    def _add(self, rows) -> None:
        for pk, code, name, key, home in rows:
            if pk in self.names:
                continue
            self.by_code[code] = pk
            self.names[pk] = (name, code)
            self.by_name[key].append(("pk", pk))
            self.homes[pk] = home

    def _add_former(self, rows) -> None:
        # 曾用名: a list of an earlier day names a renamed enterprise as it was then.
        for pk, key in rows:
            if ("pk", pk) not in self.by_name[key]:
                self.by_name[key].append(("pk", pk))

    def _load_all(self) -> None:
        self._add(models.Enterprise.objects.values_list(*self._FIELDS).iterator(chunk_size=5000))
        self._add_former(models.FormerName.objects.values_list("enterprise_id", "name_key"))
        self._all = True

    def _ask(self, *, code: str | None = None, key: str | None = None) -> None:
        if self._all or (code or key) in self._asked:
            return
        self._lookups += 1
        if self._lookups > self.LAZY_LOOKUPS:
            self._load_all()
            return
        self._asked.add(code or key)
        if code is not None:
            found = list(models.Enterprise.objects.filter(uscc=code).values_list(*self._FIELDS))
        else:
            former = list(models.FormerName.objects.filter(name_key=key).values_list("enterprise_id", "name_key"))
            found = list(models.Enterprise.objects.filter(
                Q(name_key=key) | Q(pk__in=[pk for pk, _ in former])).values_list(*self._FIELDS))
        self._add(found)
        for pk in [r[0] for r in found]:  # its former names, for the name/code check
            self._add_former(models.FormerName.objects.filter(enterprise_id=pk).values_list(
                "enterprise_id", "name_key"))
        if key is not None:
            self._add_former(former)

    def token_for_code(self, code: str) -> Token | None:
        self._ask(code=code)
        if code in self.by_code:
            return ("pk", self.by_code[code])
        if code in self.new:
            return ("new", code)
        return None

    def add(self, *, uscc: str, name: str, fiscal_home_id: int, row: int) -> Token:
        key = normalise_name(name)
        self.new[uscc] = NewEnterprise(uscc, name, key, fiscal_home_id, row)
        self.by_name[key].append(("new", uscc))
        return ("new", uscc)

    def label(self, token: Token) -> str:
        if token[0] == "pk":
            name, code = self.names[token[1]]
        else:
            name, code = self.new[token[1]].name, token[1]
        return f"{name}（{code}）"

    def is_named(self, token: Token, name: str) -> bool:
        """Whether `name` is the enterprise's name or a known former name (normalised)."""
        key = normalise_name(name)
        self._ask(key=key)
        if token[0] == "new":
            return self.new[token[1]].name_key == key
        return token in self.by_name.get(key, ())

    def check_name(self, token: Token, name: str | None) -> None:
        """A row that carries both a credit code and a name must name the enterprise the
        code is registered to (or one of its former names): a list whose code column
        slipped by a row would otherwise pay the wrong enterprises."""
        if not name or self.is_named(token, name):
            return
        others = [t for t in self.by_name.get(normalise_name(name), []) if t != token]
        also = (f"；该名称对应的是{'、'.join(self.label(t) for t in others)}，请核对该行的代码是否错行"
                if others else "；如企业已更名，请先按代码导入企业名录更新名称（原名称会保留为曾用名）")
        raise Bad(f"企业名称与统一社会信用代码不符：代码登记的企业为{self.label(token)}，本行名称为“{name}”{also}")

    def match_name(self, name: str) -> Token:
        """Exactly one enterprise whose normalised name is this one's, or Bad: a list
        without credit codes is never guessed."""
        key = normalise_name(name)
        self._ask(key=key)
        found = self.by_name.get(key, [])
        if not found:
            raise Bad(f"未匹配到企业：系统中没有名称为“{name}”的企业（已忽略括号、空格和有限公司写法的差异），"
                      "请补充统一社会信用代码，或先导入企业名录")
        if len(found) > 1:
            raise Bad(f"匹配到多家企业：{'、'.join(self.label(t) for t in found)}，请补充统一社会信用代码")
        return found[0]


class PartyIndex:
    """Investors or service operators: by credit code, or (investors without a code,
    i.e. contractual funds) by normalised name."""

    def __init__(self, model):
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[Token]] = defaultdict(list)
        self.names: dict[int, str] = {}
        for pk, code, name in model.objects.values_list("pk", "uscc", "name"):
            if code:
                self.by_code[code] = pk
            self.by_name[normalise_name(name)].append(("pk", pk))
            self.names[pk] = name
        self.new: dict[object, dict] = {}  # key (code, or ("name", key)) → fields

    def find(self, *, code: str | None, name: str) -> Token | None:
        if code:
            if code in self.by_code:
                return ("pk", self.by_code[code])
            return ("new", code) if code in self.new else None
        found = self.by_name.get(normalise_name(name), [])
        if len(found) > 1:
            raise Bad(f"名称“{name}”匹配到多家机构：{'、'.join(self.describe(t) for t in found)}，请填写统一社会信用代码")
        return found[0] if found else None

    def add(self, *, code: str | None, name: str, **fields) -> Token:
        key = code or ("name", normalise_name(name))
        self.new[key] = {"uscc": code, "name": name, **fields}
        self.by_name[normalise_name(name)].append(("new", key))
        return ("new", key)

    def describe(self, token: Token) -> str:
        return self.names[token[1]] if token[0] == "pk" else self.new[token[1]]["name"]
