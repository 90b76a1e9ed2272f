"""The site navigation, computed once per request for base.html.

Links are reversed here, not in the template, so that a page still under
construction elsewhere (its URL name not yet registered) is simply left out of
the menu instead of breaking every page with NoReverseMatch."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.urls import NoReverseMatch, reverse

from zjtx.accounts.models import Role, role_of


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


@lru_cache(maxsize=64)  # the menu's URLs do not change while the process runs
def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _section(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.url_name in ("policy-index", "policy-article", "policy-change", "policy-changes"):
        return "policy"
    if match.namespace == "registry" and (match.url_name or "").startswith("enterprise"):
        return "enterprises"
    if match.namespace == "registry" and (match.url_name or "").startswith("import"):
        return "imports"
    if match.url_name in ("workbench", "dashboard", "home"):
        return "workbench"
    if match.namespace == "fulfilment" and (match.url_name or "").startswith("claim"):
        return "claims"
    if match.namespace == "fulfilment":
        return match.url_name or ""
    if match.namespace == "applications":
        return "applications"
    return ""


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    section = _section(request)
    # (section, label, URL names to try, who sees it)
    candidates = []
    if signed_in:
        from zjtx.fulfilment.selectors import may_see_ledger

        role = role_of(user)
        recipient = role in (Role.ENTERPRISE, Role.INVESTOR, Role.OPERATOR)
        candidates = [("workbench", "工作台", ("workbench", "dashboard"), True),
                      ("enterprises", "企业库", ("registry:enterprise-list",), not recipient or role == Role.ENTERPRISE),
                      ("claims", "奖励申领", ("fulfilment:claim-list",), True),
                      ("statement-own", "红利账单", ("fulfilment:statement-own",), recipient),
                      ("applications", "事项申报", ("applications:list",), recipient or role in (Role.CITY_ADMIN, Role.UNIT)),
                      ("ledger", "拨付台账", ("fulfilment:ledger",), may_see_ledger(user)),
                      ("imports", "数据导入", ("registry:import-home",), role == Role.CITY_ADMIN),
                      ("scan", "免申即享扫描", ("fulfilment:scan",), role == Role.CITY_ADMIN),
                      ("audit", "审计记录", ("fulfilment:audit",), role == Role.CITY_ADMIN)]
    candidates.append(("policy", "政策条款", ("policy-index",), True))
    links = []
    for key, label, names, allowed in candidates:
        url = next((u for u in map(_url, names) if u), None) if allowed else None
        if url:
            links.append(NavLink(label, url, key == section))
    account = None
    if signed_in:
        profile = getattr(user, "profile", None)
        full_name = f"{user.last_name}{user.first_name}".strip()
        role_label = profile.get_role_display() if profile else ("系统管理员" if user.is_superuser else "")
        unit = profile.unit_label if profile else ""
        account = {"name": full_name or user.get_username(), "username": user.get_username(),
                   "role": role_label, "unit": unit}
    return {"nav_links": links, "nav_account": account}
