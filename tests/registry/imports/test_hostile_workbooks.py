"""Workbooks made to hurt the reader (issue 16): a 10 KB file with one cell at
XFD1048576 (the reader allocated ~550 GB), a zip bomb (1 MB → 1 GB), a hidden first
sheet. Each is refused, or read as it should be, before any memory is spent."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile

import pytest

from zjtx.registry.imports.service import run_import
from zjtx.registry.imports.xlsx_guard import MAX_UNCOMPRESSED, check_workbook

from .helpers import REC_HEADINGS

pytestmark = pytest.mark.django_db

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'sheet.main+xml"/>{sheets}</Types>')
SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-'
              'officedocument.spreadsheetml.worksheet+xml"/>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
             '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')


def workbook(path, sheets: list[tuple[str, str, object]]):
    """An xlsx written by hand: (name, state, body) per sheet; a body is the sheet's
    XML text, or a callable writing it to a stream (for large sheets)."""
    book = ''.join(f'<sheet name="{name}" sheetId="{i}" state="{state}" r:id="rId{i}"/>'
                   for i, (name, state, _) in enumerate(sheets, 1))
    rels = ''.join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.format(
            sheets="".join(SHEET_TYPE.format(n=i) for i in range(1, len(sheets) + 1))))
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
                   'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
                   f'officeDocument/2006/relationships"><sheets>{book}</sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http:'
                   f'//schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for i, (_, _, body) in enumerate(sheets, 1):
            if callable(body):
                with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as f:
                    body(f)
            else:
                z.writestr(f"xl/worksheets/sheet{i}.xml", body)
    return path


def sheet_xml(rows: list[list[str]], *, extra: str = "") -> str:
    cells = "".join("<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in r) + "</row>"
                    for r in rows)
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData>{cells}{extra}</sheetData></worksheet>')


FAR_CELL = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def far_cell_file(tmp_path):
    return workbook(tmp_path / "远处单元格.xlsx", [("Sheet1", "visible", sheet_xml([REC_HEADINGS], extra=FAR_CELL))])


def bomb_file(tmp_path):
    row = ('<row><c t="inlineStr"><is><t>洛阳某某机械有限公司</t></is></c>'
           '<c t="inlineStr"><is><t>省级专精特新中小企业</t></is></c></row>').encode()

    def body(f):
        f.write(sheet_xml([REC_HEADINGS]).replace("</sheetData></worksheet>", "").encode())
        block = row * 10_000
        for _ in range((MAX_UNCOMPRESSED + 2**20) // len(block)):
            f.write(block)
        f.write(b"</sheetData></worksheet>")
    return workbook(tmp_path / "压缩炸弹.xlsx", [("Sheet1", "visible", body)])


def test_a_ten_kilobyte_file_reaching_xfd1048576_is_refused(tmp_path):
    path = far_cell_file(tmp_path)
    assert path.stat().st_size < 10_000
    report = run_import("recognitions", path, dry_run=True)
    assert not report.written and "XFD1048576" in report.errors[0].message and "200 列的上限" in report.errors[0].message


def test_a_far_cell_without_references_is_counted_as_the_reader_would(tmp_path):
    wide = "<row>" + "<c><v>1</v></c>" * 300 + "</row>"
    path = workbook(tmp_path / "宽.xlsx", [("Sheet1", "visible", sheet_xml([REC_HEADINGS], extra=wide))])
    report = run_import("recognitions", path, dry_run=True)
    assert "GS2 单元格" in report.errors[0].message and "200 列" in report.errors[0].message


def test_a_zip_bomb_is_refused(tmp_path):
    path = bomb_file(tmp_path)
    assert path.stat().st_size < 5 * 2**20
    report = run_import("recognitions", path, dry_run=True)
    assert not report.written and ("压缩比异常" in report.errors[0].message or "解压后" in report.errors[0].message)


def test_the_hostile_files_are_refused_without_the_process_growing(tmp_path):
    """In a fresh process, as the worker would read them: it stays far below 300 MB."""
    far, bomb = far_cell_file(tmp_path), bomb_file(tmp_path)
    from .test_reader_budget import PEAK  # not ru_maxrss: a child of a large pytest inherits that

    script = PEAK + textwrap.dedent(f"""
        from zjtx.registry.imports.columns import RECOGNITIONS
        from zjtx.registry.imports.reading import FileProblem, open_table
        for path in ({str(far)!r}, {str(bomb)!r}):
            try:
                with open_table(path, spec=RECOGNITIONS) as t:
                    list(t.rows)
                raise SystemExit("read: " + path)
            except FileProblem:
                pass
        print(peak() // 2**20)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) < 300, out.stdout


def test_a_hidden_first_sheet_is_not_the_one_imported(tmp_path):
    from tests.registry.factories import enterprise

    e = enterprise(name="洛阳可见工作表机械有限公司")
    hidden = sheet_xml([REC_HEADINGS, ["1", "洛阳隐藏数据有限公司", "", "涧西区", "省级专精特新中小企业", "", "2024-06-28",
                                       ""]])
    shown = sheet_xml([REC_HEADINGS, ["1", e.name, e.uscc, "涧西区", "省级专精特新中小企业", "", "2024-06-28", ""]])
    path = workbook(tmp_path / "两个工作表.xlsx", [("旧数据", "hidden", hidden), ("名单", "visible", shown)])
    assert check_workbook(path).name == "名单"
    report = run_import("recognitions", path)
    assert report.written and report.created == 1, report.errors
    assert any("导入的是第一个可见的工作表“名单”" in n.message and "旧数据" in n.message for n in report.notices)


def test_a_workbook_whose_sheets_are_all_hidden_is_refused(tmp_path):
    path = workbook(tmp_path / "全隐藏.xlsx", [("名单", "veryHidden", sheet_xml([REC_HEADINGS]))])
    report = run_import("recognitions", path, dry_run=True)
    assert "都已隐藏" in report.errors[0].message


@pytest.mark.parametrize("bad", ["\x00", "\x0b", "\x1f", "\x7f", "\x85"])
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_control_character_in_a_cell_is_refused_in_the_dry_run_as_in_the_real_one(tmp_path, bad, dry_run):
    from tests.registry.factories import make_uscc

    from .helpers import write_csv

    path = write_csv(tmp_path / "名单.csv", REC_HEADINGS, [
        [1, f"洛阳某{bad}机械有限公司", make_uscc(), "涧西区", "省级专精特新中小企业", "", "2024-06-28", ""]])
    report = run_import("recognitions", path, dry_run=dry_run)
    assert not report.written and "控制字符" in report.errors[0].message and report.errors[0].row == 2
    from zjtx.registry.models import Enterprise

    assert not Enterprise.objects.exists()
