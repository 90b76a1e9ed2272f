"""The registry: who the enterprises are and what is known of them.

These are the facts the rules engine reads (see facts_export.py): jurisdictions
with their funding rule, enterprises, recognitions, listing milestones,
investors and investments, service platforms. Every change is kept in history
(django-simple-history: who, when, before, after) for the one-file page.
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import connection, models
from simple_history.models import HistoricalRecords

from .names import normalise_name
from .uscc import validate_uscc


class Jurisdiction(models.Model):
    """A fiscal home: a district, county or development zone of Luoyang (ANALYSIS.md §3).
    Retired codes (偃师市 410381 …) stay as rows with a successor."""

    class Kind(models.TextChoices):
        DISTRICT = "district", "市辖区"
        COUNTY = "county", "县"
        ZONE = "zone", "开发区（管委会）"

    class Funding(models.TextChoices):
        CITY50_LOCAL50 = "city50_local50", "市、区（管委会）5:5分担"
        COUNTY100 = "county100", "县级财政全额承担"
        CITY100 = "city100", "市财政全额承担"

    code = models.CharField("区划代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    funding = models.CharField("奖补资金分担", max_length=20, choices=Funding.choices)
    parent = models.ForeignKey("self", verbose_name="所属县（县管开发区）", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="zones")
    successor = models.ForeignKey("self", verbose_name="承继区划（已撤销的）", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="predecessors")
    alt_names = models.CharField("其他名称", max_length=200, blank=True,
                                 help_text="导入时可识别的简称或旧称，用逗号分隔，如：高新区,洛阳高新区")
    valid_from = models.DateField("起始日期", null=True, blank=True)
    valid_to = models.DateField("撤销日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "行政区划（财政归属）"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def current(self) -> Jurisdiction:
        """Today's jurisdiction for a retired code (偃师市 → 偃师区)."""
        j = self
        while j.successor_id:
            j = j.successor
        return j

    def clean(self):
        if self.parent_id and self.kind != self.Kind.ZONE:
            raise ValidationError({"parent": "只有开发区可以隶属于县"})
        if self.parent_id and self.parent.kind != self.Kind.COUNTY:
            raise ValidationError({"parent": "所属上级必须是县"})


