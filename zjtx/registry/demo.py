"""Synthetic Luoyang registry for demonstrations and manual testing (`zjtx demo`).

At the city's real scale (2025: 1,404 创新型, 482 专精特新, 56 小巨人): about 1,540
enterprises over every district, county and zone, with their recognitions
(batches, 3-year validity, 复核 renewals, lapses), listing milestones, equity
investments and service platforms, plus one demo account per role.

Deterministic: every choice comes from `random.Random(SEED)` in a fixed order
and every date is fixed (never today's date, never a set's iteration order), so
two loads into two fresh databases give the same registry. `build_demo` is pure
Python; `load_demo` writes it in one transaction with bulk inserts and a
creation entry in each row's history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import random
import time
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from simple_history.utils import bulk_create_with_history
from stdnum.cn import uscc as stdnum_uscc

from zjtx.accounts.models import Profile, Role

from . import models
from .names import normalise_name

SEED = 20260101
DEMO_PASSWORD = "zjtx-demo-2026"
CHANGE_REASON = "演示数据（zjtx demo）"
SOURCE = "演示数据·"  # prefix of every source_document: nobody mistakes a demo row for a real list
D = dt.date


# -- places -------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    weight: int  # share of the city's enterprises, roughly by industrial weight
    address: str  # what an address starts with after 河南省
    roads: tuple[str, ...]
    prefixes: tuple[str, ...]  # how an enterprise name there starts
    specialities: tuple[str, ...] = ()  # industries more common there


PLACES: dict[str, Place] = {
    "410305": Place(16, "洛阳市涧西区", ("建设路", "中州西路", "天津路", "南昌路", "长春路", "武汉南路", "青岛路"),
                    ("洛阳", "洛阳", "洛阳市"), ("轴承", "农机装备", "矿山机械")),
    "410371": Place(14, "洛阳市高新技术产业开发区", ("丰华路", "滨河北路", "凌波路", "延光路", "河洛路", "瀛洲路"),
                    ("洛阳", "洛阳", "河南"), ("机器人", "光电", "新材料")),
    "410311": Place(12, "洛阳市洛龙区", ("开元大道", "太康东路", "龙门大道", "宇文恺街", "关林路", "通济街"),
                    ("洛阳", "洛阳", "洛阳市"), ("软件", "信息技术", "生物医药")),
    "410303": Place(6, "洛阳市西工区", ("中州中路", "九都西路", "凯旋东路", "纱厂南路", "汉屯路"),
                    ("洛阳", "洛阳市")),
    "410302": Place(4, "洛阳市老城区", ("中州东路", "唐宫东路", "邙山大道"), ("洛阳",)),
    "410304": Place(3, "洛阳市瀍河回族区", ("启明南路", "瀍河北路", "华林路"), ("洛阳",)),
    "410307": Place(7, "洛阳市偃师区", ("华夏路", "商都路", "伊洛路", "首阳山街道工业园"),
                    ("洛阳", "偃师"), ("钢制家具", "汽车零部件")),
    "410308": Place(6, "洛阳市孟津区", ("黄河路", "会盟大道", "吉利石化路"), ("洛阳", "孟津"),
                    ("石化设备", "新材料")),
    "LY-YIBIN": Place(6, "洛阳市伊滨区", ("庞村镇工业园", "李村街道", "诸葛镇", "寇店镇"), ("洛阳",),
                      ("钢制家具", "钢结构")),
    "410323": Place(5, "洛阳市新安县", ("洛新产业集聚区", "汉关路", "函谷关路", "城关镇"), ("洛阳", "新安县"),
                    ("铝业", "耐火材料", "电力设备")),
    "410324": Place(3, "洛阳市栾川县", ("君山路", "伊河路", "冷水镇"), ("洛阳", "栾川县"), ("钼业", "矿山机械")),
    "410325": Place(2, "洛阳市嵩县", ("伏牛路", "嵩州路"), ("洛阳", "嵩县"), ("钼业",)),
    "410326": Place(2, "洛阳市汝阳县", ("汝州路", "杜康大道"), ("洛阳", "汝阳县"), ("钼业",)),
    "410327": Place(4, "洛阳市宜阳县", ("锦屏路", "宜阳产业集聚区"), ("洛阳", "宜阳县"), ("生物医药", "钢结构")),
    "410328": Place(2, "洛阳市洛宁县", ("永宁大道", "洛河路"), ("洛阳", "洛宁县"), ("农机装备",)),
    "410329": Place(5, "洛阳市伊川县", ("伊川产业集聚区", "杜康大道", "伊河路"), ("洛阳", "伊川县"),
                    ("铝业", "耐火材料")),
}
# Codes retired in March 2021: a few enterprises are still filed under them.
RETIRED_PLACES: dict[str, tuple[int, Place]] = {
    "410381": (6, Place(0, "偃师市", ("华夏路", "商都路"), ("偃师市",), ("钢制家具",))),
    "410322": (5, Place(0, "孟津县", ("黄河路", "城关镇"), ("孟津县",))),
    "410306": (4, Place(0, "洛阳市吉利区", ("石化路", "康乐路"), ("洛阳吉利",), ("石化设备",))),
}
# The registering authority in a credit code (characters 3–8) is not the fiscal home
# (ANALYSIS.md A12): city-registered firms carry 410300, pre-2021 firms the old code.
CODE_AREAS: dict[str, tuple[tuple[str, int], ...]] = {
    "410371": (("410300", 1),),
    "LY-YIBIN": (("410311", 3), ("410300", 1)),
    "410307": (("410307", 2), ("410381", 3)),
    "410308": (("410308", 2), ("410322", 2), ("410306", 1)),
}

# (name part, GB/T 4754 industry, weight)
INDUSTRIES: tuple[tuple[str, str, int], ...] = (
    ("轴承", "C34 通用设备制造业", 6),
    ("精密机械", "C34 通用设备制造业", 5),
    ("液压科技", "C34 通用设备制造业", 2),
    ("数控机床", "C34 通用设备制造业", 2),
    ("机器人", "C34 通用设备制造业", 3),
    ("智能装备", "C35 专用设备制造业", 6),
    ("矿山机械", "C35 专用设备制造业", 4),
    ("农机装备", "C35 专用设备制造业", 3),
    ("石化设备", "C35 专用设备制造业", 2),
    ("环保设备", "C35 专用设备制造业", 2),
    ("耐火材料", "C30 非金属矿物制品业", 5),
    ("玻璃", "C30 非金属矿物制品业", 2),
    ("钼业", "C32 有色金属冶炼和压延加工业", 2),
    ("铝业", "C32 有色金属冶炼和压延加工业", 2),
    ("铜业", "C32 有色金属冶炼和压延加工业", 1),
    ("新材料", "C26 化学原料和化学制品制造业", 5),
    ("钢结构", "C33 金属制品业", 3),
    ("钢制家具", "C21 家具制造业", 2),
    ("光电", "C39 计算机、通信和其他电子设备制造业", 3),
    ("电子科技", "C39 计算机、通信和其他电子设备制造业", 3),
    ("生物医药", "C27 医药制造业", 3),
    ("汽车零部件", "C36 汽车制造业", 3),
    ("轨道交通装备", "C37 铁路、船舶、航空航天和其他运输设备制造业", 1),
    ("航空科技", "C37 铁路、船舶、航空航天和其他运输设备制造业", 1),
    ("电力设备", "C38 电气机械和器材制造业", 3),
    ("新能源", "C38 电气机械和器材制造业", 3),
    ("软件", "I65 软件和信息技术服务业", 4),
    ("信息技术", "I65 软件和信息技术服务业", 3),
    ("检测技术", "M74 专业技术服务业", 2),
)
INDUSTRY_OF = {part: industry for part, industry, _ in INDUSTRIES}

# Invented trade names (字号); well-known Luoyang firms are left out on purpose.
WORDS = tuple("""
晟铭 瑞锦 恒昱 鼎昕 铭泰 润丰 嘉宇 德泓 博睿 华辰 昊天 昱达 弘毅 信邦 聚力 思远 智恒 亿通 中舜 宸宇
祥瑞 宏鑫 泰和 安澜 锦程 腾跃 致远 启航 远景 卓信 华研 精诚 科瑞 立达 汇联 凯旋 豫丰 洛丰 河图 洛书
伊源 洛浦 邙岭 龙泉 天衡 天润 正和 通达 新宇 鑫源 金穗 瑞祥 恒通 永晟 众诚 泓源 欣荣 盛邦 佳联 明睿
盈创 拓新 科美 华锋 广益 金诺 德信 同创 同辉 赛诺 维嘉 申泰 润杰 凯晟 宏图 中钰 诺信 天祥 福瑞 久安
正祺 恒泰 宏瑞 旭日 伊联 洛新 嵩岳 熊耳 伏牛 崤函 函谷 九朝 千秋 百川 万和 合盛 泽润 瀚海 澜图 峻峰
星驰 朗博 诚远 瑞达 航宇 宇辰 宏远 远航 金航 恒凯 卓航 凌云 云帆 博创 天泽 睿智 智达 华泓 中弘 方圆
""".split())
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华鹏辉玲丹萍鑫斌宇浩凯健俊帆雪琳晨阳"

# -- batches --------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    label: str
    on: dt.date
    new: int  # how many first recognitions the batch brings
    valid_to: dt.date | None = None  # when the list states it; else 3 years


INNOVATIVE = (  # 河南省 announces 创新型中小企业 since the MIIT measures of 2022
    Batch("河南省2022年第一批创新型中小企业", D(2022, 10, 14), 260),
    Batch("河南省2022年第二批创新型中小企业", D(2022, 12, 23), 200),
    Batch("河南省2023年第一批创新型中小企业", D(2023, 6, 16), 220),
    Batch("河南省2023年第二批创新型中小企业", D(2023, 11, 24), 180),
    Batch("河南省2024年第一批创新型中小企业", D(2024, 6, 28), 170),
    Batch("河南省2024年第二批创新型中小企业", D(2024, 11, 29), 140),
    Batch("河南省2025年第一批创新型中小企业", D(2025, 6, 20), 130),
    Batch("河南省2025年第二批创新型中小企业", D(2025, 11, 28), 40),
    Batch("河南省2026年第一批创新型中小企业", D(2026, 6, 19), 40),
    Batch("河南省2026年第二批创新型中小企业", D(2026, 11, 20), 20),
)
CITY = (  # Luoyang's first city list, valid 2022-01-01 to 2024-12-31, then the second
    Batch("洛阳市2022年专精特新中小企业（第一批）", D(2022, 1, 1), 226, D(2024, 12, 31)),
    Batch("洛阳市2022年专精特新中小企业（补充）", D(2022, 9, 1), 4, D(2024, 12, 31)),
    Batch("洛阳市2025年专精特新中小企业", D(2025, 1, 1), 0, D(2027, 12, 31)),
)
PROVINCIAL = (
    Batch("河南省2019年专精特新中小企业", D(2019, 12, 27), 35),
    Batch("河南省2020年专精特新中小企业", D(2020, 12, 18), 45),
    Batch("河南省2021年专精特新中小企业", D(2021, 12, 24), 70),
    Batch("河南省2022年第一批专精特新中小企业", D(2022, 7, 29), 40),
    Batch("河南省2022年第二批专精特新中小企业", D(2022, 12, 20), 90),
    Batch("河南省2023年专精特新中小企业", D(2023, 12, 22), 85),
    Batch("河南省2024年专精特新中小企业", D(2024, 12, 20), 65),
    Batch("河南省2025年第一批专精特新中小企业", D(2025, 7, 25), 20),
    Batch("河南省2025年第二批专精特新中小企业", D(2025, 12, 19), 30),
)
NATIONAL = (  # MIIT 专精特新"小巨人" batches
    Batch("工业和信息化部第一批专精特新“小巨人”企业", D(2019, 6, 14), 2),
    Batch("工业和信息化部第二批专精特新“小巨人”企业", D(2020, 11, 13), 4),
    Batch("工业和信息化部第三批专精特新“小巨人”企业", D(2021, 7, 19), 10),
    Batch("工业和信息化部第四批专精特新“小巨人”企业", D(2022, 8, 5), 12),
    Batch("工业和信息化部第五批专精特新“小巨人”企业", D(2023, 7, 21), 12),
    Batch("工业和信息化部第六批专精特新“小巨人”企业", D(2024, 8, 16), 9),
    Batch("工业和信息化部第七批专精特新“小巨人”企业", D(2025, 8, 22), 7),
    Batch("工业和信息化部2026年专精特新“小巨人”复核", D(2026, 7, 31), 0),
)
REVIEW_RATE = {"innovative": 0.7, "city": 0.4, "provincial": 0.75, "national": 0.85}
# A 复核 comes with the batch published around the expiry of the recognition.
REVIEW_WINDOW = (dt.timedelta(days=120), dt.timedelta(days=90))

N_ENTERPRISES = 1540


def three_years(start: dt.date) -> dt.date:
    return start.replace(year=start.year + 3) - dt.timedelta(days=1)


# -- rows ---------------------------------------------------------------------
# Plain records that point at each other by list index; load_demo turns them into
# model rows. Dates and amounts are fixed values, so the digest is stable.


@dataclass
class EnterpriseRow:
    home: str
    industry_part: str
    size: str
    name: str = ""
    uscc: str = ""
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    listed: bool = False
    listed_on: dt.date | None = None
    exchange: str = ""
    neeq_layer: str = ""
    joint_stock: bool = False  # listed and NEEQ firms are 股份有限公司

    @property
    def industry(self) -> str:
        return INDUSTRY_OF[self.industry_part]


@dataclass(frozen=True)
class RecognitionRow:
    ent: int
    tier: str
    kind: str
    batch: str
    announced_on: dt.date
    valid_to: dt.date
    valid_to_defaulted: bool = False


@dataclass(frozen=True)
class MilestoneRow:
    ent: int
    kind: str
    date: dt.date
    path: str = ""
    exchange: str = ""
    node: str = ""
    action: str = ""
    market: str = ""
    board: str = ""


@dataclass(frozen=True)
class InvestorRow:
    name: str
    kind: str
    uscc: str | None
    amac_code: str = ""


@dataclass(frozen=True)
class InvestmentRow:
    investor: int
    investee: int | None
    fund: int | None
    vehicle: str
    round: str
    tranche: int
    paid_in: Decimal
    subscribed: Decimal | None
    paid_in_date: dt.date
    registered_on: dt.date | None


@dataclass(frozen=True)
class OperatorRow:
    name: str
    uscc: str
    home: str


@dataclass(frozen=True)
class PlatformRow:
    operator: int
    platform_name: str
    honour: str
    level: str
    kind: str
    recognized_on: dt.date


@dataclass(frozen=True)
class AccountRow:
    username: str
    role: str
    full_name: str
    display_unit: str = ""
    jurisdiction: str | None = None
    enterprise: int | None = None
    investor: int | None = None
    operator: int | None = None


@dataclass
class DemoData:
    enterprises: list[EnterpriseRow] = field(default_factory=list)
    recognitions: list[RecognitionRow] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)
    investors: list[InvestorRow] = field(default_factory=list)
    investments: list[InvestmentRow] = field(default_factory=list)
    operators: list[OperatorRow] = field(default_factory=list)
    platforms: list[PlatformRow] = field(default_factory=list)
    accounts: list[AccountRow] = field(default_factory=list)

    def digest(self) -> str:
        """SHA-256 of everything generated: equal digests, equal registries."""
        text = json.dumps(dataclasses.asdict(self), default=str, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


# -- building -------------------------------------------------------------------

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z


class _Builder:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.data = DemoData()
        self.codes: set[str] = set()  # membership only, never iterated
        self.names: set[str] = set()
        self.used_for_listing: set[int] = set()

    # identifiers and names

    def credit_code(self, area: str, category: str = "91") -> str:
        rng = self.rng
        while True:
            if category == "91" and rng.random() < 0.7:  # issued since 2015: MA + 7
                body = "MA" + rng.choice(("3X", "40", "44", "45", "46", "47", "9F", "9K")) + "".join(
                    rng.choice(CODE_CHARS) for _ in range(5))
            else:  # converted from an organisation code (GB 11714, its own check digit)
                digits = rng.choice("1567") + "".join(rng.choice("0123456789") for _ in range(7))
                check = 11 - sum(int(c) * w for c, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
                body = digits + {10: "X", 11: "0"}.get(check, str(check))
            code17 = category + area + body
            code = code17 + stdnum_uscc.calc_check_digit(code17)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def unique_name(self, make) -> str:
        while True:
            name = make()
            if normalise_name(name) not in self.names:
                self.names.add(normalise_name(name))
                return name

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))

    def phone(self) -> str:
        return "0379-6" + "".join(self.rng.choice("0123456789") for _ in range(7))

    def place(self, code: str) -> Place:
        return PLACES[code] if code in PLACES else RETIRED_PLACES[code][1]

    # enterprises

    def enterprises(self):
        rng = self.rng
        homes = [code for code, (count, _) in RETIRED_PLACES.items() for _ in range(count)]
        codes, weights = list(PLACES), [p.weight for p in PLACES.values()]
        homes += rng.choices(codes, weights, k=N_ENTERPRISES - len(homes))
        rng.shuffle(homes)
        parts = [p for p, _, _ in INDUSTRIES]
        part_weights = [w for _, _, w in INDUSTRIES]
        for home in homes:
            local = self.place(home).specialities
            part = rng.choice(local) if local and rng.random() < 0.45 else rng.choices(parts, part_weights)[0]
            self.data.enterprises.append(EnterpriseRow(home=home, industry_part=part, size=""))

    def identities(self):
        """Names, codes, addresses and contacts, once listing decided the company form."""
        rng = self.rng
        for e in self.data.enterprises:
            place = self.place(e.home)

            def make(e=e, place=place):
                suffix = "" if e.industry_part.endswith(("科技", "技术", "软件")) else rng.choice(
                    ("", "", "", "科技"))
                if e.industry_part == "软件":
                    suffix = "科技"
                form = "股份有限公司" if e.joint_stock else rng.choice(
                    ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司"))
                return rng.choice(place.prefixes) + rng.choice(WORDS) + e.industry_part + suffix + form

            e.name = self.unique_name(make)
            areas = CODE_AREAS.get(e.home, ((e.home, 5), ("410300", 1)))
            area = rng.choices([a for a, _ in areas], [w for _, w in areas])[0]
            e.uscc = self.credit_code(area)
            e.address = f"河南省{place.address}{rng.choice(place.roads)}{rng.randint(1, 399)}号"
            e.contact_name = self.person()
            e.contact_phone = self.phone()

    # recognitions

    def recognise(self, ent: int, tier: str, batches: tuple[Batch, ...], first: Batch, *, defaulted=False):
        """The first recognition, then 复核 renewals while the reviewing batch exists."""
        rows = self.data.recognitions
        valid_to = first.valid_to or three_years(first.on)
        rows.append(RecognitionRow(ent, tier, "new", first.label, first.on, valid_to, defaulted))
        while True:
            before, after = REVIEW_WINDOW
            review = next((b for b in batches if valid_to - before <= b.on <= valid_to + after
                           and b.on > rows[-1].announced_on), None)
            if review is None or self.rng.random() >= REVIEW_RATE[tier]:
                return
            valid_to = review.valid_to or three_years(review.on)
            rows.append(RecognitionRow(ent, tier, "review", review.label, review.on, valid_to))

    def recognitions(self):
        rng = self.rng
        perm = list(range(N_ENTERPRISES))
        rng.shuffle(perm)
        # Nested tiers as in the city's statistics: most little giants are provincial
        # 专精特新 first, most 专精特新 are in the 创新型 pool.
        provincial = perm[:480]
        national_not_provincial = perm[480:488]
        national = national_not_provincial + perm[:48]
        innovative = perm[:408] + perm[480:1472]
        city = perm[300:430] + perm[488:588]
        self.tiers = {"provincial": provincial, "national": national, "innovative": innovative, "city": city}

        national_on: dict[int, dt.date] = {}
        slots = [b for b in NATIONAL for _ in range(b.new)]
        for ent, batch in zip(national, slots, strict=True):
            national_on[ent] = batch.on
            self.recognise(ent, "national", NATIONAL, batch)

        quota = {b.label: b.new for b in PROVINCIAL}
        for ent in perm[:48]:  # provincial before national
            earlier = [b for b in PROVINCIAL if b.on < national_on[ent] and quota[b.label]]
            batch = rng.choice(earlier)
            quota[batch.label] -= 1
            self.recognise(ent, "provincial", PROVINCIAL, batch, defaulted=batch.on.year == 2019)
        slots = [b for b in PROVINCIAL for _ in range(quota[b.label])]
        rng.shuffle(slots)
        for ent, batch in zip(perm[48:480], slots, strict=True):
            self.recognise(ent, "provincial", PROVINCIAL, batch, defaulted=batch.on.year == 2019)

        for tier, batches, members in (("innovative", INNOVATIVE, innovative), ("city", CITY, city)):
            slots = [b for b in batches for _ in range(b.new)]
            rng.shuffle(slots)
            for ent, batch in zip(members, slots, strict=True):
                self.recognise(ent, tier, batches, batch)

        self.windows: dict[int, list[tuple[dt.date, dt.date]]] = {}
        for r in self.data.recognitions:
            if r.tier in ("provincial", "national"):
                self.windows.setdefault(r.ent, []).append((r.announced_on, r.valid_to))
        for ent in range(N_ENTERPRISES):
            sizes = (("medium", 7), ("small", 3), ("micro", 0)) if ent in national_on else (
                (("medium", 35), ("small", 55), ("micro", 10)) if ent in self.windows else
                (("medium", 10), ("small", 55), ("micro", 35)))
            self.data.enterprises[ent].size = rng.choices([s for s, _ in sizes], [w for _, w in sizes])[0]

    def qualifying(self, ent: int, *days: dt.date) -> bool:
        """Holds a valid provincial or national recognition on every one of the days (D10)."""
        spans = self.windows.get(ent, [])
        return all(any(a <= d <= b for a, b in spans) for d in days)

    def pick(self, pool: list[int], *days: dt.date, qualifying=True) -> int:
        candidates = [e for e in pool if e not in self.used_for_listing
                      and (self.qualifying(e, *days) if qualifying else not self.windows.get(e))]
        ent = self.rng.choice(candidates)
        self.used_for_listing.add(ent)
        return ent

    # listing (Art. 5)

    def listings(self):
        rows = self.data.milestones
        zjtx = sorted(self.windows)
        innovative_only = [e for e in self.tiers["innovative"] if e not in self.windows]

        def ipo(ent, path, exchange, *nodes):
            for node, day in nodes:
                rows.append(MilestoneRow(ent, "ipo_node", day, path=path, exchange=exchange, node=node))

        def listed(ent, day, exchange):
            e = self.data.enterprises[ent]
            e.listed, e.listed_on, e.exchange, e.joint_stock = True, day, exchange, True

        def neeq(ent, *actions):
            for action, day in actions:
                rows.append(MilestoneRow(ent, "neeq", day, action=action))
            e = self.data.enterprises[ent]
            e.joint_stock = True
            e.neeq_layer = {"basic_listed": "basic", "demoted_to_basic": "basic"}.get(actions[-1][0], "innovation")

        # Domestic IPOs: two listed since the policy, one registering, two in tutoring.
        gem, star, bse = "深圳证券交易所创业板", "上海证券交易所科创板", "北京证券交易所"
        a = self.pick(zjtx, D(2022, 9, 16), D(2023, 11, 17))
        ipo(a, "domestic", gem, ("tutoring_accepted", D(2022, 9, 16)), ("review_passed", D(2023, 6, 9)),
            ("listed", D(2023, 11, 17)))
        listed(a, D(2023, 11, 17), gem)
        self.listed_after_policy = a
        # A NEEQ innovation-layer firm that moved to the Beijing exchange.
        b = self.pick(zjtx, D(2022, 3, 18), D(2024, 8, 23))
        neeq(b, ("basic_listed", D(2022, 3, 18)), ("entered_innovation_from_basic", D(2023, 5, 26)))
        ipo(b, "domestic", bse, ("tutoring_accepted", D(2023, 8, 11)), ("review_passed", D(2024, 4, 19)),
            ("listed", D(2024, 8, 23)))
        listed(b, D(2024, 8, 23), bse)
        self.data.enterprises[b].neeq_layer = ""
        c = self.pick(zjtx, D(2023, 11, 10), D(2025, 3, 14))
        ipo(c, "domestic", star, ("tutoring_accepted", D(2023, 11, 10)), ("review_passed", D(2025, 3, 14)))
        c_e = self.data.enterprises[c]
        c_e.joint_stock = True
        for day in (D(2024, 6, 21), D(2025, 4, 25)):
            ent = self.pick(zjtx, day)
            ipo(ent, "domestic", gem, ("tutoring_accepted", day))
            self.data.enterprises[ent].joint_stock = True
        # Listed before the policy: its nodes are facts, not rewards (R_PRE_POLICY).
        f = self.pick(zjtx, D(2021, 6, 25))
        ipo(f, "domestic", star, ("tutoring_accepted", D(2020, 5, 22)), ("review_passed", D(2021, 3, 5)),
            ("listed", D(2021, 6, 25)))
        listed(f, D(2021, 6, 25), star)
        # Overseas: CSRC filing, then Hong Kong.
        hk = "香港联合交易所主板"
        g = self.pick(zjtx, D(2024, 9, 13), D(2024, 12, 18))
        ipo(g, "overseas", hk, ("csrc_approved_or_filed", D(2024, 9, 13)), ("listed", D(2024, 12, 18)))
        listed(g, D(2024, 12, 18), hk)
        # Withdrawn applications.
        for start, end in ((D(2022, 11, 25), D(2024, 3, 29)), (D(2023, 5, 19), D(2024, 8, 30))):
            ent = self.pick(zjtx, start)
            ipo(ent, "domestic", gem, ("tutoring_accepted", start))
            rows.append(MilestoneRow(ent, "ipo_withdrawn", end, path="domestic"))
        # In tutoring but only 创新型: the engine says why it pays nothing.
        ent = self.pick(innovative_only, D(2024, 10, 18), qualifying=False)
        ipo(ent, "domestic", bse, ("tutoring_accepted", D(2024, 10, 18)))

        # NEEQ: basic listings, entries to the innovation layer (late May each year),
        # one direct innovation-layer listing, one demotion.
        basic_days = (D(2021, 4, 16), D(2022, 8, 19), D(2022, 10, 21), D(2023, 1, 13), D(2023, 3, 24),
                      D(2023, 7, 7), D(2023, 12, 8), D(2024, 3, 15), D(2024, 9, 20), D(2025, 2, 28),
                      D(2025, 6, 13))
        for i, day in enumerate(basic_days):
            if i == 1:
                ent = self.pick(zjtx, day, D(2023, 5, 26))
                neeq(ent, ("basic_listed", day), ("entered_innovation_from_basic", D(2023, 5, 26)))
            elif i == 2:
                ent = self.pick(zjtx, day, D(2023, 5, 26))
                neeq(ent, ("basic_listed", day), ("entered_innovation_from_basic", D(2023, 5, 26)),
                     ("demoted_to_basic", D(2025, 5, 23)))
            elif i == 4:
                ent = self.pick(zjtx, day, D(2024, 5, 24))
                neeq(ent, ("basic_listed", day), ("entered_innovation_from_basic", D(2024, 5, 24)))
            elif i in (6, 9):
                neeq(self.pick(innovative_only, day, qualifying=False), ("basic_listed", day))
            else:
                neeq(self.pick(zjtx, day), ("basic_listed", day))
        neeq(self.pick(zjtx, D(2023, 9, 15)), ("innovation_listed_direct", D(2023, 9, 15)))

        # 中原股权交易中心: trading board (rewarded) and display board (not).
        market = "中原股权交易中心"
        for i in range(22):
            board = "trading" if i < 10 else "display"
            day = D(2021 + i % 5, 1 + (i * 5) % 12, 5 + (i * 7) % 20)
            pool = zjtx if i % 4 else innovative_only
            ent = self.pick(pool, day, qualifying=pool is zjtx)
            rows.append(MilestoneRow(ent, "regional_equity_listed", day, market=market, board=board))

    # investors and investments (Art. 6)

    def investors(self):
        rng = self.rng
        out = self.data.investors

        def amac():
            return "S" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXY") for _ in range(2)) + str(rng.randint(100, 999))

        partnership = (  # (name pattern, area of registration)
            ("洛阳{w}创业投资基金合伙企业（有限合伙）", "410300"),
            ("洛阳{w}股权投资基金合伙企业（有限合伙）", "410305"),
            ("洛阳高新{w}创业投资合伙企业（有限合伙）", "410300"),
            ("河南{w}产业投资基金（有限合伙）", "410100"),
            ("郑州{w}创业投资合伙企业（有限合伙）", "410105"),
            ("深圳市{w}股权投资合伙企业（有限合伙）", "440300"),
            ("北京{w}创新投资中心（有限合伙）", "110108"),
            ("上海{w}私募投资基金合伙企业（有限合伙）", "310115"),
            ("苏州{w}创业投资合伙企业（有限合伙）", "320594"),
        )
        for i in range(30):
            pattern, area = partnership[i % len(partnership)]
            name = self.unique_name(lambda p=pattern: p.format(w=rng.choice(WORDS)))
            out.append(InvestorRow(name, "private_fund", self.credit_code(area), amac()))
        # Funds set up with Luoyang capital (Art. 6 excludes that capital): fund targets.
        self.setup_funds = []
        for w in ("专精特新", "先进制造"):
            name = self.unique_name(lambda w=w: f"洛阳{rng.choice(WORDS)}{w}产业投资基金合伙企业（有限合伙）")
            self.setup_funds.append(len(out))
            out.append(InvestorRow(name, "private_fund", self.credit_code("410300"), amac()))
        # Contractual funds have no credit code of their own.
        for _ in range(4):
            name = self.unique_name(lambda: f"{rng.choice(WORDS)}成长{rng.choice('一二三五')}号私募股权投资基金")
            out.append(InvestorRow(name, "private_fund", None, amac()))
        companies = (("洛阳{w}投资有限公司", "410300"), ("洛阳市{w}创业投资有限公司", "410303"),
                     ("洛阳{w}科技投资有限公司", "410311"), ("河南{w}投资集团有限公司", "410105"),
                     ("洛阳市{w}产业投资集团有限公司", "410300"))
        for i in range(24):
            pattern, area = companies[i % len(companies)]
            name = self.unique_name(lambda p=pattern: p.format(w=rng.choice(WORDS)))
            out.append(InvestorRow(name, "investment_company", self.credit_code(area)))

    def investments(self):
        rng = self.rng
        out = self.data.investments
        direct_investors = [i for i in range(len(self.data.investors)) if i not in self.setup_funds]
        zjtx = sorted(self.windows)
        others = [e for e in range(N_ENTERPRISES) if e not in self.windows]
        stages = (("天使轮", 100, 500), ("Pre-A轮", 300, 1000), ("A轮", 500, 3000), ("A+轮", 800, 3000),
                  ("B轮", 1500, 5000), ("C轮", 3000, 8000))
        rounds_of: dict[int, int] = {}
        last_day_of: dict[int, dt.date] = {}
        first, last = D(2021, 3, 1), D(2026, 10, 30)

        def add_round(investee, stage, day, commitments, tranches=None):
            for investor, total in commitments:
                n = tranches or rng.choices((1, 2, 3), (70, 20, 10))[0]
                unit = Decimal(10000)
                share = (total // n // unit) * unit
                paid_so_far, when = Decimal(0), day
                for t in range(1, n + 1):
                    paid = share if t < n else total - paid_so_far
                    paid_so_far += paid
                    subscribed = total if n > 1 else (total if rng.random() < 0.7 else None)
                    registered = when + dt.timedelta(days=rng.randint(5, 40)) if rng.random() < 0.8 else None
                    out.append(InvestmentRow(investor, investee, None, "direct", stage, t, paid, subscribed,
                                             when, registered))
                    when = when + dt.timedelta(days=rng.randint(60, 180))
            last_day_of[investee] = max(last_day_of.get(investee, day), when)

        # A few big rounds, so the item cap (500k) and the annual cap (1m) bite: one
        # investee takes 80m and 120m from two investors in one year.
        big = self.pick(zjtx, D(2024, 3, 8), D(2024, 9, 27))
        add_round(big, "B轮", D(2024, 3, 8), [(direct_investors[0], Decimal(80_000_000))], tranches=1)
        add_round(big, "C轮", D(2024, 9, 27), [(direct_investors[5], Decimal(120_000_000)),
                                              (direct_investors[31], Decimal(30_000_000))], tranches=1)
        rounds_of[big] = 6
        big2 = self.pick(zjtx, D(2023, 6, 30))
        add_round(big2, "战略融资", D(2023, 6, 30), [(direct_investors[3], Decimal(60_000_000))], tranches=1)
        rounds_of[big2] = 6
        # The demo enterprise's account (新安县, provincial) shows a round in two tranches.
        self.showcase = min(r.ent for r in self.data.recognitions if r.tier == "provincial"
                            and self.data.enterprises[r.ent].home == "410323" and r.valid_to >= D(2027, 1, 1))
        day = max(D(2023, 4, 14), next(a for a, b in sorted(self.windows[self.showcase]) if b >= D(2023, 4, 14)))
        add_round(self.showcase, "A轮", day, [(direct_investors[2], Decimal(12_000_000)),
                                             (direct_investors[40], Decimal(5_000_000))], tranches=2)
        rounds_of[self.showcase] = 3
        # Money into a firm already listed on an exchange (R_INVESTEE_LISTED).
        add_round(self.listed_after_policy, "战略融资", D(2024, 3, 15),
                  [(direct_investors[1], Decimal(50_000_000))], tranches=1)

        while len(out) < 246:
            investee = rng.choice(zjtx) if rng.random() < 0.82 else rng.choice(others)
            n = rounds_of.get(investee, 0)
            if n >= len(stages):
                continue
            stage, lo, hi = stages[n]
            start = last_day_of.get(investee, first) + dt.timedelta(days=rng.randint(90, 400))
            if start > last:
                continue
            day = min(start + dt.timedelta(days=rng.randint(0, 200)), last)
            if investee in self.windows and not self.qualifying(investee, day):
                # Mostly while the investee holds its recognition, as funds pick them.
                spans = [(max(a, start), min(b, last)) for a, b in self.windows[investee]
                         if max(a, start) <= min(b, last)]
                if spans:
                    a, b = spans[0]
                    day = a + dt.timedelta(days=rng.randint(0, (b - a).days))
            commitments = []
            for investor in rng.sample(direct_investors, rng.choices((1, 2, 3), (60, 30, 10))[0]):
                commitments.append((investor, Decimal(rng.randint(lo, hi) // 10 * 100_000)))
            rounds_of[investee] = n + 1
            add_round(investee, stage, day, commitments)

        # Capital put into setting up funds (paid nothing under Art. 6).
        sponsor = next(i for i, inv in enumerate(self.data.investors) if inv.name.startswith("洛阳市")
                       and inv.kind == "investment_company")
        for fund, (day, amounts) in zip(self.setup_funds, ((D(2022, 12, 9), (30_000_000, 20_000_000)),
                                                            (D(2024, 5, 17), (50_000_000,))), strict=True):
            for t, amount in enumerate(amounts, start=1):
                when = day + dt.timedelta(days=150 * (t - 1))
                out.append(InvestmentRow(sponsor, None, fund, "fund_setup", "设立出资", t, Decimal(amount),
                                         Decimal(sum(amounts)), when, when + dt.timedelta(days=20)))

    # service platforms (Art. 17)

    def operators(self):
        rng = self.rng
        kinds = ("中小企业服务有限公司", "科技企业孵化器有限公司", "众创空间管理有限公司", "科技园发展有限公司",
                 "企业管理咨询有限公司", "工业互联网科技有限公司", "检验检测有限公司", "知识产权服务有限公司")
        homes = ("410305", "410371", "410311", "410303", "410371", "410307", "410323", "410305",
                 "LY-YIBIN", "410329", "410311", "410308", "410327", "410371")
        for i, home in enumerate(homes):
            word = rng.choice(WORDS)
            name = self.unique_name(lambda w=word, i=i: f"洛阳{w}{kinds[i % len(kinds)]}")
            areas = CODE_AREAS.get(home, ((home, 1),))
            self.data.operators.append(OperatorRow(name, self.credit_code(areas[0][0]), home))
        # One public-service centre (a 事业单位: category 12 of the credit code).
        name = self.unique_name(lambda: f"洛阳市{rng.choice(WORDS)}中小企业服务中心")
        self.data.operators.append(OperatorRow(name, self.credit_code("410300", "12"), "410303"))

        plat, base = "public_service_platform", "entrepreneurship_base"
        provincial_days = (D(2020, 12, 4), D(2021, 11, 26), D(2022, 11, 25), D(2023, 11, 24), D(2024, 11, 22),
                           D(2025, 11, 21))
        national_days = (D(2021, 12, 17), D(2023, 12, 15), D(2025, 12, 12))
        label = {plat: "中小企业公共服务平台", base: "小型微型企业创业创新示范基地"}
        rows = self.data.platforms
        for op, o in enumerate(self.data.operators):
            honour = base if "孵化器" in o.name or "众创空间" in o.name or "科技园" in o.name else plat
            short = o.name.removeprefix("洛阳市").removeprefix("洛阳")[:2]
            pname = f"洛阳{short}{label[honour]}"
            if op >= 13:  # national straight away
                rows.append(PlatformRow(op, pname, honour, "national", "first", national_days[op - 13]))
                continue
            first = provincial_days[op % len(provincial_days)]
            rows.append(PlatformRow(op, pname, honour, "provincial", "first", first))
            review = next((d for d in provincial_days if abs((d - three_years(first)).days) < 30), None)
            if review and rng.random() < 0.7:
                rows.append(PlatformRow(op, pname, honour, "provincial", "review", review))
            if op in (2, 3, 7):  # upgraded to national: Art. 17 pays both (cumulative)
                later = next(d for d in national_days if d > first + dt.timedelta(days=365))
                rows.append(PlatformRow(op, pname, honour, "national", "first", later))

    # accounts

    def accounts(self):
        ents = self.data.enterprises
        enterprise = self.showcase
        per_investor: dict[int, int] = {}
        for v in self.data.investments:
            if v.vehicle == "direct":
                per_investor[v.investor] = per_investor.get(v.investor, 0) + 1
        investor = max(sorted(per_investor), key=lambda i: (self.data.investors[i].name.startswith("洛阳"),
                                                            per_investor[i]))
        operator = next(op for op in range(len(self.data.operators))
                        if {p.level for p in self.data.platforms if p.operator == op} == {"provincial", "national"})
        self.data.accounts = [
            AccountRow("city_admin", Role.CITY_ADMIN, "张敏", "市工信局"),
            AccountRow("jinrong", Role.UNIT, "李娜", "市金融局"),
            AccountRow("finance_city", Role.FINANCE_CITY, "王磊", "市财政局"),
            AccountRow("county_410323", Role.LOCAL, "赵静", "新安县人民政府", jurisdiction="410323"),
            AccountRow("finance_410323", Role.FINANCE_LOCAL, "陈刚", "新安县财政局", jurisdiction="410323"),
            AccountRow("district_410305", Role.LOCAL, "刘洋", "涧西区人民政府", jurisdiction="410305"),
            AccountRow("commissioner_demo", Role.COMMISSIONER, "杨帆", "新安县服务专员", jurisdiction="410323"),
            AccountRow("enterprise_demo", Role.ENTERPRISE, ents[enterprise].contact_name, enterprise=enterprise),
            AccountRow("investor_demo", Role.INVESTOR, "周涛", investor=investor),
            AccountRow("operator_demo", Role.OPERATOR, "吴婷", operator=operator),
        ]


def build_demo(seed: int = SEED) -> DemoData:
    """The demo registry as plain rows; the same seed always gives the same rows."""
    b = _Builder(seed)
    b.enterprises()
    b.recognitions()
    b.listings()
    b.identities()
    b.investors()
    b.investments()
    b.operators()
    b.accounts()
    return b.data


# -- loading --------------------------------------------------------------------

DEMO_USERNAMES = ("city_admin", "jinrong", "finance_city", "county_410323", "finance_410323",
                  "district_410305", "commissioner_demo", "enterprise_demo", "investor_demo", "operator_demo")


class DemoRefused(Exception):
    """Loading would mix the demo into other data; nothing was written."""


@dataclass(frozen=True)
class LoadReport:
    status: str  # loaded | already_loaded | not_empty
    counts: dict[str, int]
    seconds: float


def demo_loaded(data: DemoData | None = None) -> bool:
    """A demo load is recognised by its enterprises' credit codes (a unique index)."""
    data = data or build_demo()
    return models.Enterprise.objects.filter(uscc__in=[e.uscc for e in data.enterprises[:20]]).exists()


