"""Money in templates: 100,000.00 and 人民币壹拾万元整, from Decimal, never float."""

from decimal import Decimal

from django import template

from zjtx.policy.money import capital_numerals, to_fen

register = template.Library()


@register.filter
def yuan(value) -> str:
    if value in (None, ""):
        return ""
    return f"{Decimal(value).quantize(Decimal('0.01')):,}"


@register.filter
def daxie(value) -> str:
    """Chinese capital numerals, as finance documents require; a negative amount
    (a reversal) is written 负 before it."""
    if value in (None, ""):
        return ""
    fen = to_fen(Decimal(value))
    return ("负" if fen < 0 else "") + capital_numerals(abs(fen))
