"""Formatting and view models of the policy browser (zjtx.web.selectors)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from zjtx.policy.pack import Parameter, load_pack
from zjtx.web import selectors


@pytest.mark.parametrize(
    ("unit", "value", "expected"),
    [
        ("yuan", Decimal("100000.00"), "100,000 元"),
        ("yuan", Decimal("1000000.00"), "1,000,000 元"),
        ("yuan", Decimal("1234.5"), "1,234.50 元"),
        ("rate", Decimal("0.01"), "1%"),
        ("rate", Decimal("0.125"), "12.5%"),
        ("rate", Decimal("0.10"), "10%"),
        ("date", dt.date(2022, 7, 1), "2022年7月1日"),
        ("date", None, "未规定"),
    ],
)
def test_format_parameter_value(unit, value, expected):
    assert selectors.format_parameter_value(unit, value) == expected


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (Decimal("100000.00"), "10万元"),
        (Decimal("2500000.00"), "250万元"),
        (Decimal("5000"), "0.5万元"),
    ],
)
def test_amount_hint_in_wan(value, hint):
    assert selectors.parameter_hint("yuan", value) == hint


def test_the_value_in_force_follows_the_date():
    pack = load_pack()
    revised = Parameter(
        key="art1_provincial_zjtx",
        article=1,
        label="省级奖励",
        unit="yuan",
        reference="第1条",
        values=((dt.date(2022, 7, 1), Decimal("100000")), (dt.date(2025, 1, 1), Decimal("150000"))),
    )
    pack = dataclasses.replace(pack, parameters={**pack.parameters, revised.key: revised})

    def in_force(as_of):
        page = selectors.article_page(number=1, pack=pack, as_of=as_of)
        (param,) = [p for p in page.article.parameters if p.key == revised.key]
        return [(v.display, v.in_force) for v in param.values]

    assert in_force(dt.date(2024, 12, 31)) == [("100,000 元", True), ("150,000 元", False)]
    assert in_force(dt.date(2025, 1, 1)) == [("100,000 元", False), ("150,000 元", True)]
    assert in_force(dt.date(2022, 6, 30)) == [("100,000 元", False), ("150,000 元", False)]


def test_default_option_comes_first():
    page = selectors.article_page(number=5, pack=load_pack(), as_of=dt.date(2024, 1, 1))
    for interpretation in page.article.interpretations:
        assert interpretation.options[0].is_default
        assert sum(o.is_default for o in interpretation.options) == 1


def test_chapters_keep_document_order():
    overview = selectors.policy_overview(as_of=dt.date(2024, 1, 1))
    flattened = [a.number for c in overview.chapters for a in c.articles]
    assert flattened == list(range(1, 20))
    assert overview.chapters[0].title == "一、加大财税支持力度"
    assert [r.code for r in overview.readings][:3] == ["D3", "D6", "D7"]


def test_unknown_article_gives_none():
    assert selectors.article_page(number=99) is None
