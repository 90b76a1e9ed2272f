"""A bureau's file as rows: xlsx (the first visible sheet, checked by xlsx_guard first, read streaming so that 100,000
rows stay small in memory) or csv (UTF-8 with or without BOM, else GB18030, as
Excel on a Chinese Windows saves it). The heading row is found among the first
rows (lists often carry a title line above it) and columns are matched by
heading, in any order; unknown columns are ignored and reported."""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .columns import SEQ, Spec, heading_key
from .values import visible
from .xlsx_guard import WorkbookRefused, check_workbook

logger = logging.getLogger(__name__)
HEADING_SEARCH_ROWS = 10
ALLOWED_SUFFIXES = (".xlsx", ".csv")


class FileProblem(Exception):
    """The file as a whole cannot be read; the message is shown to the user."""


@dataclass
class Table:
    heading_row: int
    positions: dict[str, int]  # column key → index in a row
    ignored: list[str] = field(default_factory=list)  # headings not in the spec
    total: int | None = None  # data rows, when the format tells it cheaply
    rows: Iterator[tuple[int, tuple]] = iter(())  # (row number as the user sees it, cells)
    sheet_note: str = ""  # which worksheet was read, when the workbook has several


def suffix_of(name: str) -> str:
    return Path(name).suffix.lower()


@contextmanager
def open_table(path, *, spec: Spec, name: str | None = None, given: frozenset[str] = frozenset()):
    """Yield a Table over the file at `path`; `name` (the uploaded file's name) decides
    the format when the stored path has none. Columns in `given` are set for the
    whole file by the caller: the heading row need not have them."""
    suffix = suffix_of(name or str(path))
    if suffix == ".xls":
        raise FileProblem("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后再导入")
    if suffix not in ALLOWED_SUFFIXES:
        raise FileProblem(f"只能导入 .xlsx 或 .csv 文件，收到的是“{suffix or '无扩展名'}”")
    if suffix == ".xlsx":
        with _xlsx_rows(path) as (rows, max_row, note):
            table = _table(rows, spec=spec, max_row=max_row, given=given)
            table.sheet_note = visible(note)
            yield table
    else:
        rows, count = _csv_rows(path)
        yield _table(rows, spec=spec, max_row=count, given=given)


@contextmanager
def _xlsx_rows(path):
    # python-calamine (Rust) rather than openpyxl for reading: on this project's 2-core
    # machines openpyxl's read-only mode needs ~40 s for 100,000 rows, calamine ~2 s.
    # It gives Excel date cells as date/datetime and empty cells as "". It builds the
    # whole sheet in memory, so xlsx_guard first holds what that costs to its budget.
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    if not zipfile.is_zipfile(path):
        raise FileProblem("文件不是有效的 .xlsx 工作簿（可能已损坏，或是改了扩展名的其他文件）")
    try:  # sizes and extent first: the reader allocates what the file claims
        sheet = check_workbook(path)
    except WorkbookRefused as e:
        raise FileProblem(str(e)) from None
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises its own error kinds for a broken workbook
        raise FileProblem(f"无法读取 .xlsx 工作簿：{visible(e)}") from None
    try:
        # The sheet checked must be the sheet read: the reader's list of sheets is
        # the guard's, and the one chosen is visible and a worksheet.
        meta = wb.sheets_metadata
        if ([m.name for m in meta] != list(sheet.names) or meta[sheet.index].visible != SheetVisibleEnum.Visible
                or meta[sheet.index].typ != SheetTypeEnum.WorkSheet):
            raise FileProblem("无法确认工作簿的结构（工作表的名称或显示状态前后不一致），已拒绝：请在 Excel 中另存后再导入")
        try:
            ws = wb.get_sheet_by_index(sheet.index)
        except Exception as e:
            raise FileProblem(f"无法读取 .xlsx 工作簿：{visible(e)}") from None
        if ws.height > sheet.rows or ws.width > sheet.columns:  # never, if the guard reads as the reader does
            logger.error("xlsx_guard counted %s×%s, calamine read %s×%s: %s", sheet.rows, sheet.columns,
                         ws.height, ws.width, path)
            raise FileProblem("无法确认工作表的范围，已拒绝：请在 Excel 中另存后再导入")
        first = (ws.start or (0, 0))[0] + 1  # the used range may begin below row 1
        yield (((i, tuple(row)) for i, row in enumerate(ws.iter_rows(), start=first)), first - 1 + ws.height,
               sheet.note)
    finally:
        wb.close()


def _csv_rows(path) -> tuple[Iterator[tuple[int, tuple]], int]:
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly any byte string
        raise FileProblem("无法识别 .csv 文件的编码，请另存为 UTF-8 或 GB18030")
    records = list(csv.reader(io.StringIO(content, newline="")))
    return ((i, tuple(r)) for i, r in enumerate(records, start=1)), len(records)


def _table(rows: Iterator[tuple[int, tuple]], *, spec: Spec, max_row: int | None,
           given: frozenset[str] = frozenset()) -> Table:
    wanted: dict[str, str] = {}
    for col in spec.columns:
        for h in (col.heading, *col.aliases):
            wanted[heading_key(h)] = col.key
    required = [c for c in spec.columns if c.required and c.key not in given]
    best: tuple[int, list[str]] | None = None
    for number, cells in rows:
        positions, seen_twice = {}, []
        for i, cell in enumerate(cells):
            key = wanted.get(heading_key(cell))
            if key is None:
                continue
            if key in positions:
                seen_twice.append(spec.column(key).heading)
            positions[key] = i
        missing = [c.heading for c in required if c.key not in positions]
        if set(positions) <= {"seq"}:  # 序号 alone is no heading row
            positions = {}
        if not missing and positions:
            if seen_twice:
                raise FileProblem(f"第{number}行（表头）列重复：{'、'.join(seen_twice)}")
            ignored = [visible(str(c).strip()) for c in cells
                       if c is not None and str(c).strip() and heading_key(c) not in wanted]
            total = max_row - number if max_row else None
            return Table(number, positions, ignored, total, rows)
        if positions and (best is None or len(missing) < len(best[1])):
            best = (number, missing)
        if number >= HEADING_SEARCH_ROWS:
            break
    if best is None:
        raise FileProblem(f"未找到表头：前{HEADING_SEARCH_ROWS}行中没有“{spec.title}”模板的列名"
                          f"（{'、'.join(h for h in spec.headings if h != SEQ)}），请使用下载的模板")
    raise FileProblem(f"第{best[0]}行（表头）缺少必填列：{'、'.join(best[1])}")
