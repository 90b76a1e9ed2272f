"""Who a user is on the platform: one role, and the scope that role is limited to
(a jurisdiction, a responsible unit, or the user's own enterprise, investor or
operator). Every page, export and API call asks this, on the server."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", "市工信局管理员"
    UNIT = "unit", "责任单位"
    FINANCE_CITY = "finance_city", "市财政局"
    LOCAL = "local", "县区（管委会）"
    FINANCE_LOCAL = "finance_local", "县区财政局"
    COMMISSIONER = "commissioner", "服务专员"
    ENTERPRISE = "enterprise", "企业"
    INVESTOR = "investor", "投资机构"
    OPERATOR = "operator", "平台运营机构"


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    display_unit = models.CharField("单位", max_length=100, blank=True,
                                    help_text="责任单位的名称，如 市金融局；与政策原文的责任单位一致")
    jurisdiction = models.ForeignKey("registry.Jurisdiction", verbose_name="所辖县区", null=True, blank=True,
                                     on_delete=models.PROTECT)
    enterprise = models.ForeignKey("registry.Enterprise", verbose_name="企业", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="users")
    investor = models.ForeignKey("registry.Investor", verbose_name="投资机构", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="users")
    operator = models.ForeignKey("registry.ServiceOperator", verbose_name="平台运营机构", null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="users")

    class Meta:
        verbose_name = verbose_name_plural = "用户角色"

    @property
    def unit_label(self) -> str:
        """Whom the user speaks for, for the page header: its unit, else its
        jurisdiction, enterprise, investor or operator."""
        if self.display_unit:
            return self.display_unit
        for related in ("jurisdiction", "enterprise", "investor", "operator"):
            if getattr(self, f"{related}_id"):
                return getattr(self, related).name
        return ""

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


def role_of(user) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    profile = getattr(user, "profile", None)
    if profile is not None:
        return profile.role
    return Role.CITY_ADMIN if user.is_superuser else None
