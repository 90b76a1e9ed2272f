"""`unread_notifications` for every template (the nav's badge). Lazy, so a page
that never shows it costs no query."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
