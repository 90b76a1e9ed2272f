"""What a user may see, answered once for every page, export and search.

A district or county official sees only enterprises whose fiscal home is (or was,
for a retired code) its jurisdiction or a county-run zone under it; an enterprise
sees only itself; the city's offices see the whole registry. Everything that lists
or opens enterprises goes through `enterprises_visible_to`."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from zjtx.registry.models import Enterprise, Jurisdiction

from .models import Role, role_of

CITY_WIDE = {Role.CITY_ADMIN, Role.UNIT, Role.FINANCE_CITY}
LOCAL = {Role.LOCAL, Role.FINANCE_LOCAL, Role.COMMISSIONER}


def jurisdictions_of(user) -> list[int]:
    """The jurisdiction pks a local user answers for: its own, the retired codes that
    became it, and the county-run zones under it."""
    profile = getattr(user, "profile", None)
    if profile is None or profile.jurisdiction_id is None:
        return []
    own = profile.jurisdiction_id
    # Asked several times a page; kept on the profile, which lives as long as the request's user.
    kept = getattr(profile, "_jurisdictions", None)
    if kept is None or kept[0] != own:
        kept = (own, list(Jurisdiction.objects.filter(Q(pk=own) | Q(successor_id=own) | Q(parent_id=own))
                          .values_list("pk", flat=True)))
        profile._jurisdictions = kept
    return list(kept[1])


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    role = role_of(user)
    qs = Enterprise.objects.all()
    if role in CITY_WIDE:
        return qs
    if role in LOCAL:
        return qs.filter(fiscal_home__in=jurisdictions_of(user))
    if role == Role.ENTERPRISE and user.profile.enterprise_id:
        return qs.filter(pk=user.profile.enterprise_id)
    if role == Role.INVESTOR and user.profile.investor_id:
        return qs.filter(investments_received__investor_id=user.profile.investor_id).distinct()
    return qs.none()


def is_city_admin(user) -> bool:
    return role_of(user) == Role.CITY_ADMIN
