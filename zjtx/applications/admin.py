"""Read-only: applications change only through the services (submit, accept, reject)."""

from django.contrib import admin

from zjtx.fulfilment.admin import ReadOnly

from .models import Application, Attachment


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(ReadOnly):
    list_display = ["pk", "kind", "state", "applicant", "submitted_at", "decided_by", "registry_ref"]
    list_filter = ["kind", "state"]
    inlines = [AttachmentInline]
