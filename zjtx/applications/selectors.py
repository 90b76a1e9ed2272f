"""Which applications a user sees: its own party's, and those of the kinds it reviews."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from zjtx.fulfilment.selectors import claims_visible_to

from . import permissions as perms
from .models import Application


def applications_visible_to(user) -> QuerySet[Application]:
    qs = Application.objects.select_related("applicant", "investor", "operator", "enterprise", "fund",
                                            "decided_by")
    q = Q(kind__in=perms.reviewed_kinds(user))
    profile = getattr(user, "profile", None)
    kind = perms.KIND_OF_ROLE.get(getattr(profile, "role", None))
    if kind is not None:
        field = perms.PARTY_OF_KIND[kind]
        party_id = getattr(profile, f"{field}_id")
        if party_id is not None:
            q |= Q(kind=kind, **{f"{field}_id": party_id})
    return qs.filter(q)


def application_queue(*, user, state: str = "", kind: str = "") -> QuerySet[Application]:
    """Submitted ones first (those wait for someone), newest first within each."""
    qs = applications_visible_to(user)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    waiting = Case(When(state=Application.State.SUBMITTED, then=Value(0)), default=Value(1),
                   output_field=IntegerField())
    return qs.annotate(waiting=waiting).order_by("waiting", "-submitted_at", "-pk")


def claims_of(*, user, application: Application):
    """The claims the scan found for the accepted fact, as far as the user sees them."""
    if not application.registry_ref:
        return claims_visible_to(user).none()
    return claims_visible_to(user).filter(entitlement__event_ref=application.registry_ref)
