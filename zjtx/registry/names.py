"""Matching enterprise names as lists published by the province or the ministry
write them: without credit codes, with full- or half-width brackets, stray spaces
and 有限公司 / 有限责任公司 used loosely. Normalised names that are equal are the
same name; anything else is left for a person to resolve, never guessed."""

from __future__ import annotations

import re
import unicodedata

# Company-form variants that lists use interchangeably, longest first.
_FORM_VARIANTS = (("有限责任公司", "有限公司"),)
_DROP = re.compile(r"[\s()\[\]【】<>《》\"'“”‘’·.,，、]")


def normalise_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "")  # full-width → half-width, （ → (
    text = _DROP.sub("", text)
    for variant, canonical in _FORM_VARIANTS:
        text = text.replace(variant, canonical)
    return text.upper()