class Enterprise(models.Model):
    class Size(models.TextChoices):
        MEDIUM = "medium", "中型"
        SMALL = "small", "小型"
        MICRO = "micro", "微型"

    class NeeqLayer(models.TextChoices):
        BASIC = "basic", "基础层"
        INNOVATION = "innovation", "创新层"

    name = models.CharField("企业名称", max_length=200)
    name_key = models.CharField("名称匹配键", max_length=200, db_index=True, editable=False)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, validators=[validate_uscc])
    fiscal_home = models.ForeignKey(Jurisdiction, verbose_name="财政归属（所属县区）",
                                    on_delete=models.PROTECT, related_name="enterprises")
    industry = models.CharField("所属行业", max_length=100, blank=True)
    size = models.CharField("企业规模", max_length=10, choices=Size.choices, blank=True)
    address = models.CharField("地址", max_length=300, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    listed = models.BooleanField("已在证券交易所上市", default=False)
    listed_on = models.DateField("上市日期", null=True, blank=True)
    exchange = models.CharField("上市交易所", max_length=50, blank=True)
    neeq_layer = models.CharField("新三板层级", max_length=12, choices=NeeqLayer.choices, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # The latest announced_on of its recognitions (NULL: none), for the list's 最近认定
    # sort. Kept by the database, not by Python: triggers on registry_recognition set it
    # on every insert, update and delete, however the rows are written (ORM, bulk
    # imports, COPY), and a write of the enterprise itself cannot change it
    # (migration 0005). Derived, so not in the history.
    latest_recognition_on = models.DateField("最近认定日期", null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["latest_recognition_on"])

    class Meta:
        verbose_name = verbose_name_plural = "企业"
        ordering = ["name"]
        # Made for the list's SQL at 200,000 enterprises (migration 0005). The offices'
        # lists are now answered from facets.py; these still serve the jurisdiction- and
        # industry-scoped queries of exports and scopes, and the 最近认定 order in SQL.
        indexes = [
            models.Index(fields=["fiscal_home", "name_key", "id"], name="enterprise_home_name"),
            models.Index(fields=["industry", "fiscal_home"], name="enterprise_industry_home"),
            # 最近认定, oldest first (PostgreSQL also has the newest-first one, migration 0005).
            models.Index(fields=["latest_recognition_on", "name_key", "id"], name="enterprise_recognized"),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        obj._loaded_name = obj.__dict__.get("name")  # to keep it as a former name on a rename
        return obj

    def save(self, *args, **kwargs):
        self.name_key = normalise_name(self.name)
        super().save(*args, **kwargs)
        old = getattr(self, "_loaded_name", None)
        if old and normalise_name(old) != self.name_key:
            FormerName.keep(self.pk, old, source="企业信息修改")
        self._loaded_name = self.name


class FormerName(models.Model):
    """A name the enterprise used before (曾用名): published lists keep the name of their
    day, so a names-only list still finds a renamed enterprise by it, and the one-file
    page shows it. Kept whenever the name changes (an edit, an enterprise import)."""

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.CASCADE,
                                   related_name="former_names")
    name = models.CharField("曾用名", max_length=200)
    name_key = models.CharField("名称匹配键", max_length=200, db_index=True, editable=False)
    used_until = models.DateField("使用至", help_text="更名（记录）的日期")
    source = models.CharField("来源", max_length=200, blank=True)
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "曾用名"
        ordering = ["enterprise", "-used_until", "-pk"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "name_key"], name="former_name_once")]

    def __str__(self):
        return f"{self.name}（使用至 {self.used_until}）"

    @classmethod
    def keep(cls, enterprise_id: int, name: str, *, source: str, on=None):
        from django.utils import timezone

        cls.objects.get_or_create(enterprise_id=enterprise_id, name_key=normalise_name(name), defaults={
            "name": name, "used_until": on or timezone.localdate(), "source": source})


