"""Invisible characters (security probe item 3). A NUL passed the dry run and failed
the real import with PostgreSQL's raw error; a control character in an enterprise
name breaks every later xlsx export. Such a cell is refused at its row, in the dry
run as in the real one; names and codes refuse even a line break, a tab or a
zero-width space (they would make one enterprise two); the text a file brings
into the import's record (headings, the file's name) is stored visibly."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
import zipfile

import pytest

from tests.registry.factories import enterprise, make_uscc
from zjtx.registry import models
from zjtx.registry.imports import values
from zjtx.registry.imports.service import run_import

from .helpers import REC_HEADINGS, write_csv

pytestmark = pytest.mark.django_db


def rec_row(name="洛阳某某机械有限公司", *, code=None, batch=""):
    return [1, name, code or make_uscc(), "涧西区", "省级专精特新中小企业", batch, "2024-06-28", ""]


def nothing_written():
    return not models.Enterprise.objects.exists() and not models.Recognition.objects.exists()


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize("bad", ["\n", "\t", "\r", "\u200b", "\u202e", "\u00ad", "\ufeff", "\u2028", "\x00", "\x9f"])
def test_a_name_with_an_invisible_character_is_refused_at_its_row(tmp_path, bad, dry_run):
    path = write_csv(tmp_path / "名单.csv", REC_HEADINGS, [rec_row(f"洛阳某某{bad}机械有限公司")])
    report = run_import("recognitions", path, dry_run=dry_run)
    assert not report.written and nothing_written()
    [issue] = report.errors
    assert (issue.row, issue.column) == (2, "企业名称")
    assert issue.message.startswith("含有不可见的") and f"U+{ord(bad):04X}" in issue.message, issue.message


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_code_with_a_line_break_is_refused_rather_than_read(tmp_path, dry_run):
    code = make_uscc()
    path = write_csv(tmp_path / "名单.csv", REC_HEADINGS, [rec_row(code=f"{code[:9]}\n{code[9:]}")])
    report = run_import("recognitions", path, dry_run=dry_run)
    assert not report.written and nothing_written()
    assert [(e.row, e.column) for e in report.errors] == [(2, "统一社会信用代码")]
    assert "换行" in report.errors[0].message


def test_a_line_break_in_free_text_is_read_as_a_space(tmp_path):
    """A wrapped cell (Alt+Enter in Excel) in 认定批次 is no reason to refuse a list."""
    path = write_csv(tmp_path / "名单.csv", REC_HEADINGS, [rec_row(batch="2024年\r\n第3批\t")])
    report = run_import("recognitions", path)
    assert report.written, report.errors
    assert models.Recognition.objects.get().batch == "2024年 第3批"


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize("bad", ["\x01", "\x7f", "\ufffe", "\uffff"])
def test_free_text_refuses_the_other_control_characters(tmp_path, bad, dry_run):
    path = write_csv(tmp_path / "名单.csv", REC_HEADINGS, [rec_row(batch=f"2024年{bad}第3批")])
    report = run_import("recognitions", path, dry_run=dry_run)
    assert not report.written and nothing_written()
    assert [(e.row, e.column) for e in report.errors] == [(2, "认定批次")]


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_control_character_escaped_in_an_xlsx_cell_is_refused_too(tmp_path, dry_run):
    """Excel keeps a control character in a cell as _x0001_; the reader gives it back."""
    from .test_reader_budget import HEAD_ROW, one_sheet

    code = make_uscc()
    cells = "".join(f'<c r="{chr(65 + i)}2" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(
        ["1", "洛阳某某_x0000_机械有限公司", code, "涧西区", "省级专精特新中小企业", "", "2024-06-28"]))
    path = one_sheet(tmp_path / "名单.xlsx", f'<row r="2">{cells}</row>')
    assert HEAD_ROW in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    report = run_import("recognitions", path, dry_run=dry_run)
    assert not report.written and nothing_written()
    assert [(e.row, e.column) for e in report.errors] == [(2, "企业名称")]
    assert "U+0000" in report.errors[0].message


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_whole_lists_value_with_a_control_character_is_refused(tmp_path, dry_run):
    e = enterprise(name="洛阳整份名单机械有限公司")
    path = write_csv(tmp_path / "名单.csv", ["序号", "企业名称"], [[1, e.name]])
    report = run_import("recognitions", path, dry_run=dry_run, constants={
        "tier": "省级专精特新中小企业", "announced_on": "2024-12-20", "source_document": "豫工信\x01企业〔2024〕1号"})
    assert not report.written and not models.Recognition.objects.exists()
    assert "来源文件" in report.errors[0].message and "U+0001" in report.errors[0].message


def test_what_a_file_brings_into_the_record_is_stored_visibly(tmp_path):
    """A heading or a sheet name is text of the file too: a NUL in it made the
    record's own save fail on PostgreSQL (jsonb holds no \\u0000)."""
    path = write_csv(tmp_path / "名单.csv", [*REC_HEADINGS, "备\x00注"], [rec_row()])
    report = run_import("recognitions", path, dry_run=True)
    assert report.ok, report.errors
    log = models.ImportLog.objects.get()
    stored = json.dumps(log.notices, ensure_ascii=False)
    assert "\x00" not in stored and "\\u0000" not in stored and "备[U+0000]注" in stored


def test_an_uploaded_files_name_is_stored_visibly(tmp_path, admin, client_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from zjtx.registry.imports import uploads

    path = write_csv(tmp_path / "名单.csv", REC_HEADINGS, [rec_row()])
    upload = SimpleUploadedFile("名单.csv", path.read_bytes())
    upload.name = "名\x00单\u202e.csv"
    log = uploads.accept_upload(kind="recognitions", upload=upload, user=admin)
    assert log.file_name == "名[U+0000]单[U+202E].csv" and log.status == "done", log.errors
    assert "名[U+0000]单[U+202E].csv" in client_admin.get(reverse("registry:import-home")).content.decode()


def test_the_patterns_hold_every_invisible_character_unicode_knows():
    """values.IDENTIFIER_REFUSED is written out for speed; it must hold every
    control, format, separator (line, paragraph) and surrogate code point and
    the noncharacters, as this Python's Unicode database has them."""
    missing = [hex(cp) for cp in range(sys.maxunicode + 1)
               if (unicodedata.category(chr(cp)) in ("Cc", "Cf", "Cs", "Zl", "Zp") or cp in (0xFFFE, 0xFFFF))
               and not values.IDENTIFIER_REFUSED.search(chr(cp))]
    assert not missing
    free = [cp for cp in range(0x110000) if values.TEXT_REFUSED.search(chr(cp))]
    assert 0x09 not in free and 0x0A not in free and 0x0D not in free and 0x200B not in free
    assert {0x00, 0x1F, 0x7F, 0x9F, 0xFFFE, 0xFFFF, 0xD800} <= set(free)
    assert not re.search(values.IDENTIFIER_REFUSED, "洛阳（中国）某某科技有限公司 91410305MA0EXAM01L　·—")
