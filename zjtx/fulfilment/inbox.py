"""The user's in-app notifications: marking them read is the only write. It lives
here, not in services.py, because it changes nothing of a claim or of money and
needs no audit event."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from .models import Notification


def do_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all when `ids` is None); another
    user's ids are ignored, not refused, so nothing about them is revealed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