class Recognition(models.Model):
    """A recognition of an enterprise in one tier (梯度培育). Only the provincial and
    national tiers carry Art. 1 money; the others are the cultivation pool."""

    class Tier(models.TextChoices):
        INNOVATIVE = "innovative", "创新型中小企业"
        CITY = "city", "市级专精特新中小企业"
        PROVINCIAL = "provincial", "省级专精特新中小企业"
        NATIONAL = "national", "国家级专精特新“小巨人”企业"

    class Kind(models.TextChoices):
        NEW = "new", "认定"
        REVIEW = "review", "复核通过"

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT,
                                   related_name="recognitions")
    tier = models.CharField("认定类型", max_length=12, choices=Tier.choices)
    kind = models.CharField("认定方式", max_length=8, choices=Kind.choices, default=Kind.NEW)
    batch = models.CharField("认定批次", max_length=100, blank=True)
    announced_on = models.DateField("认定时间")
    valid_to = models.DateField("有效期至")
    valid_to_defaulted = models.BooleanField("有效期按三年推定", default=False)
    source_document = models.CharField("来源文件", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "认定"
        ordering = ["enterprise", "announced_on"]
        indexes = [
            # The list's per-tier counts of enterprises valid on a day, read from the index alone.
            models.Index(fields=["tier", "enterprise", "announced_on", "valid_to"], name="recognition_tier_validity"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "tier", "kind", "announced_on"],
                                    name="recognition_once_per_announcement"),
            models.CheckConstraint(condition=models.Q(valid_to__gte=models.F("announced_on")),
                                   name="recognition_valid_after_announced"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.get_tier_display()} {self.announced_on}"


class ListingMilestone(models.Model):
    """A step toward listing (Art. 5): an exchange IPO node, a withdrawal, a NEEQ
    layer move or a regional equity listing."""

    class Kind(models.TextChoices):
        IPO_NODE = "ipo_node", "上市节点"
        IPO_WITHDRAWN = "ipo_withdrawn", "撤回上市申请"
        NEEQ = "neeq", "新三板"
        REGIONAL = "regional_equity_listed", "四板（区域性股权市场）挂牌"

    class Path(models.TextChoices):
        DOMESTIC = "domestic", "境内上市"
        OVERSEAS = "overseas", "境外上市"

    class Node(models.TextChoices):
        TUTORING = "tutoring_accepted", "通过河南省证监局辅导验收"
        REVIEW = "review_passed", "通过发行审核"
        CSRC = "csrc_approved_or_filed", "中国证监会批复同意（备案）"
        LISTED = "listed", "上市交易"

    class Action(models.TextChoices):
        BASIC = "basic_listed", "基础层挂牌"
        ENTERED = "entered_innovation_from_basic", "由基础层进入创新层"
        DIRECT = "innovation_listed_direct", "创新层直接挂牌"
        DEMOTED = "demoted_to_basic", "调出创新层"

    class Board(models.TextChoices):
        TRADING = "trading", "交易板"
        DISPLAY = "display", "展示板"

    enterprise = models.ForeignKey(Enterprise, verbose_name="企业", on_delete=models.PROTECT,
                                   related_name="milestones")
    kind = models.CharField("类型", max_length=24, choices=Kind.choices)
    date = models.DateField("日期")
    path = models.CharField("上市路径", max_length=10, choices=Path.choices, blank=True)
    exchange = models.CharField("交易所", max_length=50, blank=True)
    node = models.CharField("节点", max_length=24, choices=Node.choices, blank=True)
    action = models.CharField("新三板事项", max_length=32, choices=Action.choices, blank=True)
    market = models.CharField("区域性股权市场", max_length=50, blank=True)
    board = models.CharField("板块", max_length=10, choices=Board.choices, blank=True)
    source_document = models.CharField("来源文件", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "上市进程"
        ordering = ["enterprise", "date"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "kind", "path", "node", "action", "board", "date"],
                                    name="milestone_once"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.get_kind_display()} {self.date}"

    def clean(self):
        from zjtx.policy.facts import IPO_NODES

        if self.kind == self.Kind.IPO_NODE and self.node not in IPO_NODES.get(self.path, ()):
            raise ValidationError({"node": "该上市路径上没有这个节点"})
        if self.kind == self.Kind.NEEQ and not self.action:
            raise ValidationError({"action": "请选择新三板事项"})
        if self.kind == self.Kind.REGIONAL and not self.board:
            raise ValidationError({"board": "请选择交易板或展示板"})


class Investor(models.Model):
    class Kind(models.TextChoices):
        PRIVATE_FUND = "private_fund", "私募基金"
        INVESTMENT_COMPANY = "investment_company", "投资公司"

    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, null=True, blank=True,
                            validators=[validate_uscc], help_text="契约型基金没有统一社会信用代码，可留空")
    amac_code = models.CharField("基金业协会备案编码", max_length=30, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "投资机构"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], condition=models.Q(uscc__isnull=True),
                                               name="investor_without_code_unique_name")]

    def __str__(self):
        return self.name


