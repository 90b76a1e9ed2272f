"""A workbook is checked before the reader opens it (issue 16, security probe).

The reader (python-calamine) builds the whole sheet in memory: a grid of rows ×
columns up to the last cell with a value, every cell's text (a shared string is
copied once for each cell that uses it) and the shared-string table. What a file
asks of it is out of all proportion to its size: a 10 KB file with one cell at
XFD1048576 asked for ~550 GB and killed the worker; a 1 MB zip bomb took 1 GB; a
2 KB file whose 2,000 cells all use one 90 KB shared string took 180 MB.

So nothing a file declares is trusted for what it costs to read. Sizes come from
the zip's directory (the reader, like zipfile, refuses a member that inflates past
its declared size); the sheet's extent and text from its cells and shared
strings, streamed here a megabyte at a time; and their cost, as the reader spends
it, is held to READ_BUDGET. The XML is read as the reader reads it: any namespace
prefix, either quote, spaces around "=", lowercase cell references. Whatever this
scan could read differently from the reader (comments, CDATA, processing
instructions, a DOCTYPE, "<" or ">" inside an attribute, a cell inside a cell) is
refused: no spreadsheet program writes it.

The sheet read is the first visible worksheet, found as the reader finds it (the
workbook's folder from _rels/.rels, part names looked up case-insensitively);
reading.py checks that the reader agrees before it reads the sheet."""

from __future__ import annotations

import html
import re
import zipfile
import zlib
from array import array
from dataclasses import dataclass

MB = 2**20

# --- limits ---------------------------------------------------------------------------
# The whole workbook, inflated. A 100,000-row list saved by Excel or openpyxl is
# about 50 MB; four times that is no bureau's list.
MAX_UNCOMPRESSED = 200 * MB
# Inflated ÷ compressed, for a member larger than RATIO_FROM: real sheets compress
# 5-20×, zip bombs 1,000×.
MAX_RATIO = 200
RATIO_FROM = 8 * MB
# workbook.xml, its relationships and styles.xml: kilobytes in any real workbook.
MAX_PART = 8 * MB
# Excel itself stops at 1,048,576 rows and 16,384 columns (XFD); a template has
# about 10 columns. A sheet, or its declared <dimension>, past these is refused.
MAX_ROWS = 1_100_000
MAX_COLUMNS = 200
# What the reader may spend on the sheet read, as estimated below from the cells
# and strings it will hold. About 200,000 rows of a template fit in it; the worker
# stays under 300 MB whatever the file.
READ_BUDGET = 256 * MB
# The reader's cost per item, measured with python-calamine 0.9.1 (calamine 0.37;
# tests/registry/imports/test_reader_budget.py checks the estimate stays above it).
BASE_BYTES = 4 * MB  # opening the workbook: buffers, the zip's directory
GRID_BYTES = 32  # each cell of the rectangle up to the last cell with a value
CELL_BYTES = 48  # each cell with a value: its position and value, before the grid
STRING_BYTES = 64  # each shared string, besides its text
TEXT_BYTES = 16  # each string held in a cell, besides its text
# One cell's XML: Excel holds at most 32,767 characters (~100 KB with markup).
MAX_CELL_BYTES = 2 * MB
# The declared <dimension ref="A1:H100"/> comes before the cells, near the start.
DIMENSION_PROBE = 64 * 1024
CHUNK = MB
MAX_TAG = 64 * 1024

REFUSED_SHAPE = "可能是恶意构造的文件，已拒绝；请在 Excel 中打开后另存为新的 .xlsx 文件再导入"


class WorkbookRefused(Exception):
    """The message says why, in words for the person who uploaded the file."""


@dataclass(frozen=True)
class Sheet:
    index: int  # among all the workbook's sheets, in the reader's order
    name: str
    member: str  # its part in the zip, e.g. xl/worksheets/sheet1.xml
    note: str  # which sheet was read, when there are several ("" for one sheet)
    names: tuple[str, ...] = ()  # every sheet's name, in order
    rows: int = 0  # the last row and column with a value, as the cells say
    columns: int = 0
    cells: int = 0
    estimate: int = 0  # bytes the reader will spend, by the estimate below


