"""Cells as bureaus write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from zjtx.registry.imports import values as v
from zjtx.registry.imports.columns import TIER, heading_key
from zjtx.registry.imports.resolve import JurisdictionIndex
from zjtx.registry.models import Jurisdiction


@pytest.mark.parametrize("cell", [
    "2023-05-01", "2023-5-1", "2023/5/1", "2023/05/01", "2023年5月1日", "2023年05月01日", " 2023-05-01 ",
    "２０２３年５月１日", "2023-05-01 00:00:00", dt.date(2023, 5, 1), dt.datetime(2023, 5, 1, 0, 0),
])
def test_dates_as_bureaus_write_them(cell):
    assert v.date(cell) == dt.date(2023, 5, 1)


@pytest.mark.parametrize("cell, reason", [
    ("23.5.1", "日期格式不正确"), ("2023.5", "日期格式不正确"), ("23/5/1", "日期格式不正确"), ("5/1/2023", "日期格式不正确"),
    ("2023-02-30", "日期不存在"), ("2023年13月1日", "日期不存在"), ("二〇二三年五月一日", "日期格式不正确"),
    (45047, "日期格式不正确"), ("明年", "日期格式不正确"),
])
def test_any_other_date_is_an_error(cell, reason):
    with pytest.raises(v.Bad, match=reason):
        v.date(cell)


@pytest.mark.parametrize("announced, valid_to", [
    ("2023-05-01", "2026-04-30"), ("2023-01-10", "2026-01-09"), ("2022-12-20", "2025-12-19"),
    ("2024-02-29", "2027-02-28"), ("2023-03-01", "2026-02-28"),
])
def test_three_year_validity_counts_the_announcement_day(announced, valid_to):
    assert v.three_years_validity(dt.date.fromisoformat(announced)) == dt.date.fromisoformat(valid_to)


@pytest.mark.parametrize("cell, amount", [
    ("1234567.89", "1234567.89"), (1234567.89, "1234567.89"), (5000000, "5000000.00"), ("1,000,000", "1000000.00"),
    ("100元", "100.00"), ("0", "0.00"), ("１２３.４", "123.40"),
])
def test_money(cell, amount):
    assert v.money(cell) == Decimal(amount)


@pytest.mark.parametrize("cell, reason", [
    ("-1", "不能为负数"), (-0.01, "不能为负数"), ("1.234", "最多保留两位小数"), ("一百万", "格式不正确"),
    ("NaN", "格式不正确"),
])
def test_bad_money(cell, reason):
    with pytest.raises(v.Bad, match=reason):
        v.money(cell)


@pytest.mark.parametrize("cell", [
    '国家级专精特新"小巨人"企业', "国家级专精特新“小巨人”企业", "国家级专精特新‘小巨人’企业", "国家级专精特新小巨人企业",
    " 国家级专精特新 “小巨人” 企业 ", "国家级专精特新＂小巨人＂企业",
])
def test_tier_with_straight_or_curly_quotes(cell):
    assert TIER(cell) == "national"


def test_tier_names_the_allowed_values_when_unknown():
    assert TIER("省级专精特新中小企业") == "provincial"
    with pytest.raises(v.Bad, match="应为：创新型中小企业、市级专精特新中小企业"):
        TIER("专精特新企业")


def test_headings_match_with_full_width_brackets_spaces_and_marks():
    assert heading_key("认缴金额(元)") == heading_key("认缴金额（元）")
    assert heading_key(" *企业名称（必填）") == heading_key("企业名称")


@pytest.mark.django_db
@pytest.mark.parametrize("name, code", [
    ("涧西区", "410305"), ("洛阳市涧西区", "410305"), ("河南省洛阳市涧西区", "410305"), ("新安县", "410323"),
    ("高新区", "410371"), ("洛阳高新区", "410371"), ("瀍河区", "410304"), ("瀍河回族区", "410304"),
    ("伊滨区", "LY-YIBIN"), ("偃师市", "410307"), ("孟津县", "410308"), ("吉利区", "410308"), ("410381", "410307"),
    ("偃师区", "410307"), (" 涧 西 区 ", "410305"),
])
def test_district_names_in_use_and_retired_map_to_todays_jurisdiction(name, code):
    pk = JurisdictionIndex().resolve(name)
    assert Jurisdiction.objects.get(pk=pk).code == code


@pytest.mark.django_db
def test_unknown_district_is_refused():
    with pytest.raises(v.Bad, match="未知的县区“郑州市金水区”"):
        JurisdictionIndex().resolve("郑州市金水区")


def test_credit_code():
    assert v.credit_code(" 91410305ma0exam01l ") == "91410305MA0EXAM01L"
    with pytest.raises(v.Bad, match="校验码不符"):
        v.credit_code("91410305MA0EXAM01X")
    with pytest.raises(v.Bad, match="长度应为18位"):
        v.credit_code("9141030")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXYIOSVZ", min_size=17, max_size=19), st.booleans())
def test_the_fast_credit_code_check_agrees_with_stdnum(body, fix_check_digit):
    if fix_check_digit and len(body) >= 17 and body[:17].isalnum():
        try:
            body = body[:17] + uscc.calc_check_digit(body[:17])
        except ValueError:
            pass
    assert v._uscc_valid(body) == uscc.is_valid(body)
