"""Applications: the facts a party reports because the registry cannot know them
without it (issue 4) — an investor's paid-in tranche (Art. 6), an operator's
platform recognition (Art. 17), an enterprise's listing node (Art. 5) — with the
evidence. An accepted application becomes one registry row, and from there the
same engine and the same claims as every other fact; the application itself
never pays anything.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from zjtx.registry.models import Enterprise, Investor, ServiceOperator


class Application(FSMModelMixin, models.Model):
    class Kind(models.TextChoices):
        INVESTMENT = "investment", "股权投资（第6条）"
        PLATFORM = "platform", "平台（基地）认定（第17条）"
        LISTING = "listing", "上市挂牌进程（第5条）"

    class State(models.TextChoices):
        SUBMITTED = "submitted", "待审核"
        ACCEPTED = "accepted", "已采纳"
        REJECTED = "rejected", "未采纳"

    ARTICLE = {Kind.INVESTMENT: 6, Kind.PLATFORM: 17, Kind.LISTING: 5}

    kind = models.CharField("申报类型", max_length=12, choices=Kind.choices)
    state = FSMField("状态", default=State.SUBMITTED, choices=State.choices, protected=True)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申报人", on_delete=models.PROTECT,
                                  related_name="applications")
    # The party that reports (investor, operator, enterprise) and the one concerned:
    # for an investment the investee (or, for a fund set-up, the fund).
    investor = models.ForeignKey(Investor, verbose_name="投资机构", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="applications")
    operator = models.ForeignKey(ServiceOperator, verbose_name="平台运营机构", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(Enterprise, verbose_name="企业（被投资企业）", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="applications")
    fund = models.ForeignKey(Investor, verbose_name="出资设立的基金", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    data = models.JSONField("申报内容", default=dict,
                            help_text="申报表的字段，日期为 ISO 格式，金额为字符串（元，两位小数）")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_comment = models.TextField("审核意见", blank=True)
    registry_ref = models.CharField("企业库记录", max_length=20, blank=True,
                                    help_text="采纳后写入企业库的事实编号（如 V12），即应享奖励的触发事实")

    class Meta:
        verbose_name = verbose_name_plural = "申报"
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["state", "kind"])]

    def __str__(self):
        return f"申报 {self.pk} {self.get_kind_display()} {self.get_state_display()}"

    @property
    def article(self) -> int:
        return self.ARTICLE[self.kind]

    @property
    def party(self):
        return self.investor or self.operator or self.enterprise

    @transition(field=state, source=State.SUBMITTED, target=State.ACCEPTED)
    def accept(self):
        """采纳: the fact is written to the registry (services.do_accept_application)."""

    @transition(field=state, source=State.SUBMITTED, target=State.REJECTED)
    def reject(self):
        """不予采纳, with a reason."""


def _evidence_path(instance: Attachment, filename: str) -> str:
    """A random name: nothing the uploader typed becomes a path on the server."""
    suffix = PurePath(filename).suffix.lower()
    return f"applications/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """One evidence file. Stored under MEDIA_ROOT and served only through the
    scope-checked view, never as a public static file; never deleted."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField("文件", upload_to=_evidence_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "证明材料"
        ordering = ["pk"]

    def __str__(self):
        return self.original_name
