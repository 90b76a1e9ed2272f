"""Exact money: Decimal yuan at the edges, integer fen inside (ANALYSIS.md D11).

No float ever touches an amount. Rounding is half-up to the fen.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def to_fen(yuan: Decimal) -> int:
    """Yuan with at most two decimals → integer fen (exact)."""
    return int((yuan * 100).to_integral_value())


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


def fmt_yuan(fen: int) -> str:
    """The contract's string form: "100000.00"."""
    return str(fen_to_yuan(fen))


def fmt_cn(fen: int) -> str:
    """Readable form for traces and tables: "100,000.00 元"."""
    return f"{fen_to_yuan(fen):,} 元"


def half_up_fen(value_in_fen: Decimal) -> int:
    """Round a Decimal number of fen half-up to a whole fen."""
    return int(value_in_fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rate_of(amount_fen: int, rate: Decimal) -> int:
    """half-up(rate × amount) in fen, e.g. Art. 6's 1% of the paid-in amount."""
    return half_up_fen(Decimal(amount_fen) * rate)


def split(amount_fen: int, city_share: Decimal) -> tuple[int, int]:
    """(city, local): city = half-up(amount × share), local = the remainder, so the
    parts always add up to the amount exactly (D11)."""
    city = rate_of(amount_fen, city_share)
    return city, amount_fen - city


def pro_rata(total_fen: int, weights: list[int]) -> list[int]:
    """Share `total_fen` in proportion to `weights`: each half-up to the fen, except
    the last, which takes the remainder (facts-format.md, Art. 6 caps). Half-up
    shares can add up to more than the total (five shares of 3 fen are 1 fen each
    rounded): a share never exceeds what the earlier ones left, so no share and no
    remainder is ever negative. Integer arithmetic throughout."""
    whole = sum(weights)
    shares, given = [], 0
    for w in weights[:-1]:
        share = (2 * total_fen * w + whole) // (2 * whole)  # half-up of total × w / whole
        share = min(share, total_fen - given)
        shares.append(share)
        given += share
    return shares + [total_fen - given]


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL = ["", "拾", "佰", "仟"]
_BIG = ["", "万", "亿", "万亿"]


def capital_numerals(fen: int) -> str:
    """Chinese capital numerals as finance documents write them: 人民币壹拾万元整."""
    if fen < 0:
        raise ValueError("negative amount")
    yuan, rest = divmod(fen, 100)
    jiao, f = divmod(rest, 10)
    out = ""
    if yuan:
        groups = []
        n = yuan
        while n:
            groups.append(n % 10000)
            n //= 10000
        zero_pending = False
        for gi in range(len(groups) - 1, -1, -1):
            g = groups[gi]
            if g == 0:
                zero_pending = bool(out)
                continue
            if out and (zero_pending or g < 1000):
                out += "零"
            zero_pending = False
            digits = f"{g:04d}"
            started = False
            inner_zero = False
            for pos, ch in enumerate(digits):
                d = int(ch)
                place = 3 - pos
                if d == 0:
                    inner_zero = started
                    continue
                if inner_zero:
                    out += "零"
                    inner_zero = False
                out += _DIGITS[d] + _SMALL[place]
                started = True
            out += _BIG[gi]
        out += "元"
    if not jiao and not f:
        return "人民币" + (out or "零元") + "整"
    if jiao:
        if yuan % 10 == 0 and yuan:  # 元位是0: 壹拾万柒仟元零伍角 (支付结算办法's example)
            out += "零"
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if f:
        out += _DIGITS[f] + "分"
    else:
        out += "整"
    return "人民币" + out