class Investment(models.Model):
    """One paid-in tranche of an equity investment (Art. 6, L6.1)."""

    class Vehicle(models.TextChoices):
        DIRECT = "direct", "直接投资"
        FUND_SETUP = "fund_setup", "出资设立基金"

    investor = models.ForeignKey(Investor, verbose_name="投资机构", on_delete=models.PROTECT,
                                 related_name="investments")
    investee = models.ForeignKey(Enterprise, verbose_name="被投资企业", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="investments_received")
    fund = models.ForeignKey(Investor, verbose_name="设立的基金", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="setup_capital")
    vehicle = models.CharField("方式", max_length=12, choices=Vehicle.choices, default=Vehicle.DIRECT)
    round = models.CharField("轮次", max_length=50)
    tranche = models.PositiveIntegerField("分期", default=1)
    paid_in = models.DecimalField("实缴金额（元）", max_digits=16, decimal_places=2,
                                  validators=[MinValueValidator(0)])
    subscribed = models.DecimalField("认缴金额（元）", max_digits=16, decimal_places=2, null=True, blank=True,
                                     validators=[MinValueValidator(0)])
    paid_in_date = models.DateField("实缴日期")
    registered_on = models.DateField("工商变更日期", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "股权投资"
        ordering = ["paid_in_date"]
        constraints = [
            # One constraint per vehicle: the other target is NULL, and NULLs never
            # collide in a unique index, so one constraint over both would let a
            # tranche be recorded (and rewarded) twice.
            models.UniqueConstraint(fields=["investor", "investee", "round", "tranche"],
                                    condition=models.Q(vehicle="direct"), name="investment_direct_tranche_once"),
            models.UniqueConstraint(fields=["investor", "fund", "round", "tranche"],
                                    condition=models.Q(vehicle="fund_setup"), name="investment_fund_tranche_once"),
            models.CheckConstraint(condition=models.Q(paid_in__gt=0), name="investment_paid_in_positive"),
            models.CheckConstraint(
                condition=(models.Q(vehicle="direct", investee__isnull=False, fund__isnull=True)
                           | models.Q(vehicle="fund_setup", investee__isnull=True, fund__isnull=False)),
                name="investment_target_matches_vehicle"),
        ]

    def __str__(self):
        return f"{self.investor} → {self.investee or self.fund} {self.round}"


class ServiceOperator(models.Model):
    """The body that runs a service platform or demonstration base (Art. 17's payee)."""

    name = models.CharField("名称", max_length=200)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, validators=[validate_uscc])
    fiscal_home = models.ForeignKey(Jurisdiction, verbose_name="财政归属", on_delete=models.PROTECT,
                                    related_name="operators")
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "平台运营机构"
        ordering = ["name"]

    def __str__(self):
        return self.name


class PlatformRecognition(models.Model):
    class Honour(models.TextChoices):
        PLATFORM = "public_service_platform", "中小企业公共服务平台"
        BASE = "entrepreneurship_base", "小型微型企业创业创新示范基地"

    class Level(models.TextChoices):
        NATIONAL = "national", "国家级"
        PROVINCIAL = "provincial", "省级"

    class Kind(models.TextChoices):
        FIRST = "first", "首次认定"
        REVIEW = "review", "复核"

    operator = models.ForeignKey(ServiceOperator, verbose_name="运营机构", on_delete=models.PROTECT,
                                 related_name="recognitions")
    platform_name = models.CharField("平台（基地）名称", max_length=200)
    honour = models.CharField("荣誉", max_length=30, choices=Honour.choices)
    level = models.CharField("层级", max_length=12, choices=Level.choices)
    kind = models.CharField("认定方式", max_length=8, choices=Kind.choices, default=Kind.FIRST)
    recognized_on = models.DateField("认定日期")
    source_document = models.CharField("来源文件", max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "平台（基地）认定"
        ordering = ["recognized_on"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "honour", "level", "kind", "recognized_on"],
                                    name="platform_recognition_once"),
        ]

    def __str__(self):
        return f"{self.platform_name} {self.get_level_display()}{self.get_honour_display()}"


