"""Who may report which fact, and who reviews it: the party itself reports; the
city admin reviews every application, the article's lead 责任单位 (金融局 for
Art. 5 and 6) those of its articles."""

from __future__ import annotations

from zjtx.accounts.models import Role, role_of
from zjtx.policy.pack import load_pack

from .models import Application

KIND_OF_ROLE = {
    Role.INVESTOR: Application.Kind.INVESTMENT,
    Role.OPERATOR: Application.Kind.PLATFORM,
    Role.ENTERPRISE: Application.Kind.LISTING,
}
PARTY_OF_KIND = {
    Application.Kind.INVESTMENT: "investor",
    Application.Kind.PLATFORM: "operator",
    Application.Kind.LISTING: "enterprise",
}


def submittable_kind(user) -> tuple[str | None, str]:
    """The kind of application the user may submit, or None with the reason."""
    role = role_of(user)
    kind = KIND_OF_ROLE.get(role)
    if kind is None:
        return None, "只有投资机构、平台运营机构和企业可以在线申报"
    if getattr(user.profile, f"{PARTY_OF_KIND[kind]}_id") is None:
        return None, "您的账号尚未关联到投资机构、运营机构或企业，请联系市工信局"
    return kind, ""


def lead_unit(kind: str) -> str:
    return load_pack().articles[Application.ARTICLE[kind]].lead_unit


def reviewed_kinds(user) -> list[str]:
    """The kinds the user reviews: all for the city admin, its articles' for a unit."""
    role = role_of(user)
    if role == Role.CITY_ADMIN:
        return list(Application.Kind.values)
    if role == Role.UNIT:
        return [k for k in Application.Kind.values if lead_unit(k) == user.profile.display_unit]
    return []


def is_party(user, app: Application) -> bool:
    profile = getattr(user, "profile", None)
    if profile is None or KIND_OF_ROLE.get(profile.role) != app.kind:
        return False
    field = PARTY_OF_KIND[app.kind]
    return getattr(profile, f"{field}_id") == getattr(app, f"{field}_id")


def may_view(user, app: Application) -> bool:
    return is_party(user, app) or app.kind in reviewed_kinds(user)


def may_decide(user, app: Application) -> tuple[bool, str]:
    """Whether the user reviews this kind; a decided application is the service's
    to refuse (a message, not a refusal)."""
    if app.kind not in reviewed_kinds(user):
        return False, f"该申报由市工信局或{lead_unit(app.kind)}审核"
    return True, ""
