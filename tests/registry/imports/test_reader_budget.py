"""What a workbook costs the reader is held to xlsx_guard's budget before the reader
opens it (issue 16, security probe item 1). python-calamine builds the whole sheet
in memory; each file here asked it for far more than its size: a cell written in
a way the first guard did not read (single quotes, a namespace prefix, spaces
around "=", a lowercase reference, ">" inside an attribute), a cell far down or
right, one long shared string used by every cell, a sheet behind a decoy. Each
is refused with a reason in Chinese, before any memory is spent, and the
estimate the guard holds to the budget stays above what the reader spends."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import zipfile

import pytest

from zjtx.registry.imports import xlsx_guard
from zjtx.registry.imports.xlsx_guard import WorkbookRefused, check_workbook

from .helpers import REC_HEADINGS

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADINGS = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(REC_HEADINGS))
HEAD_ROW = f'<row r="1">{HEADINGS}</row>'


def sheet(cells: str, *, prefix: str = "", before: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {ns}>{before}'
            f'<{p}sheetData>{cells}</{p}sheetData></{p}worksheet>')


def xlsx(path, sheets, *, shared: str | None = None, folder: str = "xl", extra: dict | None = None):
    """A workbook written by hand: `sheets` is [(name, state, body)], a body the
    sheet's XML or a callable writing it to a stream; `folder` holds workbook.xml
    (named by _rels/.rels); `extra` adds members as they are."""
    book = "".join(f'<sheet name="{n}" sheetId="{i}" state="{s}" r:id="rId{i}"/>' for i, (n, s, _) in enumerate(sheets, 1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(sheets) + 1))
    if shared is not None:
        rels += f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/'
                   'xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
                   '+xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship '
                   f'Id="rId1" Type="{REL}/officeDocument" Target="{folder}/workbook.xml"/></Relationships>')
        z.writestr(f"{folder}/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
                   f'xmlns:r="{REL}"><sheets>{book}</sheets></workbook>')
        z.writestr(f"{folder}/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
                   f'xmlns="{PKG}">{rels}</Relationships>')
        if shared is not None:
            z.writestr(f"{folder}/sharedStrings.xml", shared)
        for i, (_, _, body) in enumerate(sheets, 1):
            if callable(body):
                with z.open(f"{folder}/worksheets/sheet{i}.xml", "w", force_zip64=True) as f:
                    body(f)
            else:
                z.writestr(f"{folder}/worksheets/sheet{i}.xml", body)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def one_sheet(path, cells: str, **kw):
    return xlsx(path, [("名单", "visible", sheet(HEAD_ROW + cells, **{k: kw.pop(k) for k in ("prefix", "before")
                                                                      if k in kw}))], **kw)


def sst(*texts: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{len(texts)}" uniqueCount="{len(texts)}">'
            + "".join(f"<si><t>{t}</t></si>" for t in texts) + "</sst>")


# The process's peak resident memory in bytes. Not ru_maxrss: Linux carries that over
# from the parent across fork and exec, so a child of a large pytest starts "large".
PEAK = textwrap.dedent("""
    def peak():
        try:
            with open("/proc/self/status") as f:
                return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) * 1024
        except OSError:
            import resource
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
""")


# Each of these is a few kilobytes; unguarded, the reader asked for the memory named.
HOSTILE = {
    # ~550 GB each: the far cell the first guard did not see
    "single quotes": lambda p: one_sheet(p, "<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>"),
    "namespace prefix": lambda p: xlsx(p, [("名单", "visible", sheet(
        '<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>', prefix="x"))]),
    "spaces around =": lambda p: one_sheet(p, '<row r = "1048576"><c r = "XFD1048576"><v>1</v></c></row>'),
    "lowercase reference": lambda p: one_sheet(p, '<row><c r="xfd1048576"><v>1</v></c></row>'),
    "> inside an attribute": lambda p: one_sheet(p, '<row r="2"><c foo="a>b" r="XFD2"><v>1</v></c></row>'),
    "a cell in a comment's shadow": lambda p: one_sheet(p, '<!-- <c foo=" --><row r="2"><c r="XFD2"><v>1</v></c>'
                                                           '</row><!-- " -->'),
    "CDATA": lambda p: one_sheet(p, '<row r="2"><c r="A2" t="inlineStr"><is><t><![CDATA[x]]></t></is></c></row>'),
    # 16 million cells of grid from one cell within 200 columns: 512 MB
    "GR80000": lambda p: one_sheet(p, '<row r="80000"><c r="GR80000"><v>1</v></c></row>'),
    # 10 columns down to Excel's last row: 344 MB
    "J1048576": lambda p: one_sheet(p, '<row r="1048576"><c r="J1048576"><v>1</v></c></row>'),
    # 3,000 cells each holding a copy of one 150 KB shared string: 450 MB from 3 KB
    "one shared string in every cell": lambda p: one_sheet(p, "".join(
        f'<row r="{r}">' + "".join(f'<c r="{chr(65 + c)}{r}" t="s"><v>0</v></c>' for c in range(10)) + "</row>"
        for r in range(2, 302)), shared=sst("字" * 50_000)),
    # the reader looks for workbook.xml where _rels/.rels says, not under xl/
    "a decoy workbook": lambda p: xlsx(p, [("名单", "visible", sheet(
        HEAD_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))], folder="book", extra={
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="名单" sheetId="1" '
                           'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" '
                                      'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet(HEAD_ROW)}),
    # reading a sheet by name takes the first of two with one name: the hidden one
    "a hidden sheet named like the visible one": lambda p: xlsx(p, [
        ("名单", "hidden", sheet(HEAD_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
        ("名单", "visible", sheet(HEAD_ROW))]),
    # which of two members the reader takes is not for the guard to guess
    "two members but for case": lambda p: one_sheet(p, "", extra={"XL/Worksheets/Sheet1.xml": sheet(
        HEAD_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')}),
    "a declared dimension": lambda p: one_sheet(p, "", before='<dimension ref="A1:XFD1048576"/>'),
    "an escaped reference": lambda p: one_sheet(p, '<row r="2"><c r="&#88;FD2"><v>1</v></c></row>'),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_workbook_is_refused_before_the_reader_opens_it(tmp_path, case):
    path = HOSTILE[case](tmp_path / "名单.xlsx")
    assert path.stat().st_size < 10_000
    with pytest.raises(WorkbookRefused) as refused:
        check_workbook(path)
    message = str(refused.value)
    assert re.search("[\u4e00-\u9fff]{4}", message), message  # in Chinese, for the person who uploaded it
    if case in ("GR80000", "J1048576", "one shared string in every cell"):
        assert "内容过多" in message and "拆成几个较小的文件" in message
    if case == "a declared dimension":
        assert "A1:XFD1048576" in message and "整行整列删除" in message


def test_each_hostile_workbook_is_refused_by_the_import_without_the_process_growing(tmp_path):
    """As the worker reads them, in a fresh process: every file refused (a message,
    not a crash), and the process stays far below 300 MB. Unguarded, the first of
    these aborted the process asking for 550 GB."""
    paths = [str(HOSTILE[case](tmp_path / f"{i}.xlsx")) for i, case in enumerate(HOSTILE)]
    script = PEAK + textwrap.dedent(f"""
        import json
        from zjtx.registry.imports.columns import RECOGNITIONS
        from zjtx.registry.imports.reading import FileProblem, open_table
        refused = []
        for path in {paths!r}:
            try:
                with open_table(path, spec=RECOGNITIONS) as t:
                    list(t.rows)
            except FileProblem as e:
                refused.append(str(e))
        print(json.dumps([refused, peak() // 2**20]))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    refused, peak_mb = json.loads(out.stdout)
    assert len(refused) == len(paths)
    assert peak_mb < 100, peak_mb


def test_cells_without_a_value_do_not_count(tmp_path):
    """The reader keeps nothing of a styled empty cell (Excel writes them where a
    format was applied): far away, it is no reason to refuse the list."""
    path = one_sheet(tmp_path / "名单.xlsx", '<row r="2"><c r="A2" t="inlineStr"><is><t>1</t></is></c></row>'
                                            '<row r="1048576"><c r="XFD1048576" s="1"/></row>')
    checked = check_workbook(path)
    assert (checked.rows, checked.columns) == (2, len(REC_HEADINGS))


def test_a_sheet_written_plainly_and_one_written_otherwise_are_read_alike(tmp_path):
    """Excel writes r="B7" on every cell and is read in bulk; a cell without its
    reference (valid, and placed by the reader after the one before) sends the
    scan tag by tag. Both find the same extent."""
    rows = [f'<row r="{r}">' + "".join(f'<c r="{chr(65 + c)}{r}"><v>{r}</v></c>' for c in range(6)) + "</row>"
            for r in range(2, 200)]
    plain = one_sheet(tmp_path / "plain.xlsx", "".join(rows) + '<row r="300"><c r="K300"><v>1</v></c></row>')
    other = one_sheet(tmp_path / "other.xlsx", "".join(rows) + '<row r="300"><c r="J300"><v>1</v></c><c><v>1</v></c>'
                                                               "</row>")
    a, b = check_workbook(plain), check_workbook(other)
    assert (a.rows, a.columns) == (b.rows, b.columns) == (300, 11)
    assert a.cells == b.cells - 1


def _dense(rows: int, cols: int, *, refs: bool = True):
    def body(f):
        f.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
        for r in range(1, rows + 1):
            cells = "".join((f'<c r="{xlsx_guard.column_letters(c + 1)}{r}">' if refs else "<c>") + "<v>1</v></c>"
                            for c in range(cols))
            f.write(f"<row>{cells}</row>".encode())
        f.write(b"</sheetData></worksheet>")
    return body


SHAPES = {
    # grid: one far cell
    "far cell": lambda p: xlsx(p, [("S", "visible", sheet('<row r="1"><c r="A1"><v>1</v></c></row>'
                                                          '<row r="40000"><c r="CV40000"><v>1</v></c></row>'))]),
    # cells: many small values, with and without their references
    "dense, plain": lambda p: xlsx(p, [("S", "visible", _dense(20_000, 25))]),
    "dense, no references": lambda p: xlsx(p, [("S", "visible", _dense(20_000, 25, refs=False))]),
    # text: one shared string copied into every cell that uses it
    "shared string copies": lambda p: xlsx(p, [("S", "visible", sheet("".join(
        f'<row r="{r}">' + "".join(f'<c r="{chr(65 + c)}{r}" t="s"><v>{c % 2}</v></c>' for c in range(10)) + "</row>"
        for r in range(1, 201))))], shared=sst("字" * 20_000, "短")),
    # the table itself: many short shared strings
    "many shared strings": lambda p: xlsx(p, [("S", "visible", sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'))],
                                          shared=sst(*(f"名称{i}" for i in range(300_000)))),
    # inline strings, as openpyxl writes a list
    "inline text": lambda p: xlsx(p, [("S", "visible", sheet("".join(
        f'<row r="{r}">' + "".join(f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>洛阳某某机械有限公司{r}</t></is></c>'
                                   for c in range(8)) + "</row>" for r in range(1, 20_001))))]),
}


def test_the_estimate_stays_above_what_the_reader_spends(tmp_path):
    """The constants of xlsx_guard, measured: for each kind of cost the reader has,
    what it spends (its process's peak growth reading the sheet) is below what the
    guard counted. A new reader version that spends more fails here."""
    paths = {case: str(build(tmp_path / f"{i}.xlsx")) for i, (case, build) in enumerate(SHAPES.items())}
    estimates = {case: check_workbook(path).estimate for case, path in paths.items()}
    script = PEAK + textwrap.dedent("""
        import sys
        from python_calamine import CalamineWorkbook
        before = peak()
        wb = CalamineWorkbook.from_path(sys.argv[1])
        sheet = wb.get_sheet_by_index(0)
        print(peak() - before)
    """)
    for case, path in paths.items():
        out = subprocess.run([sys.executable, "-c", script, path], capture_output=True, text=True, check=True)
        spent = int(out.stdout)
        assert spent <= estimates[case], (case, spent, estimates[case])
        assert estimates[case] > 2**20, case  # each shape costs something measurable
