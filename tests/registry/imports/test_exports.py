"""Templates and exports use the import headings; an export imports back as a no-op."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from tests.registry.factories import enterprise, jurisdiction, make_uscc, recognition
from zjtx.registry import models
from zjtx.registry.imports.columns import SPECS

from .helpers import run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", list(SPECS))
def test_the_template_has_headings_an_example_and_instructions(tmp_path, kind):
    path = tmp_path / "t.xlsx"
    call_command("import-template", kind, str(path), stdout=StringIO())
    wb = load_workbook(path)
    sheet, notes = wb.worksheets
    assert sheet.title == SPECS[kind].title and notes.title == "填写说明"
    assert [c.value for c in sheet[1]] == SPECS[kind].headings
    assert sheet["A2"].value == "示例"
    documented = [r[0].value for r in notes.iter_rows(min_row=2) if r[0].value]
    assert documented == SPECS[kind].headings
    # The example row is skipped, so the untouched template imports as nothing.
    assert run(kind, path)[1][-1] == f"import {kind}: 0 rows, 0 created, 0 updated, 0 errors"


def test_recognitions_template_documents_the_required_columns(tmp_path):
    path = tmp_path / "t.xlsx"
    call_command("import-template", "recognitions", str(path), stdout=StringIO())
    notes = {r[0].value: (r[1].value, r[2].value) for r in load_workbook(path)["填写说明"].iter_rows(min_row=2)}
    for heading in ("企业名称", "认定类型", "认定时间"):
        assert notes[heading][0] == "必填"
    assert "2026-04-30" in notes["有效期至"][1]
    assert "偃师市" in notes["所属县区"][1]


def populate():
    a = enterprise(name="洛阳（甲）科技有限公司", home="410305", industry="新材料", size="small", listed=True,
                   listed_on=dt.date(2024, 1, 5), exchange="深圳证券交易所", neeq_layer="basic")
    b = enterprise(name="偃师老企业有限公司", home="410381")  # kept under a retired code
    recognition(a, tier="national", on="2023-07-14", to="2026-07-13", batch="第五批")
    models.Recognition.objects.create(enterprise=b, tier="provincial", announced_on=dt.date(2023, 5, 1),
                                      valid_to=dt.date(2026, 4, 30), valid_to_defaulted=True)
    for kw in ({"kind": "ipo_node", "path": "domestic", "node": "tutoring_accepted", "exchange": "上交所"},
               {"kind": "ipo_withdrawn", "path": "overseas"}, {"kind": "neeq", "action": "demoted_to_basic"},
               {"kind": "regional_equity_listed", "board": "display", "market": "中原股权交易中心"}):
        models.ListingMilestone.objects.create(enterprise=a, date=dt.date(2023, 3, 1), **kw)
    inv = models.Investor.objects.create(name="洛阳某基金", kind="private_fund", uscc=make_uscc("410300"))
    fund = models.Investor.objects.create(name="某契约基金", kind="private_fund")
    models.Investment.objects.create(investor=inv, investee=a, round="A轮", paid_in=Decimal("1234567.89"),
                                     subscribed=Decimal("2000000"), paid_in_date=dt.date(2023, 6, 1))
    models.Investment.objects.create(investor=inv, fund=fund, vehicle="fund_setup", round="设立", tranche=2,
                                     paid_in=Decimal("0.01"), paid_in_date=dt.date(2023, 6, 2),
                                     registered_on=dt.date(2023, 7, 1))
    op = models.ServiceOperator.objects.create(name="某平台公司", uscc=make_uscc("410311"),
                                               fiscal_home=jurisdiction("410311"))
    models.PlatformRecognition.objects.create(operator=op, platform_name="某平台", honour="entrepreneurship_base",
                                              level="national", kind="review", recognized_on=dt.date(2023, 9, 1))


@pytest.mark.parametrize("kind", list(SPECS))
def test_export_then_import_changes_nothing(tmp_path, kind):
    populate()
    path = tmp_path / "export.xlsx"
    call_command("export", kind, str(path), stdout=StringIO())
    ws = load_workbook(path).worksheets[0]
    assert [c.value for c in ws[1]] == SPECS[kind].headings
    n = ws.max_row - 1
    assert n >= 1
    history = sum(m.history.count() for m in (models.Enterprise, models.Recognition, models.ListingMilestone,
                                               models.Investment, models.Investor, models.PlatformRecognition))
    rc, out = run(kind, path)
    assert rc == 0, out
    assert out[-1] == f"import {kind}: {n} rows, 0 created, 0 updated, 0 errors"
    assert history == sum(m.history.count() for m in (
        models.Enterprise, models.Recognition, models.ListingMilestone, models.Investment, models.Investor,
        models.PlatformRecognition))


def test_an_export_fills_an_empty_registry_again(tmp_path):
    populate()
    paths = {}
    for kind in ("enterprises", "recognitions"):
        paths[kind] = tmp_path / f"{kind}.xlsx"
        call_command("export", kind, str(paths[kind]), stdout=StringIO())
    before = set(models.Recognition.objects.values_list("enterprise__uscc", "tier", "announced_on", "valid_to"))
    models.Recognition.objects.all().delete()
    models.ListingMilestone.objects.all().delete()
    models.Investment.objects.all().delete()
    models.Enterprise.objects.all().delete()
    assert run("enterprises", paths["enterprises"])[1][-1] == "import enterprises: 2 rows, 2 created, 0 updated, 0 errors"
    assert run("recognitions", paths["recognitions"])[1][-1] == (
        "import recognitions: 2 rows, 2 created, 0 updated, 0 errors")
    after = set(models.Recognition.objects.values_list("enterprise__uscc", "tier", "announced_on", "valid_to"))
    assert after == before
