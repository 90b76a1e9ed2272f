"""Who may take which step of a claim: one answer per role and jurisdiction.

`can(user, action, claim, part=None) -> (bool, reason)`; the services call it
before every change and the pages call it to show only the buttons that work.
"""

from __future__ import annotations

from zjtx.accounts.models import Role, role_of
from zjtx.policy.pack import load_pack

from .models import Claim, ClaimState, Entitlement

CONFIRM = "confirm"
APPROVE, RETURN, REJECT = "approve", "return", "reject"
PAY, REVERSE = "pay", "reverse"
RESOLVE = "resolve_revision"
VIEW = "view"

STEP_OF_STATE = {
    ClaimState.LOCAL_REVIEW: "县区初审",
    ClaimState.UNIT_REVIEW: "责任单位审核",
    ClaimState.FINANCE_REVIEW: "财政审核",
}


def review_jurisdiction(ent: Entitlement) -> int | None:
    """The jurisdiction whose 县区初审 a claim needs: the one that funds it, or, when
    the city pays all, the fiscal home of the enterprise concerned (for Art. 6 the
    investee, wherever the investor sits; for Art. 17 the operator)."""
    if ent.local_unit_id:
        return ent.local_unit_id
    home = ent.operator.fiscal_home if ent.operator_id else ent.enterprise.fiscal_home
    return home.current.pk


def lead_unit(ent: Entitlement) -> str:
    """The article's lead 责任单位 (工信局 for Art. 1 and 17, 金融局 for Art. 5 and 6)."""
    return load_pack().articles[ent.article].lead_unit


def is_recipient(user, ent: Entitlement) -> bool:
    profile = getattr(user, "profile", None)
    if profile is None:
        return False
    role = profile.role
    if ent.investor_id:
        return role == Role.INVESTOR and profile.investor_id == ent.investor_id
    if ent.operator_id:
        return role == Role.OPERATOR and profile.operator_id == ent.operator_id
    return role == Role.ENTERPRISE and profile.enterprise_id == ent.enterprise_id


def _local_match(user, jurisdiction_pk: int | None) -> bool:
    from zjtx.accounts.scope import jurisdictions_of

    return jurisdiction_pk is not None and jurisdiction_pk in jurisdictions_of(user)


def _may_review(user, claim: Claim) -> tuple[bool, str]:
    ent = claim.entitlement
    role = role_of(user)
    if claim.state == ClaimState.LOCAL_REVIEW:
        ok = role == Role.LOCAL and _local_match(user, review_jurisdiction(ent))
        return ok, "" if ok else "县区初审由承担资金的县区（管委会）办理"
    if claim.state == ClaimState.UNIT_REVIEW:
        unit = lead_unit(ent)
        ok = (role == Role.UNIT and user.profile.display_unit == unit) or (
            role == Role.CITY_ADMIN and unit == "市工信局")
        return ok, "" if ok else f"责任单位审核由牵头单位{unit}办理"
    if claim.state == ClaimState.FINANCE_REVIEW:
        if ent.city_part > 0:
            ok = role == Role.FINANCE_CITY
            return ok, "" if ok else "财政审核由市财政局办理"
        ok = role == Role.FINANCE_LOCAL and _local_match(user, ent.local_unit_id)
        return ok, "" if ok else "财政审核由承担资金的县区财政局办理"
    return False, "该申领当前不在审核环节"


def may_pay_part(user, ent: Entitlement, part: str) -> tuple[bool, str]:
    """Each payer pays its own part: the city finance bureau the city part, the
    district, county or zone finance bureau its local part."""
    role = role_of(user)
    if part == "city":
        ok = role == Role.FINANCE_CITY
        return ok, "" if ok else "市级部分由市财政局拨付"
    ok = role == Role.FINANCE_LOCAL and _local_match(user, ent.local_unit_id)
    return ok, "" if ok else "地方承担部分由承担资金的县区财政局拨付"


# Who reads the claims of a jurisdiction: its officials, its finance bureau and its
# service commissioners (Art. 18: they follow up the enterprises; they take no step).
LOCAL_READERS = (Role.LOCAL, Role.FINANCE_LOCAL, Role.COMMISSIONER)


def _may_view(user, ent: Entitlement) -> bool:
    from zjtx.accounts.scope import CITY_WIDE

    role = role_of(user)
    if role == Role.UNIT:  # a responsible unit: the articles it answers for
        return user.profile.display_unit in load_pack().articles[ent.article].units
    if role in CITY_WIDE:
        return True
    if role in LOCAL_READERS:
        return _local_match(user, review_jurisdiction(ent))
    return is_recipient(user, ent)


def can(user, action: str, claim: Claim, part: str | None = None) -> tuple[bool, str]:
    if not getattr(user, "is_authenticated", False):
        return False, "请先登录"
    ent = claim.entitlement
    if action == VIEW:
        ok = _may_view(user, ent)
        return ok, "" if ok else "无权查看该申领"
    if action == CONFIRM:
        if claim.state not in (ClaimState.PENDING_CONFIRMATION, ClaimState.RETURNED):
            return False, "该申领当前不需要确认"
        ok = is_recipient(user, ent)
        return ok, "" if ok else "只有受奖主体本身可以确认意愿和账户"
    if action in (APPROVE, RETURN, REJECT):
        if action == APPROVE and claim.flagged:
            return False, "扫描发现差异尚未处理，不能审核通过"
        return _may_review(user, claim)
    if action in (PAY, REVERSE):
        if claim.state not in (ClaimState.APPROVED, ClaimState.PARTIALLY_PAID, ClaimState.PAID):
            return False, "财政审核通过后才能拨付"
        if action == PAY and claim.flagged:
            return False, "扫描发现差异尚未处理，不能拨付"
        if action == PAY and claim.steps.filter(actor=user, action=APPROVE).exists():
            return False, "审核过该申领的人员不能同时办理拨付"
        return may_pay_part(user, ent, part or "city")
    if action == RESOLVE:
        ok = role_of(user) == Role.CITY_ADMIN
        return ok, "" if ok else "扫描差异由市工信局处理"
    return False, f"未知操作 {action}"
