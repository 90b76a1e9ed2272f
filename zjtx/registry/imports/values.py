"""Cell values as bureaus write them, turned into Python values or refused with a
reason in Chinese. Every parser takes one cell (str, number, date or None, as
csv or openpyxl gives it) and returns a value or raises `Bad(reason)`; a blank
cell is handled by the caller (required or not), never by a parser."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ..uscc import clean_uscc, uscc_error


class Bad(ValueError):
    """A cell that cannot be read; the message is the reason shown to the user."""


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- invisible characters -------------------------------------------------------------
# PostgreSQL refuses NUL in text; an xlsx cannot hold the other C0 controls, and
# openpyxl refuses to write them, so one in the registry breaks every later export;
# U+FFFE/U+FFFF and lone surrogates are not XML either. Free text may hold a tab or
# a line break (text() reads them as a space). A name or a code holds none of
# these, nor a format character (zero-width space, soft hyphen, direction marks,
# BOM) or a line/paragraph separator: each makes one enterprise look like two.
# Written out for speed; tests/registry/imports/test_invisible_characters.py checks
# it against the Unicode database (categories Cc, Cf, Cs, Zl, Zp and noncharacters).
TEXT_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
IDENTIFIER_REFUSED = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\ufffe-\uffff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]")
_INVISIBLE_NAMES = {0x00: "空字符", 0x09: "制表符", 0x0A: "换行符", 0x0D: "回车符（换行）", 0xAD: "软连字符",
                    0x200B: "零宽空格", 0x200C: "零宽连接符", 0x200D: "零宽连接符", 0xFEFF: "零宽不换行空格（BOM）",
                    0x2028: "行分隔符", 0x2029: "段落分隔符", 0xFFFE: "非字符", 0xFFFF: "非字符"}


def invisible(value: str, *, identifier: bool) -> str | None:
    """Why a cell's text is refused for an invisible character, or None."""
    m = (IDENTIFIER_REFUSED if identifier else TEXT_REFUSED).search(value)
    if m is None:
        return None
    cp = ord(m[0])
    if cp in _INVISIBLE_NAMES:
        label = _INVISIBLE_NAMES[cp]
    elif 0x200E <= cp <= 0x200F or 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069:
        label = "文字方向控制符"
    elif 0xD800 <= cp <= 0xDFFF:
        label = "代理码位"
    elif unicodedata.category(m[0]) == "Cf":
        label = "格式字符"
    else:
        label = ""
    what = f"含有不可见的控制字符（{label}，U+{cp:04X}）" if label else f"含有不可见的控制字符（U+{cp:04X}）"
    if identifier and cp in (0x09, 0x0A, 0x0D):
        return f"{what}，请删除后再导入（名称和代码中不能换行或含制表符，常见于单元格内按了 Alt+Enter）"
    return f"{what}，请删除后再导入（常见于从网页或其他系统复制的内容）"


def visible(value) -> str:
    """Text from a file (a heading, a sheet's or the file's name) as it may be stored
    and shown: each invisible character written as [U+XXXX]."""
    return IDENTIFIER_REFUSED.sub(lambda m: f"[U+{ord(m[0]):04X}]", str(value))


def text(value, *, max_length: int | None = None) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number or code typed into a number cell
    elif isinstance(value, dt.datetime):
        value = value.date()
    out = " ".join(str(value).split())
    if max_length and len(out) > max_length:
        raise Bad(f"超过{max_length}个字符")
    return out


def fold(value) -> str:
    """A choice as typed, for comparison: full-width folded, quotes and spaces dropped."""
    out = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"[\s\"'“”‘’「」『』]", "", out)


# --- credit codes -------------------------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 32100: the registering authority and the kind of body (a digit or a letter, e.g.
# Y1 for 个体工商户-style codes, 81 for 工会), six digits of the division, nine of the
# organisation code and the check character.
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－_]")


def _uscc_valid(code: str) -> bool:
    """GB 32100's check, as stdnum.cn.uscc.validate does it, without its per-call
    overhead: a 100,000-row list checks 100,000 codes."""
    if not _USCC_SHAPE.fullmatch(code):
        return False
    total = sum(_USCC_VALUE[c] * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return code[17] == _USCC_ALPHABET[(31 - total) % 31]


def credit_code(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _numeric_credit_code(value)
    raw = clean_uscc(text(value))
    code = _SEPARATORS.sub("", raw)  # typed in groups: 91410305-MA0…, 9141 0305 …
    if _uscc_valid(code):
        return code
    reason = uscc_error(code) or "不符合 GB 32100 的编码规则"  # stdnum names the reason
    raise Bad(f"统一社会信用代码无效：{text(value)}，{reason}")


def _numeric_credit_code(value: int | float) -> str:
    """An all-digit code kept in a number cell. Excel keeps 15 significant digits, so
    an 18-digit code loses its last ones there; a number that still has all 18
    digits (and passes the check) is the code."""
    digits = str(int(value)) if float(value).is_integer() else repr(value)
    if len(digits) == 18 and _uscc_valid(digits) and (isinstance(value, int) or float(digits) == value):
        return digits
    raise Bad(f"统一社会信用代码所在单元格是数字格式（读到 {digits}）：Excel 只保留 15 位有效数字，"
              "18 位代码的末几位已经丢失。请把该列设为“文本”格式后重新填写代码")


# --- dates ----------------------------------------------------------------------------

# The forms the issue names, and nothing else: 2023-05-01, 2023/5/1, 2023年5月1日.
# A trailing 00:00:00 is what Excel writes when a date cell is saved as csv.
_DATE_FORMS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?: 0?0:00(?::00)?)?"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),  # 2023.5.12, as bureaus' notices write it
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)
DATE_HELP = "写作 2023-05-01、2023/5/1、2023.5.1 或 2023年5月1日，或使用 Excel 日期单元格"
# A validity written as a range: 2023.5.12-2026.5.11, 2023年5月12日至2026年5月11日.
_RANGE = re.compile(r"(.+?)\s*(?:至|到|~|～|－|—|–|--|-(?=\s*\d{4}))\s*(\d{4}\D.*)")


