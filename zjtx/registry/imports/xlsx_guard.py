"""A workbook is checked before any reader opens it (issue 16): a 10 KB file with one
cell at XFD1048576 made the reader allocate ~550 GB, a 1 MB zip bomb took 1 GB.
Nothing here trusts the file: sizes come from the zip's directory and are checked
against what is actually inflated, the sheet's extent from its cells as they are
streamed, never from its declared <dimension>.

The sheet read is the first visible one (a hidden first sheet is never imported
unseen); which one it was is said when the workbook has more."""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

# All members together, inflated. A 100,000-row list is about 40 MB; the largest file
# an upload may be (50 MB compressed) holds about a million rows of a template.
MAX_UNCOMPRESSED = 600 * 2**20
# Inflated ÷ compressed, for a member larger than RATIO_FROM: sheets of a template
# compress 5-20×, zip bombs 1,000× and more.
MAX_RATIO = 200
RATIO_FROM = 8 * 2**20
# The sheet's extent, as the reader allocates it: templates have about 10 columns.
MAX_COLUMNS = 200
MAX_CELLS = 16_000_000
CHUNK = 2**20
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


class WorkbookRefused(Exception):
    """The message says why, in words for the person who uploaded the file."""


@dataclass(frozen=True)
class Sheet:
    name: str
    member: str  # its part in the zip, e.g. xl/worksheets/sheet1.xml
    note: str  # which sheet was read, when there are several ("" for one sheet)


def check_workbook(path) -> Sheet:
    """The sheet to read, after the checks; WorkbookRefused otherwise."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED:
                raise WorkbookRefused(f"工作簿解压后达 {total / 2**20:.0f} MB，超过 {MAX_UNCOMPRESSED // 2**20} MB 的上限，"
                                      "可能不是正常的 Excel 文件；请删除多余的工作表和空白行列后另存再导入")
            for i in infos:
                if i.file_size > RATIO_FROM and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                    raise WorkbookRefused(f"工作簿中的 {i.filename} 压缩比异常（{i.file_size // max(i.compress_size, 1)} 倍），"
                                          "可能是恶意构造的文件，已拒绝")
            sheet = _first_visible_sheet(z)
            rows, cols = _extent(z, sheet.member)
    except zipfile.BadZipFile:
        raise WorkbookRefused("文件不是有效的 .xlsx 工作簿（可能已损坏，或是改了扩展名的其他文件）") from None
    except (KeyError, ElementTree.ParseError, zlib.error, EOFError) as e:
        raise WorkbookRefused(f"无法读取 .xlsx 工作簿：结构不完整（{e}）") from None
    if cols > MAX_COLUMNS:
        raise WorkbookRefused(f"工作表“{sheet.name}”用到第 {cols} 列（{column_letters(cols)} 列），超过 {MAX_COLUMNS} 列的上限："
                              "请删除表格右侧多余的列（或其中的格式、空格）后再导入")
    if rows * cols > MAX_CELLS:
        raise WorkbookRefused(f"工作表“{sheet.name}”的范围达 {rows} 行 × {cols} 列，超过 {MAX_CELLS:,} 个单元格的上限："
                              "请删除下方多余的行（或其中的格式、空格）后再导入")
    return sheet


def _xml(z: zipfile.ZipFile, name: str, limit: int = 16 * 2**20) -> ElementTree.Element:
    info = z.getinfo(name)
    if info.file_size > limit:
        raise WorkbookRefused(f"工作簿的 {name} 过大（{info.file_size // 2**20} MB），已拒绝")
    return ElementTree.fromstring(z.read(name))


def _first_visible_sheet(z: zipfile.ZipFile) -> Sheet:
    book = _xml(z, "xl/workbook.xml")
    rels = _xml(z, "xl/_rels/workbook.xml.rels")
    target = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{PKG_REL_NS}}}Relationship")}
    sheets = list(book.iter(f"{{{MAIN_NS}}}sheet"))
    if not sheets:
        raise WorkbookRefused("工作簿中没有工作表")
    visible = [s for s in sheets if s.get("state", "visible") == "visible"]
    if not visible:
        raise WorkbookRefused("工作簿中的工作表都已隐藏：请在 Excel 中取消隐藏要导入的工作表")
    chosen = visible[0]
    ref = target[chosen.get(f"{{{REL_NS}}}id")].lstrip("/")
    member = ref if ref.startswith("xl/") else f"xl/{ref}"
    name = chosen.get("name", "")
    note = ""
    if len(sheets) > 1:
        hidden = [s.get("name", "") for s in sheets if s not in visible]
        note = f"工作簿有 {len(sheets)} 个工作表，导入的是第一个可见的工作表“{name}”" + (
            f"（已跳过隐藏的工作表：{'、'.join(hidden)}）" if hidden else "")
    return Sheet(name, member, note)


_TAG = re.compile(rb"<(row|c)\b([^>]*)>")
_R = re.compile(rb'\br="([A-Z]{0,3})([0-9]{0,7})"')


def column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.encode() if isinstance(letters, str) else letters:
        n = n * 26 + ch - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _extent(z: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """The last row and column the sheet's cells reach, read from the cells streamed
    (a cell without a reference follows the one before it, as readers place it)."""
    max_row = max_col = row = col = 0
    read = 0
    tail = b""
    with z.open(member) as f:
        while chunk := f.read(CHUNK):
            read += len(chunk)
            if read > MAX_UNCOMPRESSED:  # the directory lied about the size
                raise WorkbookRefused("工作表解压后超过上限，可能是恶意构造的文件，已拒绝")
            buf = tail + chunk
            cut = buf.rfind(b"<")
            body, tail = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
            if len(tail) > 65536:  # a tag never ends: nothing sensible to read
                raise WorkbookRefused("工作表的内容无法解析，已拒绝")
            for m in _TAG.finditer(body):
                ref = _R.search(m.group(2))
                if m.group(1) == b"row":
                    row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                    col = 0
                    max_row = max(max_row, row)
                else:
                    if ref and ref.group(1):
                        col = column_number(ref.group(1))
                        if ref.group(2):
                            row = max(row, int(ref.group(2)))
                            max_row = max(max_row, row)
                    else:
                        col += 1
                    max_col = max(max_col, col)
    return max_row, max_col
