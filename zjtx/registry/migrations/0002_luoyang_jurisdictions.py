"""Luoyang's fiscal homes as of 2026 (ANALYSIS.md §3), with the codes retired in
March 2021 kept as rows that point to their successor. The city admin edits this
table from now on; the data is written out here so the migration never changes."""

import datetime as dt

from django.db import migrations

CURRENT = [
    ("410302", "老城区", "district", "city50_local50", ""),
    ("410303", "西工区", "district", "city50_local50", ""),
    ("410304", "瀍河回族区", "district", "city50_local50", "瀍河区"),
    ("410305", "涧西区", "district", "city50_local50", ""),
    ("410307", "偃师区", "district", "city50_local50", ""),
    ("410308", "孟津区", "district", "city50_local50", ""),
    ("410311", "洛龙区", "district", "city50_local50", ""),
    ("410323", "新安县", "county", "county100", ""),
    ("410324", "栾川县", "county", "county100", ""),
    ("410325", "嵩县", "county", "county100", ""),
    ("410326", "汝阳县", "county", "county100", ""),
    ("410327", "宜阳县", "county", "county100", ""),
    ("410328", "洛宁县", "county", "county100", ""),
    ("410329", "伊川县", "county", "county100", ""),
    ("410371", "洛阳高新技术产业开发区", "zone", "city50_local50", "高新区,洛阳高新区,高新技术产业开发区"),
    # No official code is published for 伊滨区; D3 treats it as a city-level zone.
    ("LY-YIBIN", "伊滨区", "zone", "city50_local50", "伊滨经开区,伊洛工业园区"),
]
RETIRED = [
    ("410381", "偃师市", "county", "county100", "410307"),
    ("410322", "孟津县", "county", "county100", "410308"),
    ("410306", "吉利区", "district", "city50_local50", "410308"),
]
RETIRED_ON = dt.date(2021, 3, 18)


def seed(apps, schema_editor):
    Jurisdiction = apps.get_model("registry", "Jurisdiction")
    for code, name, kind, funding, alt in CURRENT:
        Jurisdiction.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "funding": funding, "alt_names": alt})
    for code, name, kind, funding, successor in RETIRED:
        Jurisdiction.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "funding": funding, "valid_to": RETIRED_ON,
                                 "successor": Jurisdiction.objects.get(code=successor)})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
