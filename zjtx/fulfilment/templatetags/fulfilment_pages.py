"""Labels for the fulfilment pages: codes stored in steps and audit events, in Chinese."""

from __future__ import annotations

from django import template

from ..forms import VERB_LABELS
from ..models import PART_LABELS, ClaimState
from ..selectors import person as person_label

register = template.Library()

STEP_LABELS = {
    "confirm": "确认意愿和账户",
    "approve": "审核通过",
    "return": "退回补正",
    "reject": "驳回",
    "pay": "拨付",
    "reverse": "冲正",
    "resolve_revision": "处理扫描差异",
}
STATE_LABELS = dict(ClaimState.choices)


@register.filter
def person(user) -> str:
    return person_label(user)


@register.filter
def step_label(code: str) -> str:
    return STEP_LABELS.get(code, code)


@register.filter
def state_label(code: str) -> str:
    return STATE_LABELS.get(code, code)


@register.filter
def verb_label(code: str) -> str:
    return VERB_LABELS.get(code, code)


@register.filter
def part_label(code: str) -> str:
    return PART_LABELS.get(code, code)
