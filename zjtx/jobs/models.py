"""Long work started from a page — a scan, a policy change's preview — run by the
background worker so that no web request waits on it (gunicorn gives a request
30 s; a scan of 51,000 enterprises took 8–17 s, a preview 21 s). The page polls
the row for its phase and counts, and reads the result from it when it is done."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

# No sign of life for this long and the run is taken as dead (the worker was killed
# or restarted): the page says so and the work can be started again.
STALE_AFTER = dt.timedelta(minutes=30)


class Job(models.Model):
    class Kind(models.TextChoices):
        SCAN = "scan", "免申即享扫描"
        POLICY_PREVIEW = "policy_preview", "政策修改影响预览"

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    params = models.JSONField("参数", default=dict)
    phase = models.CharField("阶段", max_length=30, blank=True)
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", null=True, blank=True)
    result = models.JSONField("结果", default=dict)
    error = models.TextField("错误", blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT,
                                     related_name="jobs")
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "state"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} {self.get_state_display()}"

    @property
    def stale(self) -> bool:
        """Queued or running with no sign of life for STALE_AFTER: the worker is gone."""
        if self.state not in (self.State.QUEUED, self.State.RUNNING):
            return False
        last = self.heartbeat_at or self.started_at or self.created_at
        return timezone.now() - last > STALE_AFTER

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED) or self.stale

    @property
    def state_label(self) -> str:
        return "已中断" if self.stale else self.get_state_display()

    @property
    def percent(self) -> int | None:
        return min(100, 100 * self.done // self.total) if self.total else None
