"""The unified social credit code (统一社会信用代码, GB 32100-2015), checked with
python-stdnum; messages in Chinese for forms and imports."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

_REASONS = {
    "InvalidChecksum": "校验码不符",
    "InvalidLength": "长度应为18位",
    "InvalidFormat": "含有不允许的字符（不使用 I、O、S、V、Z）",
    "InvalidComponent": "含有不允许的字符",
}


def clean_uscc(raw: str) -> str:
    """Trim, fold full-width characters and upper-case; the caller validates."""
    return unicodedata.normalize("NFKC", str(raw or "")).strip().replace(" ", "").upper()


def uscc_error(code: str) -> str | None:
    """None when valid, else the reason in Chinese."""
    try:
        uscc.validate(code)
    except StdnumError as e:
        return _REASONS.get(type(e).__name__, "无效")
    return None


def validate_uscc(value: str):
    reason = uscc_error(clean_uscc(value))
    if reason:
        raise ValidationError(f"统一社会信用代码无效：{reason}", code="invalid_uscc")