def check_workbook(path) -> Sheet:
    """The sheet to read, after the checks; WorkbookRefused otherwise."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = _Parts(z)
            xl = _workbook_folder(parts)
            strings = _shared_strings(parts, f"{xl}sharedStrings.xml")
            styles = parts.info(f"{xl}styles.xml")
            if styles is not None and styles.file_size > MAX_PART:
                raise WorkbookRefused(f"工作簿的样式表过大（{styles.file_size / MB:.0f} MB），{REFUSED_SHAPE}")
            sheet = _first_visible_sheet(parts, xl)
            _check_dimension(parts, sheet)
            return _scan_sheet(parts, sheet, strings)
    except zipfile.BadZipFile:
        raise WorkbookRefused("文件不是有效的 .xlsx 工作簿（可能已损坏，或是改了扩展名的其他文件）") from None
    except (zlib.error, EOFError, NotImplementedError, RuntimeError) as e:
        raise WorkbookRefused(f"无法读取 .xlsx 工作簿：文件已损坏或已加密（{e}）") from None


# --- the zip --------------------------------------------------------------------------

class _Parts:
    """The zip's members as the reader looks them up: by the path lowercased, with
    "\\" as "/", else by the path as written."""

    def __init__(self, z: zipfile.ZipFile):
        self.z = z
        infos = z.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED:
            raise WorkbookRefused(f"工作簿解压后达 {total / MB:.0f} MB，超过 {MAX_UNCOMPRESSED // MB} MB 的上限，"
                                  "可能不是正常的 Excel 文件；请删除多余的工作表和空白行列后另存，"
                                  "或把名单拆成几个较小的文件再导入")
        for i in infos:
            if i.file_size > RATIO_FROM and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                raise WorkbookRefused(f"工作簿中的 {i.filename} 压缩比异常（{i.file_size // max(i.compress_size, 1)} 倍），"
                                      f"{REFUSED_SHAPE}")
        # Two members under one name (or one name but for case or "\\"): which the
        # reader would take is not for this check to guess.
        self.by_key: dict[str, zipfile.ZipInfo] = {}
        self.by_name = {i.filename: i for i in infos}
        for i in infos:
            key = i.filename.replace("\\", "/").lower()
            if key in self.by_key:
                raise WorkbookRefused(f"工作簿中有重名的部件（{i.filename}），{REFUSED_SHAPE}")
            self.by_key[key] = i

    def info(self, path: str) -> zipfile.ZipInfo | None:
        return self.by_key.get(path.lower()) or self.by_name.get(path)

    def small(self, path: str, *, required: bool = True) -> bytes | None:
        info = self.info(path)
        if info is None:
            if required:
                raise WorkbookRefused(f"无法读取 .xlsx 工作簿：缺少 {path}（文件不完整）")
            return None
        if info.file_size > MAX_PART:
            raise WorkbookRefused(f"工作簿的 {path} 过大（{info.file_size / MB:.0f} MB），{REFUSED_SHAPE}")
        data = self.z.read(info)
        _check_syntax(data, path, start=True)
        return data

    def stream(self, info: zipfile.ZipInfo):
        """(offset, bytes) pieces of a member, each ending before a tag or in text."""
        with self.z.open(info) as f:
            offset, tail = 0, b""
            while True:
                chunk = f.read(CHUNK)
                buf = tail + chunk
                if not chunk:
                    if buf:
                        yield offset, buf
                    return
                lt = buf.rfind(b"<")
                cut = lt if lt >= 0 and buf.find(b">", lt) < 0 else len(buf)  # never inside a tag
                if len(buf) - cut > MAX_TAG:
                    raise WorkbookRefused(f"{info.filename} 中有无法解析的超长标记，{REFUSED_SHAPE}")
                body, tail = buf[:cut], buf[cut:]
                yield offset, body
                offset += len(body)


# The XML as spreadsheet programs write it: text, and tags whose attribute values
# hold neither "<" nor ">" (nor, in a <c> or <row>, "=" or a quote). With nothing
# else, every "<" starts a tag and the first ">" after it ends it, for this scan
# as for the reader, and an attribute's name is found where the reader finds it.
_NAME = rb"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
_P = rb"(?:[A-Za-z_][\w.\-]*:)?"  # any namespace prefix: the reader matches local names
_VALUE = rb"""(?:"[^"<>]*"|'[^'<>]*')"""
_PLAIN_VALUE = rb"""(?:"[^"'<>=]*"|'[^"'<>=]*')"""
_WELL_FORMED = re.compile(
    rb"(?:[^<]*+<(?:/" + _NAME + rb"\s*"
    rb"|" + _P + rb"(?:c|row)(?=[\s/>])(?:\s+" + _NAME + rb"\s*=\s*" + _PLAIN_VALUE + rb")*+\s*/?"
    rb"|" + _NAME + rb"(?:\s+" + _NAME + rb"\s*=\s*" + _VALUE + rb")*+\s*/?)>)*+[^<]*+")