def date(value) -> dt.date:
    if isinstance(value, dt.datetime):  # an Excel date cell (openpyxl gives datetime)
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise Bad(f"日期格式不正确：“{text(value)}”，应{DATE_HELP}")
    raw = unicodedata.normalize("NFKC", value).strip()
    for form in _DATE_FORMS:
        m = form.fullmatch(raw)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise Bad(f"日期不存在：“{value.strip()}”") from None
    raise Bad(f"日期格式不正确：“{value.strip()}”，应{DATE_HELP}")


def validity_end(value) -> dt.date:
    """有效期至: a date, or a range whose end is the last day of the validity."""
    if isinstance(value, str):
        raw = unicodedata.normalize("NFKC", value).strip()
        m = _RANGE.fullmatch(raw)
        if m:
            try:
                start, end = date(m[1]), date(m[2])
            except Bad:
                raise Bad(f"有效期格式不正确：“{value.strip()}”，应为一个日期，或写作 2023.5.12-2026.5.11") from None
            if end < start:
                raise Bad(f"有效期的结束日早于开始日：“{value.strip()}”")
            return end
    return date(value)


def three_years_validity(announced: dt.date) -> dt.date:
    """The last day of a three-year validity counted from the announcement day,
    which counts as the first day: 2023-05-01 → 2026-04-30 (the project's reading of
    MIIT's "有效期三年", as in docs/facts-format.md). From 29 February, the third
    anniversary falls on 1 March, so the validity ends on 28 February."""
    try:
        anniversary = announced.replace(year=announced.year + 3)
    except ValueError:  # 29 February
        anniversary = dt.date(announced.year + 3, 3, 1)
    return anniversary - dt.timedelta(days=1)


# --- numbers --------------------------------------------------------------------------

def money(value) -> Decimal:
    """Yuan: not negative, at most two decimal places (fen). Thousands separators
    and a trailing 元 are tolerated; 万元 is not (the heading says 元)."""
    if isinstance(value, bool):
        raise Bad("金额格式不正确")
    if isinstance(value, float):
        raw = repr(value)  # shortest repr: 1234567.89 stays 1234567.89
    else:
        raw = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").removesuffix("元").strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise Bad(f"金额格式不正确：“{text(value)}”") from None
    if not amount.is_finite():
        raise Bad(f"金额格式不正确：“{text(value)}”")
    if amount < 0:
        raise Bad(f"金额不能为负数：{text(value)}")
    if amount != amount.quantize(Decimal("0.01")):
        raise Bad(f"金额最多保留两位小数（分）：{text(value)}")
    return amount.quantize(Decimal("0.01"))


def positive_int(value) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = unicodedata.normalize("NFKC", str(value)).strip()
    if not re.fullmatch(r"\d+", raw) or int(raw) < 1:
        raise Bad(f"应为正整数：“{text(value)}”")
    return int(raw)


# --- choices --------------------------------------------------------------------------

def choice(canonical: dict[str, str], *, label: str, aliases: dict[str, str] | None = None):
    """A parser for a closed list: `canonical` maps each label a template shows to the
    stored value, `aliases` other ways bureaus write the same; quotes, spaces and
    full-width forms do not matter."""
    folded = {fold(k): v for k, v in {**canonical, **(aliases or {})}.items()}
    allowed = "、".join(canonical)

    seen: dict = {}  # a list repeats a handful of values 100,000 times

    def parse(value):
        try:
            got = seen[value]
        except (KeyError, TypeError):
            got = folded.get(fold(text(value)))
            if len(seen) < 1000:
                seen[value] = got
        if got is None:
            raise Bad(f"未知的{label}“{text(value)}”，应为：{allowed}")
        return got

    parse.allowed = allowed
    return parse


def yes_no(value) -> bool:
    raw = fold(text(value))
    if raw in {"是", "Y", "YES", "y", "yes", "已上市", "1", "TRUE", "true"}:
        return True
    if raw in {"否", "N", "NO", "n", "no", "未上市", "0", "FALSE", "false"}:
        return False
    raise Bad(f"应填“是”或“否”：“{text(value)}”")
