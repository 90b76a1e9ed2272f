"""Changes the city admin makes to the policy pack: a parameter's new value or a
reading's new choice, each from an effective date, with a reason. The pack's own
YAML stays as shipped; the engine reads the pack with these changes applied."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PolicyChange(models.Model):
    class Kind(models.TextChoices):
        PARAMETER = "parameter", "参数"
        INTERPRETATION = "interpretation", "解读"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    key = models.CharField("键", max_length=60)
    value = models.CharField("新值", max_length=60, help_text="金额为元（两位小数），比例为小数，日期为 YYYY-MM-DD")
    effective_from = models.DateField("生效日期")
    reason = models.TextField("理由")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name="修改人")
    made_at = models.DateTimeField("修改时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "政策参数与解读变更"
        ordering = ["key", "effective_from", "pk"]

    def __str__(self):
        return f"{self.key} = {self.value}（自 {self.effective_from}）"
