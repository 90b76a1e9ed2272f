"""Registry lists as xlsx with the import headings (so that an export imports back
as a no-op), and the empty template of each KIND with an example row and a 填写说明
sheet documenting every column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from zjtx.spreadsheet import cell as xlsx_cell

from .. import models
from .columns import SEQ, spec_for

DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = "#,##0.00"
_HEAD_FILL = PatternFill("solid", fgColor="FCE4D6")
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEAD_FONT = Font(bold=True)


def export_file_name(kind: str, *, template: bool = False, today: dt.date | None = None) -> str:
    spec = spec_for(kind)
    if template:
        return f"{spec.title}导入模板.xlsx"
    return f"{spec.title}{(today or dt.date.today()).strftime('%Y%m%d')}.xlsx"


# --- template ---------------------------------------------------------------------------

def write_template(kind: str, target) -> None:
    """The template: heading row (required columns in red), one example row whose 序号
    reads 示例 (skipped by the import), drop-down lists for closed columns, and a second
    sheet 填写说明."""
    spec = spec_for(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = spec.title
    for i, col in enumerate(spec.columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.heading)
        cell.font = _REQUIRED_FONT if col.required else _HEAD_FONT
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if col.help:
            cell.comment = Comment(("必填。" if col.required else "") + col.help, "ZJTX", width=300, height=120)
        example = ws.cell(row=2, column=i, value=col.example if col.example != "" else None)
        _format(example, col.example)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        allowed = getattr(col.parse, "allowed", None)
        if allowed and len(allowed) < 250:
            dv = DataValidation(type="list", formula1='"' + allowed.replace("、", ",").replace('"', '""') + '"',
                                allow_blank=True, showErrorMessage=False)
            dv.add(f"{letter}2:{letter}10000")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"

    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写说明", "示例"])
    for cell in notes[1]:
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
    for col in spec.columns:
        example = col.example.isoformat() if isinstance(col.example, dt.date) else col.example
        notes.append([col.heading, "必填" if col.required else "选填", col.help, str(example)])
    notes.append([])
    general = [
        "第一个工作表的第一行为表头，列的顺序可以调整，表头上方可以有标题行；不认识的列不导入。",
        f"{SEQ}填“示例”的行是示例，导入时跳过；正式导入前可删除。",
        "任何一行有错误时，整个文件都不会写入；请按报告的行号和列名修改后重新导入。",
        *spec.notes,
    ]
    for text in general:
        notes.append(["", "", text])
    for letter, width in zip("ABCD", (22, 10, 80, 28), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(target)


def _format(cell, value) -> None:
    if isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT


# --- exports ----------------------------------------------------------------------------

def write_export(kind: str, target) -> int:
    """The whole registry list of KIND as xlsx; returns the number of rows. Every
    value goes through zjtx.spreadsheet.cell: a name such as "=HYPERLINK(…)" is
    text, not a formula, and a control character cannot fail the export."""
    spec = spec_for(kind)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.title)
    for i, col in enumerate(spec.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.append([_head(ws, col) for col in spec.columns])
    n = 0
    for n, values in enumerate(ROWS[kind](), start=1):
        ws.append([n, *(_cell(ws, val) for val in values)])
    wb.save(target)
    return n


def _head(ws, col):
    return xlsx_cell(ws, col.heading, font=_REQUIRED_FONT if col.required else _HEAD_FONT, fill=_HEAD_FILL)


def _cell(ws, value):
    return xlsx_cell(ws, value, number_format=DATE_FORMAT if isinstance(value, dt.date) else None)


def _current_names() -> dict[int, str]:
    rows = {j.pk: j for j in models.Jurisdiction.objects.all()}
    names = {}
    for pk, j in rows.items():
        while j.successor_id:
            j = rows[j.successor_id]
        names[pk] = j.name
    return names


def _label(choices, value) -> str:
    return choices(value).label if value else ""


def _enterprises() -> Iterator[list]:
    homes = _current_names()
    E = models.Enterprise
    for e in E.objects.order_by("pk").iterator(chunk_size=2000):
        yield [e.name, e.uscc, homes[e.fiscal_home_id], e.industry, _label(E.Size, e.size), e.address,
               e.contact_name, e.contact_phone, "是" if e.listed else "否", e.listed_on, e.exchange,
               _label(E.NeeqLayer, e.neeq_layer)]


def _recognitions() -> Iterator[list]:
    homes = _current_names()
    R = models.Recognition
    kinds = {R.Kind.NEW: "认定", R.Kind.REVIEW: "复核"}
    rows = R.objects.order_by("announced_on", "pk").values_list(
        "enterprise__name", "enterprise__uscc", "enterprise__fiscal_home_id", "tier", "kind", "batch",
        "announced_on", "valid_to", "source_document")
    for name, code, home, tier, kind, batch, on, valid_to, source in rows.iterator(chunk_size=2000):
        yield [name, code, homes[home], R.Tier(tier).label, kinds[kind], batch, on, valid_to, source]


_LISTING_TYPES = {"domestic": "境内上市", "overseas": "境外上市"}
_STEPS = {"tutoring_accepted": "辅导验收", "review_passed": "通过发行审核", "csrc_approved_or_filed": "证监会批复(备案)",
          "listed": "上市交易", "basic_listed": "基础层挂牌", "entered_innovation_from_basic": "进入创新层",
          "innovation_listed_direct": "创新层挂牌", "demoted_to_basic": "调出创新层", "trading": "交易板",
          "display": "展示板"}


def _listings() -> Iterator[list]:
    M = models.ListingMilestone
    rows = M.objects.order_by("date", "pk").values_list(
        "enterprise__name", "enterprise__uscc", "kind", "path", "node", "action", "board", "exchange", "market",
        "date", "source_document")
    for name, code, kind, path, node, action, board, exchange, market, date, source in rows.iterator(
            chunk_size=2000):
        if kind == M.Kind.IPO_NODE:
            typ, step, venue = _LISTING_TYPES[path], _STEPS[node], exchange
        elif kind == M.Kind.IPO_WITHDRAWN:
            typ, step, venue = _LISTING_TYPES[path], "撤回申请", ""
        elif kind == M.Kind.NEEQ:
            typ, step, venue = "新三板", _STEPS[action], ""
        else:
            typ, step, venue = "四板", _STEPS[board], market
        yield [name, code, typ, step, venue, date, source, ""]


def _investments() -> Iterator[list]:
    V, Inv = models.Investment, models.Investor
    rows = V.objects.order_by("paid_in_date", "pk").values_list(
        "investor__name", "investor__uscc", "investor__kind", "investor__amac_code", "vehicle",
        "investee__name", "investee__uscc", "fund__name", "fund__uscc", "round", "tranche", "subscribed",
        "paid_in", "paid_in_date", "registered_on")
    for (iname, icode, ikind, amac, vehicle, ename, ecode, fname, fcode, rnd, tranche, subscribed, paid_in,
         paid_on, registered_on) in rows.iterator(chunk_size=2000):
        direct = vehicle == V.Vehicle.DIRECT
        yield [iname, icode or "", Inv.Kind(ikind).label, amac, ename if direct else fname,
               (ecode if direct else fcode) or "", V.Vehicle(vehicle).label, rnd, tranche, subscribed, paid_in,
               paid_on, registered_on]


def _platforms() -> Iterator[list]:
    homes = _current_names()
    P = models.PlatformRecognition
    rows = P.objects.order_by("recognized_on", "pk").values_list(
        "operator__name", "operator__uscc", "operator__fiscal_home_id", "platform_name", "honour", "level",
        "kind", "recognized_on", "source_document")
    for name, code, home, platform, honour, level, kind, on, source in rows.iterator(chunk_size=2000):
        yield [name, code, homes[home], platform, P.Honour(honour).label, P.Level(level).label, P.Kind(kind).label,
               on, source]


ROWS = {"enterprises": _enterprises, "recognitions": _recognitions, "listings": _listings,
        "investments": _investments, "platforms": _platforms}

