from decimal import Decimal

import pytest

from zjtx.policy.money import capital_numerals, pro_rata, rate_of, split


def test_rate_rounds_half_up_to_the_fen():
    assert rate_of(123456789, Decimal("0.01")) == 1234568  # 12,345.67.89 → 12,345.68
    assert rate_of(50, Decimal("0.01")) == 1  # 0.5 fen rounds up
    assert rate_of(49, Decimal("0.01")) == 0


def test_split_parts_add_up_exactly():
    assert split(1234567, Decimal("0.5")) == (617284, 617283)
    for amount in (1, 3, 99, 100001, 1234567):
        city, local = split(amount, Decimal("0.5"))
        assert city + local == amount


def test_pro_rata_last_takes_remainder():
    assert pro_rata(100, [1, 1, 1]) == [33, 33, 34]
    assert pro_rata(1000, [300, 700]) == [300, 700]
    assert sum(pro_rata(99999, [7, 11, 13])) == 99999


@pytest.mark.parametrize("fen,words", [
    (10000000, "人民币壹拾万元整"),
    (30000000, "人民币叁拾万元整"),
    (10000100, "人民币壹拾万零壹元整"),
    (1005, "人民币壹拾元零伍分"),
    (12345, "人民币壹佰贰拾叁元肆角伍分"),
    # 支付结算办法's own example writes ¥107,000.53 as 壹拾万柒仟元零伍角叁分: no 零 for an empty 万 place
    (100100000, "人民币壹佰万壹仟元整"),
    (10700053, "人民币壹拾万柒仟元零伍角叁分"),
    (10010000000, "人民币壹亿零壹拾万元整"),
    (123456789, "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    (0, "人民币零元整"),
])
def test_capital_numerals(fen, words):
    assert capital_numerals(fen) == words
