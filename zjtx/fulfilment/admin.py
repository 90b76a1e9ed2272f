"""Read-only admin: money and claims change only through the services."""

from django.contrib import admin

from . import models


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Entitlement)
class EntitlementAdmin(ReadOnly):
    list_display = ["key", "article", "item", "amount", "budget_year", "local_unit"]
    list_filter = ["article", "budget_year"]
    search_fields = ["key", "enterprise__name"]


@admin.register(models.Claim)
class ClaimAdmin(ReadOnly):
    list_display = ["pk", "entitlement", "state", "flagged"]
    list_filter = ["state", "flagged"]


@admin.register(models.Payment)
class PaymentAdmin(ReadOnly):
    list_display = ["pk", "claim", "kind", "part", "amount", "budget_year", "paid_on", "reference"]
    list_filter = ["kind", "part", "budget_year"]


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnly):
    list_display = ["at", "verb", "actor", "summary"]
    list_filter = ["verb"]
