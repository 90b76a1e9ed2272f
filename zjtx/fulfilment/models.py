"""Fulfilment: what the engine found due (entitlements), the claims that carry it
through review, and the ledger of payments.

Money is never edited or deleted: a correction is a reversing ledger line; the
ledger balances to the sum of its lines. The database, not only the code, refuses
to pay one once-only item twice (see Payment's constraint).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from zjtx.registry.models import Enterprise, Investor, Jurisdiction, ServiceOperator

PARTS = ("city", "district", "county", "zone")
PART_LABELS = {"city": "市级", "district": "区级", "county": "县级", "zone": "开发区"}


class Entitlement(models.Model):
    """A reward line the engine found (免申即享), keyed by what triggered it so that
    every scan finds the same row again. The computed values are the first ones;
    a later scan that disagrees records a Revision and flags the claim."""

    key = models.CharField("标识", max_length=100, unique=True,
                           help_text="事项 + 触发事实，如 art1_provincial_zjtx:R12")
    once_key = models.CharField("一次性事项标识", max_length=120, db_index=True,
                                help_text="同一受奖主体的同一一次性事项共用此标识，用于防止重复拨付")
    article = models.PositiveSmallIntegerField("条款")
    item = models.CharField("事项", max_length=60)
    honour = models.CharField("荣誉", max_length=30, blank=True)
    event_ref = models.CharField("触发事实", max_length=20)
    enterprise = models.ForeignKey(Enterprise, verbose_name="受奖企业/被投资企业", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="entitlements")
    investor = models.ForeignKey(Investor, verbose_name="受奖投资机构", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="entitlements")
    operator = models.ForeignKey(ServiceOperator, verbose_name="受奖运营机构", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="entitlements")
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    city_part = models.DecimalField("市级承担", max_digits=14, decimal_places=2, default=Decimal("0"))
    district_part = models.DecimalField("区级承担", max_digits=14, decimal_places=2, default=Decimal("0"))
    county_part = models.DecimalField("县级承担", max_digits=14, decimal_places=2, default=Decimal("0"))
    zone_part = models.DecimalField("开发区承担", max_digits=14, decimal_places=2, default=Decimal("0"))
    local_unit = models.ForeignKey(Jurisdiction, verbose_name="地方承担单位", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="entitlements")
    budget_year = models.PositiveSmallIntegerField("归属年度")
    raw_amount = models.DecimalField("封顶前金额", max_digits=14, decimal_places=2, null=True, blank=True)
    capped_by = models.CharField("封顶", max_length=20, blank=True)
    trace = models.JSONField("计算过程", default=list)
    found_at = models.DateTimeField("发现时间", auto_now_add=True)
    last_scan_at = models.DateTimeField("最近一次扫描", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "应享奖励"
        ordering = ["-found_at"]

    def __str__(self):
        return f"{self.key} {self.amount}"

    @property
    def payee(self):
        return self.enterprise if self.investor_id is None and self.operator_id is None else (
            self.investor or self.operator)

    def get_item_label(self) -> str:
        from zjtx.policy.pack import load_pack

        label = load_pack().items[self.item]["label"]
        return f"{label}（{self.get_honour_label()}）" if self.honour else label

    def get_honour_label(self) -> str:
        from zjtx.policy.rules.art17 import HONOUR_NAMES

        return HONOUR_NAMES.get(self.honour, self.honour)

    def part(self, name: str) -> Decimal:
        return getattr(self, f"{name}_part")

    def parts(self) -> dict[str, Decimal]:
        return {p: self.part(p) for p in PARTS if self.part(p)}


class Revision(models.Model):
    """A scan that found an entitlement changed or gone: the difference, kept for a
    reviewer to decide; nothing is overwritten."""

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="revisions")
    found_at = models.DateTimeField("发现时间", auto_now_add=True)
    old_amount = models.DecimalField("原金额", max_digits=14, decimal_places=2)
    new_amount = models.DecimalField("新金额", max_digits=14, decimal_places=2)
    reason = models.CharField("原因代码", max_length=40, blank=True, help_text="不再成立时的原因代码")
    message = models.TextField("说明", blank=True)
    new_parts = models.JSONField("新的分担", default=dict)
    new_local_unit = models.ForeignKey(Jurisdiction, verbose_name="新的地方承担单位", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    new_event_ref = models.CharField("新的触发事实", max_length=20, blank=True,
                                     help_text="同一一次性事项改由另一条事实触发（如重新导入的认定）")
    trace = models.JSONField("计算过程", default=list)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = verbose_name_plural = "扫描差异"
        ordering = ["-found_at"]

    @property
    def difference(self) -> Decimal:
        return self.new_amount - self.old_amount


class ClaimState(models.TextChoices):
    PENDING_CONFIRMATION = "pending_confirmation", "待确认"
    LOCAL_REVIEW = "local_review", "县区初审"
    UNIT_REVIEW = "unit_review", "责任单位审核"
    FINANCE_REVIEW = "finance_review", "财政审核"
    APPROVED = "approved", "待拨付"
    PARTIALLY_PAID = "partially_paid", "部分拨付"
    PAID = "paid", "已拨付"
    RETURNED = "returned", "退回补正"
    REJECTED = "rejected", "驳回"


REVIEW_STATES = [ClaimState.LOCAL_REVIEW, ClaimState.UNIT_REVIEW, ClaimState.FINANCE_REVIEW]


class Claim(FSMModelMixin, models.Model):
    """One entitlement on its way to payment. State changes only through the
    transitions below, called from services.py (which checks who may act)."""

    entitlement = models.OneToOneField(Entitlement, on_delete=models.PROTECT, related_name="claim")
    state = FSMField("状态", default=ClaimState.PENDING_CONFIRMATION, choices=ClaimState.choices,
                     protected=True)
    willing = models.BooleanField("意愿确认", default=False)
    bank_name = models.CharField("开户银行", max_length=100, blank=True)
    bank_account = models.CharField("银行账号", max_length=40, blank=True)
    account_name = models.CharField("账户名称", max_length=200, blank=True)
    flagged = models.BooleanField("待复核差异", default=False,
                                  help_text="扫描发现事实变化导致金额或资格改变，需人工复核")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "奖励申领"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state"])]

    def __str__(self):
        return f"申领 {self.pk} {self.get_state_display()}"

    @transition(field=state, source=[ClaimState.PENDING_CONFIRMATION, ClaimState.RETURNED],
                target=ClaimState.LOCAL_REVIEW)
    def confirm(self):
        """意愿确认: the recipient confirms and gives its bank account."""

    @transition(field=state, source=ClaimState.LOCAL_REVIEW, target=ClaimState.UNIT_REVIEW)
    def pass_local_review(self):
        """县区初审通过."""

    @transition(field=state, source=ClaimState.UNIT_REVIEW, target=ClaimState.FINANCE_REVIEW)
    def pass_unit_review(self):
        """责任单位审核通过."""

    @transition(field=state, source=ClaimState.FINANCE_REVIEW, target=ClaimState.APPROVED)
    def pass_finance_review(self):
        """财政审核通过: each payer may now record its part."""

    @transition(field=state, source=[ClaimState.APPROVED, ClaimState.PARTIALLY_PAID, ClaimState.PAID],
                target=RETURN_VALUE(ClaimState.APPROVED, ClaimState.PARTIALLY_PAID, ClaimState.PAID))
    def settle(self, *, parts_due: int, parts_paid: int):
        """After a payment or a reversal: 已拨付 when every part of the split is paid,
        部分拨付 while some are, 待拨付 when none is."""
        if parts_paid == 0:
            return ClaimState.APPROVED
        return ClaimState.PAID if parts_paid >= parts_due else ClaimState.PARTIALLY_PAID

    @transition(field=state, source=REVIEW_STATES, target=ClaimState.RETURNED)
    def return_for_correction(self):
        """退回补正: back to the recipient."""

    @transition(field=state, source=REVIEW_STATES, target=ClaimState.REJECTED)
    def reject(self):
        """驳回, with a reason."""

    @transition(field=state, source=[ClaimState.PENDING_CONFIRMATION, ClaimState.RETURNED, *REVIEW_STATES,
                                     ClaimState.APPROVED], target=ClaimState.REJECTED)
    def void(self):
        """The entitlement no longer holds (a scan's difference, accepted): nothing is due."""


class ClaimStep(models.Model):
    """Who did what to a claim, when, with what comment."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="steps")
    action = models.CharField("操作", max_length=40)
    from_state = models.CharField("原状态", max_length=30)
    to_state = models.CharField("新状态", max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claim_steps")
    at = models.DateTimeField("时间", auto_now_add=True)
    comment = models.TextField("意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审核记录"
        ordering = ["at", "pk"]


class Payment(models.Model):
    """A ledger line: one payer's part of one claim, or the reversal of such a line.

    `generation` counts the reversals of the same once-only item and part before this
    payment; the unique constraint on (once_key, part, generation) over payment lines
    makes two simultaneous payments of one item collide in the database, while a
    payment reversed in error can be paid again (in the next generation). Lines are
    only ever added."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", "拨付"
        REVERSAL = "reversal", "冲正"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.PAYMENT)
    once_key = models.CharField("一次性事项标识", max_length=120)
    part = models.CharField("承担层级", max_length=10, choices=[(p, PART_LABELS[p]) for p in PARTS])
    payer = models.ForeignKey(Jurisdiction, verbose_name="承担单位（空为市财政）", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="payments")
    generation = models.PositiveIntegerField("代次", null=True, blank=True)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    budget_year = models.PositiveSmallIntegerField("预算年度")
    paid_on = models.DateField("拨付日期")
    reference = models.CharField("凭证号", max_length=60)
    reverses = models.OneToOneField("self", verbose_name="冲正的拨付", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversed_by")
    reason = models.TextField("冲正原因", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    recorded_at = models.DateTimeField("记账时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "拨付台账"
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["once_key", "part", "generation"],
                                    condition=models.Q(kind="payment"), name="payment_once_per_generation"),
            models.CheckConstraint(
                condition=(models.Q(kind="payment", amount__gt=0, reverses__isnull=True, generation__isnull=False)
                           | models.Q(kind="reversal", amount__lt=0, reverses__isnull=False,
                                      generation__isnull=True)),
                name="payment_sign_matches_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.reference}"


class OncePaid(models.Model):
    """What one once-only item (once_key) has been paid, over every claim and part:
    one row, locked by each payment and reversal of the item. Its live payments
    come from one claim at a time (`claim`), and the database refuses a total above
    that claim's amount. A second claim for the same item (a recognition
    re-imported under a new record, say) can only be paid once the first one's
    payments are all reversed."""

    once_key = models.CharField("一次性事项标识", max_length=120, unique=True)
    claim = models.ForeignKey(Claim, verbose_name="拨付所在申领", on_delete=models.PROTECT, related_name="+")
    limit = models.DecimalField("应拨付金额上限", max_digits=14, decimal_places=2)
    paid = models.DecimalField("已拨付（未冲正）", max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = verbose_name_plural = "一次性事项拨付额"
        constraints = [
            models.CheckConstraint(condition=models.Q(paid__gte=0, paid__lte=models.F("limit")),
                                   name="once_paid_within_limit"),
        ]

    def __str__(self):
        return f"{self.once_key} {self.paid}/{self.limit}"


class AuditEvent(models.Model):
    """A domain event, written by the same transaction as the change it records."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    verb = models.CharField("事件", max_length=40, db_index=True)
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="audit")
    entitlement = models.ForeignKey(Entitlement, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="audit")
    summary = models.CharField("摘要", max_length=300)
    data = models.JSONField("数据", default=dict)

    class Meta:
        verbose_name = verbose_name_plural = "审计记录"
        ordering = ["-at", "-pk"]


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.CASCADE)
    message = models.CharField("消息", max_length=300)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站内通知"
        ordering = ["-created_at"]
