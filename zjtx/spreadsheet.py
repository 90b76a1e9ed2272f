"""Values for every xlsx the platform writes (registry exports, the ledger).

Whatever a user or an import typed is written as text, never as something Excel
acts on, and never stops the export:

- A string that starts with = + - @, a tab or a carriage return (OWASP's "CSV
  injection" list) is written as an inline string with Excel's quote prefix —
  what Excel itself stores when someone types '=1+1. The cell reads exactly as
  the data ("=HYPERLINK(…)"), is not evaluated on opening, and stays text when
  someone edits it; a file exported and imported again gives the same value.
  (openpyxl on its own turns any string starting with "=" into a formula.)
- Characters XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE: control
  characters other than tab, line feed and carriage return) become U+FFFD, where
  openpyxl would raise IllegalCharacterError and fail the whole export.
"""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

# What a spreadsheet may read as the start of a formula.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
REPLACEMENT = "\ufffd"


def clean_text(value: str) -> str:
    """VALUE with the characters an xlsx cannot hold replaced by U+FFFD."""
    return ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value)


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_LEADS)


def cell(ws, value, *, number_format: str | None = None, font=None, fill=None):
    """VALUE for `ws.append` on a write-only sheet WS: the value itself when nothing
    needs to be said about it (the fast path for most cells), otherwise a
    WriteOnlyCell carrying the format, the font and fill, or the text marking."""
    text = isinstance(value, str)
    if text:
        value = clean_text(value)
    formula_like = text and is_formula_like(value)
    # "#N/A" and the like: openpyxl would write an error cell, not the text.
    forced = formula_like or (text and value in ERROR_CODES)
    if not (forced or number_format or font or fill):
        return value
    # value=None first: openpyxl would bind an "=…" string as a formula.
    out = WriteOnlyCell(ws, value=None)
    if forced:
        out._value = value[:32767]  # openpyxl's own limit for a cell's text
        out.data_type = "s"  # written as <c t="inlineStr"><is><t>…</t></is></c>, no <f>
        out.quotePrefix = formula_like
    else:
        out.value = value
    if number_format:
        out.number_format = number_format
    if font is not None:
        out.font = font
    if fill is not None:
        out.fill = fill
    return out


def csv_text(value):
    """VALUE for a csv file that Excel opens: a formula-like string gets OWASP's
    leading single quote (a csv cell has no type to say "text")."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value