def load_demo(*, if_empty: bool = False, seed: int = SEED) -> LoadReport:
    """Write the demo registry and accounts, all or nothing. Skips a second load;
    with `if_empty`, does nothing when the registry has any enterprise; refuses to
    mix into a registry holding other enterprises or accounts with demo usernames."""
    started = time.perf_counter()
    if if_empty and models.Enterprise.objects.exists():
        return LoadReport("not_empty", {}, time.perf_counter() - started)
    data = build_demo(seed)
    if demo_loaded(data):
        return LoadReport("already_loaded", {}, time.perf_counter() - started)
    if models.Enterprise.objects.exists():
        raise DemoRefused("企业库中已有非演示数据的企业，演示数据不与真实数据混合；请使用空数据库。")
    taken = sorted(get_user_model().objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True))
    if taken:
        raise DemoRefused(f"以下用户名已被占用，未载入演示数据：{'、'.join(taken)}")
    with transaction.atomic():
        counts = _write(data)
    return LoadReport("loaded", counts, time.perf_counter() - started)


def _bulk(model, objs):
    return bulk_create_with_history(objs, model, batch_size=500, default_change_reason=CHANGE_REASON)


def _write(data: DemoData) -> dict[str, int]:
    homes = {j.code: j for j in models.Jurisdiction.objects.all()}
    enterprises = _bulk(models.Enterprise, [
        models.Enterprise(
            name=e.name, name_key=normalise_name(e.name),  # bulk_create skips save(), which sets it
            uscc=e.uscc, fiscal_home=homes[e.home], industry=e.industry, size=e.size, address=e.address,
            contact_name=e.contact_name, contact_phone=e.contact_phone, listed=e.listed,
            listed_on=e.listed_on, exchange=e.exchange, neeq_layer=e.neeq_layer)
        for e in data.enterprises])
    _bulk(models.Recognition, [
        models.Recognition(
            enterprise=enterprises[r.ent], tier=r.tier, kind=r.kind, batch=r.batch,
            announced_on=r.announced_on, valid_to=r.valid_to, valid_to_defaulted=r.valid_to_defaulted,
            source_document=SOURCE + r.batch)
        for r in data.recognitions])
    _bulk(models.ListingMilestone, [
        models.ListingMilestone(
            enterprise=enterprises[m.ent], kind=m.kind, date=m.date, path=m.path, exchange=m.exchange,
            node=m.node, action=m.action, market=m.market, board=m.board,
            source_document=SOURCE + "上市进程台账")
        for m in data.milestones])
    investors = _bulk(models.Investor, [
        models.Investor(name=i.name, kind=i.kind, uscc=i.uscc, amac_code=i.amac_code) for i in data.investors])
    _bulk(models.Investment, [
        models.Investment(
            investor=investors[v.investor],
            investee=enterprises[v.investee] if v.investee is not None else None,
            fund=investors[v.fund] if v.fund is not None else None,
            vehicle=v.vehicle, round=v.round, tranche=v.tranche, paid_in=v.paid_in, subscribed=v.subscribed,
            paid_in_date=v.paid_in_date, registered_on=v.registered_on)
        for v in data.investments])
    operators = _bulk(models.ServiceOperator, [
        models.ServiceOperator(name=o.name, uscc=o.uscc, fiscal_home=homes[o.home]) for o in data.operators])
    _bulk(models.PlatformRecognition, [
        models.PlatformRecognition(
            operator=operators[p.operator], platform_name=p.platform_name, honour=p.honour, level=p.level,
            kind=p.kind, recognized_on=p.recognized_on, source_document=SOURCE + "平台（基地）认定文件")
        for p in data.platforms])

    # One hash for all accounts: the password hasher is slow on purpose (~0.3 s a call).
    password = make_password(DEMO_PASSWORD)
    User = get_user_model()
    users = User.objects.bulk_create([
        User(username=a.username, password=password, last_name=a.full_name[:1], first_name=a.full_name[1:])
        for a in data.accounts])
    Profile.objects.bulk_create([
        Profile(user=u, role=a.role, display_unit=a.display_unit,
                jurisdiction=homes[a.jurisdiction] if a.jurisdiction else None,
                enterprise=enterprises[a.enterprise] if a.enterprise is not None else None,
                investor=investors[a.investor] if a.investor is not None else None,
                operator=operators[a.operator] if a.operator is not None else None)
        for u, a in zip(users, data.accounts, strict=True)])
    return {"企业": len(data.enterprises), "认定": len(data.recognitions), "上市进程": len(data.milestones),
            "投资机构": len(data.investors), "股权投资": len(data.investments),
            "平台运营机构": len(data.operators), "平台（基地）认定": len(data.platforms),
            "演示账号": len(data.accounts)}


# -- the accounts table -----------------------------------------------------------


def account_rows() -> list[tuple[str, str, str, str]]:
    """(username, role, scope, password) of the demo accounts present, in table order."""
    profiles = {p.user.username: p for p in Profile.objects.select_related(
        "user", "jurisdiction", "enterprise", "investor", "operator").filter(user__username__in=DEMO_USERNAMES)}
    rows = []
    for username in DEMO_USERNAMES:
        p = profiles.get(username)
        if p is None:
            continue
        if p.enterprise_id:
            scope = p.enterprise.name
        elif p.investor_id:
            scope = p.investor.name
        elif p.operator_id:
            scope = p.operator.name
        elif p.jurisdiction_id:
            scope = f"{p.jurisdiction.name}（{p.jurisdiction.code}）"
        else:
            scope = f"全市（{p.display_unit}）" if p.display_unit else "全市"
        rows.append((username, p.get_role_display(), scope, DEMO_PASSWORD))
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def format_table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    """A plain-text table aligned for a terminal, Chinese characters counting double."""
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(r):
        return "  ".join(str(c) + " " * (w - _width(str(c))) for c, w in zip(r, widths, strict=True)).rstrip()

    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *(line(r) for r in rows)])