_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?\s*<\?xml\s[^<>?]*\?>")


def _check_syntax(data: bytes, name: str, *, start: bool) -> None:
    if start and (m := _DECLARATION.match(data)):
        data = data[m.end():]
    if not _WELL_FORMED.fullmatch(data):
        raise WorkbookRefused(f"{name} 含有注释、CDATA、处理指令或不规范的标记，这些不是 Excel 保存的内容，{REFUSED_SHAPE}")


_ATTRS = re.compile(rb"""(""" + _NAME + rb""")\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    out = {}
    for m in _ATTRS.finditer(raw):
        key = m[1]
        if key in out:
            raise WorkbookRefused(f"工作簿中的标记有重复的属性（{key.decode(errors='replace')}），{REFUSED_SHAPE}")
        out[key] = m[2] if m[2] is not None else m[3]
    return out


def _local(name: bytes) -> bytes:
    return name.rpartition(b":")[2]


def _elements(data: bytes, local: bytes):
    """The attributes of each start tag whose local name is `local`."""
    pattern = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?" + local + rb"(?=[\s/>])([^<>]*)>")
    for m in pattern.finditer(data):
        yield _attrs(m[1])


# --- where the sheets are -------------------------------------------------------------

def _workbook_folder(parts: _Parts) -> str:
    """The folder of workbook.xml, from the package's relationships: the reader
    reads workbook.xml, its relationships, the shared strings and styles there."""
    target = None
    for a in _elements(parts.small("_rels/.rels"), b"Relationship"):
        if a.get(b"Type", b"").endswith(b"/relationships/officeDocument") and b"Target" in a:
            target = a[b"Target"].decode("utf-8", "replace")  # the last one, as the reader takes it
    if target is None:
        raise WorkbookRefused("无法读取 .xlsx 工作簿：找不到工作簿的主体部分（文件不完整）")
    folder = target[: target.rfind("/") + 1] if "/" in target else ""
    return folder.removeprefix("/")


def _first_visible_sheet(parts: _Parts, xl: str) -> Sheet:
    rels = {}
    for a in _elements(parts.small(f"{xl}_rels/workbook.xml.rels"), b"Relationship"):
        if b"Id" in a:
            rels[a[b"Id"]] = (a.get(b"Target", b"").decode("utf-8", "replace"),
                              a.get(b"Type", b"").decode("utf-8", "replace"))
    sheets = []  # (name, state, kind, member)
    for a in _elements(parts.small(f"{xl}workbook.xml"), b"sheet"):
        rel_id = next((v for k, v in a.items() if _local(k) == b"id"), b"")
        if rel_id not in rels:
            raise WorkbookRefused("无法读取 .xlsx 工作簿：工作表的关系缺失（文件不完整）")
        target, kind = rels[rel_id]
        member = target[1:] if target.startswith("/") else f"{xl}{target}"
        state = a.get(b"state", b"visible")
        if state not in (b"visible", b"hidden", b"veryHidden"):
            raise WorkbookRefused("无法读取 .xlsx 工作簿：工作表的显示状态无法识别")
        sheets.append((html.unescape(a.get(b"name", b"").decode("utf-8", "replace")), state,
                       kind.rsplit("/", 1)[-1], member))
    if not sheets:
        raise WorkbookRefused("工作簿中没有工作表")
    names = tuple(s[0] for s in sheets)
    if len(set(names)) < len(names):
        raise WorkbookRefused("工作簿中有同名的工作表，无法确定导入哪一个：请在 Excel 中给工作表改名后再导入")
    visible = [i for i, s in enumerate(sheets) if s[1] == b"visible"]
    if not visible:
        raise WorkbookRefused("工作簿中的工作表都已隐藏：请在 Excel 中取消隐藏要导入的工作表")
    worksheets = [i for i in visible if sheets[i][2] == "worksheet"]
    if not worksheets:
        raise WorkbookRefused("工作簿中没有可见的普通工作表（只有图表工作表等）")
    index = worksheets[0]
    name, _, _, member = sheets[index]
    if parts.info(member) is None:
        raise WorkbookRefused(f"无法读取 .xlsx 工作簿：找不到工作表“{name}”的内容（文件不完整）")
    note = ""
    if len(sheets) > 1:
        hidden = [s[0] for s in sheets if s[1] != b"visible"]
        note = f"工作簿有 {len(sheets)} 个工作表，导入的是第一个可见的工作表“{name}”" + (
            f"（已跳过隐藏的工作表：{'、'.join(hidden)}）" if hidden else "")
    return Sheet(index, name, member, note, names)


# --- what reading will cost -----------------------------------------------------------

# --- what reading will cost -----------------------------------------------------------

_SST_TOKEN = re.compile(rb"<(/?)(" + _NAME + rb")(?=[\s/>])([^<>]*)>")


class _Strings:
    """The length of each shared string (an upper bound of its text), in the order
    the reader numbers them, and what the reader spends on the table."""

    def __init__(self):
        self.lengths = array("Q")
        self.cost = 0
        self.longest = 0

    @property
    def count(self) -> int:
        return len(self.lengths)

    def add(self, length: int) -> None:
        self.lengths.append(length)
        self.cost += STRING_BYTES + length
        self.longest = max(self.longest, length)

    def length(self, index: bytes | None) -> int:
        try:
            return self.lengths[int(index)]
        except (TypeError, ValueError, IndexError, OverflowError):
            return self.longest  # the reader would refuse it; count the worst


def _shared_strings(parts: _Parts, path: str) -> _Strings:
    """The shared strings, read as the reader reads them: each <si> inside <sst>,
    up to its own end tag."""
    info = parts.info(path)
    if info is None:
        return _Strings()
    return _plain_shared_strings(parts, info) or _exact_shared_strings(parts, info, path)


# The table as spreadsheet programs write it: <sst …>, then <si>…</si> without
# attributes or prefixes, nothing "<" inside an attribute. Read in bulk.
_PLAIN_SST = re.compile(rb"\s*<sst(?:\s[^<>]*)?>")
_PLAIN_SI = re.compile(rb"<si>([^<]*+(?:<(?!/?si[\s/>])[^<]*+)*+)</si>|<si/>")
_QUOTED_LT = re.compile(rb"""="[^"]*<|='[^']*<""")


def _plain_shared_strings(parts: _Parts, info: zipfile.ZipInfo) -> _Strings | None:
    out = _Strings()
    carry, done = b"", False
    for offset, piece in parts.stream(info):
        body = carry + piece
        if offset == 0:
            if m := _DECLARATION.match(body):
                body = body[m.end():]
            if not (m := _PLAIN_SST.match(body)):
                return None
            body = body[m.end():]
        if b"<!" in body or b"<?" in body or b":si" in body or b":sst" in body or _QUOTED_LT.search(body):
            return None
        if (end := body.find(b"</sst>")) >= 0:
            body, done = body[:end], True
        cut = len(body) if done else max(body.rfind(b"</si>") + 5, body.rfind(b"<si/>") + 5, 0)
        body, carry = body[:cut], body[cut:]
        if len(carry) > MAX_CELL_BYTES:
            return None
        found = _PLAIN_SI.findall(body)
        if len(found) != body.count(b"<si") or len(found) != body.count(b"<si>") + body.count(b"<si/>"):
            return None
        if found:
            lengths = list(map(len, found))
            out.lengths.extend(lengths)
            out.cost += STRING_BYTES * len(lengths) + sum(lengths)
            out.longest = max(out.longest, max(lengths))
        if out.cost > READ_BUDGET:
            raise WorkbookRefused(f"工作簿的共享字符串表过大（已超过 {out.count:,} 条，读取需要超过 "
                                  f"{READ_BUDGET // MB} MB 内存）：请把名单拆成几个较小的文件再导入")
        if done:
            return out
    return None


def _exact_shared_strings(parts: _Parts, info: zipfile.ZipInfo, path: str) -> _Strings:
    out = _Strings()
    state = "before"  # → "in" <sst> → "done"
    si_name, si_start = None, 0
    for offset, body in parts.stream(info):
        _check_syntax(body, path, start=offset == 0)
        for m in _SST_TOKEN.finditer(body):
            closing, name, self_closing = m[1] == b"/", m[2], m[3].endswith(b"/")
            local = _local(name)
            if si_name is not None:  # inside a string: only its own end counts
                if closing and name == si_name:
                    out.add(offset + m.start() - si_start)
                    si_name = None
                elif local in (b"si", b"sst"):
                    raise WorkbookRefused(f"{path} 的结构异常（字符串嵌套），{REFUSED_SHAPE}")
                continue
            if local == b"sst" and state != "done":
                state = "done" if closing or self_closing else "in"
            elif local == b"si" and not closing:
                if state != "in":
                    raise WorkbookRefused(f"{path} 的结构异常，{REFUSED_SHAPE}")
                if self_closing:
                    out.add(0)
                else:
                    si_name, si_start = name, offset + m.end()
            if out.cost > READ_BUDGET:
                raise WorkbookRefused(f"工作簿的共享字符串表过大（已超过 {out.count:,} 条，读取需要超过 "
                                      f"{READ_BUDGET // MB} MB 内存）：请把名单拆成几个较小的文件再导入")
        if state == "done":
            break
    return out


_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?dimension(?=[\s/>])([^<>]*)>")
_REF = re.compile(rb"([A-Za-z]*)([0-9]*)")


def _position(ref: bytes) -> tuple[int, int] | None:
    """(row, column), 1-based, of a reference such as B7; None if not one."""
    m = _REF.fullmatch(ref)
    if not m or not m[1] or not m[2] or int(m[2]) < 1:
        return None
    return int(m[2]), column_number(m[1])


def _check_dimension(parts: _Parts, sheet: Sheet) -> None:
    """The extent the sheet declares, from its first bytes: refused past the limits
    without reading further (what counts is its cells: see _scan_sheet)."""
    with parts.z.open(parts.info(sheet.member)) as f:
        head = f.read(DIMENSION_PROBE)
    m = _DIMENSION.search(head)
    ref = _attrs(m[1]).get(b"ref") if m else None
    corners = [_position(p) for p in ref.split(b":")] if ref else []
    if not corners or None in corners:
        return  # none, or one the reader refuses in its turn
    rows = max(r for r, _ in corners) - min(r for r, _ in corners) + 1
    cols = max(c for _, c in corners) - min(c for _, c in corners) + 1
    if rows > MAX_ROWS or cols > MAX_COLUMNS or GRID_BYTES * rows * cols > READ_BUDGET:
        shown = ref[:40].decode(errors="replace")
        raise WorkbookRefused(f"工作表“{sheet.name}”声明的范围为 {shown}（{rows:,} 行 × {cols:,} 列），超过上限"
                              f"（{MAX_ROWS:,} 行、{MAX_COLUMNS} 列，或读取需要超过 {READ_BUDGET // MB} MB 内存）："
                              "请在 Excel 中把数据右侧和下方多余的行列整行整列删除（而不只是清除内容）后另存，再导入")


class _Tally:
    """What the reader will hold of the sheet, cell by cell, held to the limits."""

    def __init__(self, name: str, strings: _Strings):
        self.name, self.strings = name, strings
        self.max_row = self.max_col = self.cells = self.text = 0

    def extent(self, row: int, col: int) -> None:
        """A cell with a value at (row, col), 1-based, past the extent so far."""
        self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
        where = f"工作表“{self.name}”的 {column_letters(col)}{row} 单元格有内容"
        if self.max_col > MAX_COLUMNS:
            raise WorkbookRefused(f"{where}（第 {col:,} 列），超出 {MAX_COLUMNS} 列的上限：请删除表格右侧多余的列"
                                  "（或其中的内容、空格）后再导入")
        if self.max_row > MAX_ROWS:
            raise WorkbookRefused(f"{where}（第 {row:,} 行），超出 {MAX_ROWS:,} 行的上限：请删除下方多余的行"
                                  "（或其中的内容、空格）后再导入")

    @property
    def estimate(self) -> int:
        return (BASE_BYTES + GRID_BYTES * self.max_row * self.max_col + CELL_BYTES * self.cells + self.text
                + self.strings.cost)

    def check(self) -> None:
        if self.estimate > READ_BUDGET:
            raise WorkbookRefused(
                f"工作表“{self.name}”的内容过多（已读到第 {self.max_row:,} 行、第 {self.max_col} 列，读取需要超过 "
                f"{READ_BUDGET // MB} MB 内存）：请把名单拆成几个较小的文件分别导入，或删除多余的行列（及其中的内容、空格）后再导入")

    def bad_ref(self, *pieces) -> WorkbookRefused:
        shown = b"".join(p or b"" for p in pieces)[:20].decode(errors="replace")
        return WorkbookRefused(f"工作表“{self.name}”中的单元格引用“{shown}”无法识别，{REFUSED_SHAPE}")


def _scan_sheet(parts: _Parts, sheet: Sheet, strings: _Strings) -> Sheet:
    tally = _scan_plain(parts, sheet, strings) or _scan_exact(parts, sheet, strings)
    return Sheet(sheet.index, sheet.name, sheet.member, sheet.note, sheet.names,
                 tally.max_row, tally.max_col, tally.cells, tally.estimate)


# The sheet as Excel, WPS, LibreOffice and openpyxl write it: every cell with its
# own r="B7" first, plain attributes in double quotes, a shared string's number
# right after the tag, no namespace prefix. Such a sheet is read in bulk (~1 s per
# 100,000 rows); any other tag by tag (_scan_exact, ~4 s), as the reader places
# its cells.
_PLAIN_ATTR = rb'\s+[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?="[^"' + rb"'<>=]*" + rb'"'
_PLAIN_CELL = re.compile(
    rb'<c\s+r="([A-Z]{1,3})([0-9]{1,7})"'
    rb'(?:(?!\s+t=)' + _PLAIN_ATTR + rb')*(?:\s+t="([^"' + rb"'<>=]*)" + rb'")?(?:' + _PLAIN_ATTR + rb')*\s*(/?)>'
    rb'(?:<v>([0-9]{1,10})<)?')
_CELL_STARTS = (b"<c ", b"<c\t", b"<c\n", b"<c\r", b"<c>", b"<c/")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.\-]*:c[\s/>]")
_NO_TEXT = {None, b"", b"n", b"b", b"e"}  # numbers, booleans, errors: no text to hold
_PLAIN_TAG_BYTES = len('<c r="A1">')  # the least a plain cell's start tag takes of the text


def _scan_plain(parts: _Parts, sheet: Sheet, strings: _Strings) -> _Tally | None:
    """The cells' extent exactly; their text at most what the piece holds beyond
    the cells' start tags (a shared string's, its own length). None when the
    sheet is not written plainly."""
    tally = _Tally(sheet.name, strings)
    lengths, count, longest = strings.lengths, strings.count, strings.longest
    for offset, body in parts.stream(parts.info(sheet.member)):
        if offset == 0 and (m := _DECLARATION.match(body)):
            body = body[m.end():]
        if b"<!" in body or b"<?" in body or (b":c" in body and _PREFIXED_CELL.search(body)):
            return None
        found = _PLAIN_CELL.findall(body)
        if len(found) != sum(body.count(start) for start in _CELL_STARTS):
            return None  # a cell not written plainly
        if not found:
            continue
        letters, digits, kinds, slashes, numbers = zip(*found, strict=True)
        if b"/" in slashes:  # cells without a value: the reader keeps nothing of them
            valued = [f for f in found if not f[3]]
            if not valued:
                continue
            letters, digits, kinds, slashes, numbers = zip(*valued, strict=True)
        rows = list(map(int, digits))
        if min(rows) < 1:
            raise tally.bad_ref(b"A", b"0")
        tally.cells += len(rows)
        row, col = max(rows), max(map(column_number, set(letters)))
        if row > tally.max_row or col > tally.max_col:
            if col > MAX_COLUMNS or row > MAX_ROWS:  # name the first cell past the limits
                i = next(i for i, (r, c) in enumerate(zip(rows, letters, strict=True))
                         if r > MAX_ROWS or column_number(c) > MAX_COLUMNS)
                tally.extent(rows[i], column_number(letters[i]))
            tally.extent(row, col)
        typed = len(kinds) - sum(kinds.count(k) for k in _NO_TEXT)
        shared = [n for k, n in zip(kinds, numbers, strict=True) if k == b"s"]
        tally.text += (TEXT_BYTES * typed + max(0, len(body) - _PLAIN_TAG_BYTES * len(rows))
                       + sum(lengths[int(n)] if n and int(n) < count else longest for n in shared))
        tally.check()
    return tally


def _attr(name: bytes, value: bytes = rb"""([^"']*)""") -> bytes:
    """A lookahead capturing attribute `name` of a tag, if it has one: sound since
    _WELL_FORMED has refused "=" and quotes inside a <c>'s or <row>'s values."""
    return rb"(?=(?:[^<>]*?\s" + name + rb"""\s*=\s*["']""" + value + rb"""["'])?)"""


# A cell's start tag (its r split into letters, digits and anything else; its t),
# with its content and end tag when they are in the same piece of the stream; or
# a <row>, a </row>, a </c>.
_REF_PARTS = rb"""([A-Za-z]*)([0-9]*)([^"']*)"""
_CONTENT = rb"[^<]*+(?:<(?!/?" + _P + rb"(?:c|row)[\s/>])[^<]*+)*+"
_TOKEN = re.compile(
    rb"<" + _P + rb"c(?=[\s/>])" + _attr(b"r", _REF_PARTS) + _attr(b"t") + rb"[^<>]*?(/?)>"
    rb"(?:(" + _CONTENT + rb")</" + _P + rb"c\s*>)?"
    rb"|<(/?)" + _P + rb"(row|c)(?=[\s/>])" + _attr(b"r", _REF_PARTS) + rb"[^<>]*?(/?)>")
_SHARED_INDEX = re.compile(rb"<" + _P + rb"v(?=[\s/>])[^<>]*>([^<]*)")


def _scan_exact(parts: _Parts, sheet: Sheet, strings: _Strings) -> _Tally:
    """Tag by tag, every cell where the reader places it: by its own reference,
    else in the next column of the current row (<row r="…">, or the one after the
    row before)."""
    tally = _Tally(sheet.name, strings)
    name = sheet.name
    row_index = col_index = 0  # 0-based, as the reader counts
    open_cell = None  # (t, offset of its content) of a cell whose end is in a later piece
    columns: dict[bytes, int] = {}
    for offset, body in parts.stream(parts.info(sheet.member)):
        _check_syntax(body, sheet.member, start=offset == 0)
        for m in _TOKEN.finditer(body):
            letters, digits, junk, kind, slash, content = m.group(1, 2, 3, 4, 5, 6)
            if m[7] is not None:  # <row>, </row> or </c>
                if m[8] == b"c":
                    if open_cell is not None and m[7]:  # the end of a cell begun in an earlier piece
                        t, start = open_cell
                        tally.text += _text_cost(t, offset + m.start() - start, None, strings, name)
                        open_cell = None
                    elif open_cell is not None or not m[7]:
                        raise WorkbookRefused(f"工作表“{name}”的结构异常（单元格在单元格之内），{REFUSED_SHAPE}")
                    continue  # a stray </c> the reader ignores
                if open_cell is not None:
                    raise WorkbookRefused(f"工作表“{name}”的结构异常（行在单元格之内），{REFUSED_SHAPE}")
                if not m[7] and m[9] is not None:
                    if m[11] or not m[10] or int(m[10]) < 1:
                        raise tally.bad_ref(m[9], m[10], m[11])
                    row_index = int(m[10]) - 1
                if m[7] or m[12]:
                    row_index, col_index = row_index + 1, 0
                continue
            if open_cell is not None:
                raise WorkbookRefused(f"工作表“{name}”的结构异常（单元格在单元格之内），{REFUSED_SHAPE}")
            if letters is not None:  # r="B7": where the reader puts it
                if junk or not letters or not digits or int(digits) < 1:
                    raise tally.bad_ref(letters, digits, junk)
                col = columns.get(letters) or columns.setdefault(letters, column_number(letters))
                row = int(digits)
                col_index = col
            else:
                row, col = row_index + 1, col_index + 1
                col_index += 1
            if slash:
                continue  # no value: the reader keeps nothing of it
            tally.cells += 1
            if row > tally.max_row or col > tally.max_col:
                tally.extent(row, col)
            if content is None:
                open_cell = (kind, offset + m.end())
            elif kind not in _NO_TEXT:
                indices = None
                if kind == b"s":
                    indices = [x[1].strip() for x in _SHARED_INDEX.finditer(body, m.start(6), m.end(6))]
                tally.text += _text_cost(kind, len(content), indices, strings, name)
        tally.check()
    return tally


def _text_cost(kind: bytes | None, length: int, indices: list[bytes] | None, strings: _Strings, name: str) -> int:
    """What the reader holds of one cell's text: a shared string's (copied for this
    cell), else at most the cell's XML. `indices` None: not known, count the worst."""
    if length > MAX_CELL_BYTES:
        raise WorkbookRefused(f"工作表“{name}”中有超长的单元格（{length / MB:.1f} MB），{REFUSED_SHAPE}")
    if kind in _NO_TEXT:
        return 0
    if kind == b"s":
        if indices is None:
            return TEXT_BYTES + strings.longest
        return TEXT_BYTES + max((strings.length(i or None) for i in indices), default=0)
    return TEXT_BYTES + length


def column_number(letters: bytes | str) -> int:
    n = 0
    for ch in (letters.encode() if isinstance(letters, str) else letters).upper():
        n = n * 26 + ch - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out