class ImportLog(models.Model):
    """One run of an import, from the command line or the web page: who, when, which
    file, what it did (or would do, for a dry run), and every bad row. The web page
    polls `progress_done`/`progress_total` while a background task runs it."""

    class Kind(models.TextChoices):
        ENTERPRISES = "enterprises", "企业名录"
        RECOGNITIONS = "recognitions", "认定名单"
        LISTINGS = "listings", "上市进程"
        INVESTMENTS = "investments", "股权投资"
        PLATFORMS = "platforms", "平台（基地）认定"

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        REFUSED = "refused", "有错误，未写入"
        FAILED = "failed", "运行失败"

    class Source(models.TextChoices):
        CLI = "cli", "命令行"
        WEB = "web", "网页"

    kind = models.CharField("导入类型", max_length=20, choices=Kind.choices)
    dry_run = models.BooleanField("试导入（不写入）", default=False)
    source = models.CharField("来源", max_length=8, choices=Source.choices, default=Source.CLI)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="registry_imports")
    actor = models.CharField("操作人（名称）", max_length=150, blank=True,
                             help_text="命令行导入时为系统用户名")
    file_name = models.CharField("文件名", max_length=255)
    file_size = models.PositiveBigIntegerField("文件大小（字节）", default=0)
    file_sha256 = models.CharField("文件SHA-256", max_length=64, blank=True)
    stored_path = models.CharField("保存位置", max_length=255, blank=True,
                                   help_text="网页上传的文件在导入目录中的相对路径")
    preview = models.ForeignKey("self", verbose_name="对应的试导入", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="runs")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    phase = models.CharField("当前步骤", max_length=50, blank=True)
    progress_done = models.PositiveIntegerField("已处理行数", default=0)
    progress_total = models.PositiveIntegerField("总行数（估计）", null=True, blank=True)
    rows = models.PositiveIntegerField("行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("无变化", default=0)
    error_count = models.PositiveIntegerField("错误行数", default=0)
    errors = models.JSONField("错误", default=list, blank=True, help_text="[行号, 列名, 原因]")
    notices = models.JSONField("提示", default=list, blank=True, help_text="[行号, 列名, 说明]")
    message = models.TextField("说明", blank=True)
    task_id = models.CharField("后台任务", max_length=64, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    constants = models.JSONField("整份名单设定", default=dict, blank=True,
                                 help_text="为整个文件设定的列（列键 → 填写的文字），如认定类型、认定时间、来源文件")

    # No sign of life for this long while queued or running: the worker died (killed,
    # restarted). The import wrote nothing (it writes in one transaction), so the file
    # can be imported again. Longer than any write phase, which reports no progress.
    STALE_AFTER = dt.timedelta(minutes=30)

    class Meta:
        verbose_name = verbose_name_plural = "导入记录"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_name} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def interrupted(self) -> bool:
        from django.utils import timezone

        if self.status not in {self.Status.PENDING, self.Status.RUNNING}:
            return False
        return timezone.now() - (self.heartbeat_at or self.started_at or self.created_at) > self.STALE_AFTER

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.REFUSED, self.Status.FAILED} or self.interrupted

    @property
    def status_label(self) -> str:
        return "已中断（未写入）" if self.interrupted else self.get_status_display()

    @property
    def summary_line(self) -> str:
        return (f"import {self.kind}: {self.rows} rows, {self.created} created, "
                f"{self.updated} updated, {self.error_count} errors")


class RegistryStamp(models.Model):
    """One row whose `stamp` the database changes with every write of enterprises,
    recognitions or jurisdictions (triggers, migration 0006), however the write is
    made. What is computed from the whole registry (facets.py: the list's counts) is
    kept per process under the stamp it was computed at. The stamp is a new random
    number each time, not a counter, so that a rolled-back write can never give a
    later write the same stamp."""

    stamp = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "企业库版本"

    @classmethod
    def restamp(cls) -> None:
        cls.objects.update_or_create(pk=1, defaults={"stamp": random.getrandbits(62)})

    @classmethod
    def current(cls) -> int:
        with connection.cursor() as cursor:  # every list page asks: no ORM in the way
            cursor.execute(f"SELECT stamp FROM {cls._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        stamp = row[0] if row else None
        if stamp is None:  # a flushed database (transactional tests): the triggers need the row
            stamp = cls.objects.get_or_create(pk=1, defaults={"stamp": random.getrandbits(62)})[0].stamp
        return stamp
