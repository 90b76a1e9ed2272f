from django.contrib import admin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "display_unit", "jurisdiction", "enterprise"]
    list_filter = ["role", "jurisdiction"]
    raw_id_fields = ["user", "enterprise", "investor", "operator"]
