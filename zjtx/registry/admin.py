from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models


@admin.register(models.Jurisdiction)
class JurisdictionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "funding", "parent", "successor", "valid_to"]
    list_filter = ["kind", "funding"]
    search_fields = ["code", "name", "alt_names"]


class RecognitionInline(admin.TabularInline):
    model = models.Recognition
    extra = 0


class MilestoneInline(admin.TabularInline):
    model = models.ListingMilestone
    extra = 0


@admin.register(models.Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ["name", "uscc", "fiscal_home", "industry", "size", "listed"]
    list_filter = ["fiscal_home", "size", "listed", "neeq_layer"]
    search_fields = ["name", "uscc"]
    inlines = [RecognitionInline, MilestoneInline]


@admin.register(models.Recognition)
class RecognitionAdmin(SimpleHistoryAdmin):
    list_display = ["enterprise", "tier", "kind", "batch", "announced_on", "valid_to"]
    list_filter = ["tier", "kind"]
    search_fields = ["enterprise__name", "enterprise__uscc", "batch"]
    raw_id_fields = ["enterprise"]


@admin.register(models.ListingMilestone)
class ListingMilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["enterprise", "kind", "path", "node", "action", "board", "date"]
    list_filter = ["kind", "path"]
    search_fields = ["enterprise__name", "enterprise__uscc"]
    raw_id_fields = ["enterprise"]


@admin.register(models.Investor)
class InvestorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "uscc", "amac_code"]
    search_fields = ["name", "uscc"]


@admin.register(models.Investment)
class InvestmentAdmin(SimpleHistoryAdmin):
    list_display = ["investor", "investee", "fund", "round", "tranche", "paid_in", "paid_in_date"]
    list_filter = ["vehicle"]
    search_fields = ["investor__name", "investee__name"]
    raw_id_fields = ["investor", "investee", "fund"]


@admin.register(models.ServiceOperator)
class ServiceOperatorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "uscc", "fiscal_home"]
    search_fields = ["name", "uscc"]


@admin.register(models.PlatformRecognition)
class PlatformRecognitionAdmin(SimpleHistoryAdmin):
    list_display = ["platform_name", "operator", "honour", "level", "kind", "recognized_on"]
    list_filter = ["honour", "level", "kind"]
