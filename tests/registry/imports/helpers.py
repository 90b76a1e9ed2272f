"""Files as a bureau sends them, built in the test, and the command run on them."""

from __future__ import annotations

import csv
from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from zjtx.registry.imports.columns import spec_for

REC_HEADINGS = ["序号", "企业名称", "统一社会信用代码", "所属县区", "认定类型", "认定批次", "认定时间", "有效期至"]


def write_xlsx(path, headings, rows, *, title: str | None = None, date_format: str = "yyyy-mm-dd"):
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headings)
    for row in rows:
        ws.append(list(row))
    for row in ws.iter_rows():
        for cell in row:
            if cell.is_date:
                cell.number_format = date_format
    wb.save(path)
    return path


def write_csv(path, headings, rows, *, encoding: str = "utf-8-sig"):
    buf = StringIO()
    w = csv.writer(buf)
    w.writerow(headings)
    for row in rows:
        w.writerow(["" if c is None else c for c in row])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def run(kind: str, path, *args) -> tuple[int, list[str]]:
    """`zjtx import KIND FILE ARGS`: (exit status, stdout lines)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import", kind, str(path), *args, stdout=out, stderr=err)
        rc = 0
    except CommandError as e:
        rc = e.returncode
    return rc, out.getvalue().splitlines()


def headings(kind: str) -> list[str]:
    return spec_for(kind).headings
