"""免申即享 without a button: a registry change or an import leads to a scan."""

from __future__ import annotations

import pytest

from tests.registry.factories import enterprise, make_uscc, recognition
from tests.registry.imports.helpers import REC_HEADINGS, write_xlsx
from zjtx.fulfilment.models import Claim
from zjtx.registry.imports.service import run_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def auto(settings):
    settings.ZJTX_AUTO_SCAN = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_registry_change_scans_once_when_it_commits(auto, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ent = enterprise(home="410305")
        recognition(ent, tier="provincial", on="2023-03-01", to="2026-02-28")
    assert len(callbacks) == 1  # two rows changed, one scan
    assert Claim.objects.filter(entitlement__enterprise=ent).count() == 1


def test_nothing_is_scanned_when_switched_off(settings, django_capture_on_commit_callbacks):
    settings.ZJTX_AUTO_SCAN = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        recognition(enterprise(home="410305"), tier="provincial", on="2023-03-01", to="2026-02-28")
    assert not callbacks and not Claim.objects.exists()


def test_an_import_is_followed_by_a_scan_that_reports(auto, tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", REC_HEADINGS, [
        [1, "洛阳自动扫描精密有限公司", make_uscc("410323"), "新安县", "省级专精特新中小企业", "2023年第一批",
         "2023-03-01", "2026-02-28"]])
    report = run_import("recognitions", str(path))
    assert report.summary_line.startswith("import recognitions: 1 rows, 1 created")
    assert report.scan_line == "scan: 1 new, 0 changed, 0 unchanged"
    assert Claim.objects.count() == 1


def test_the_import_command_prints_the_scan_before_its_last_line(auto, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = write_xlsx(tmp_path / "list.xlsx", REC_HEADINGS, [
        [1, "洛阳命令行扫描有限公司", make_uscc("410305"), "涧西区", "国家级专精特新“小巨人”企业", "第五批",
         "2023年7月1日", ""]])
    out = StringIO()
    call_command("import", "recognitions", str(path), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-2] == "scan: 1 new, 0 changed, 0 unchanged"
    assert lines[-1] == "import recognitions: 1 rows, 1 created, 0 updated, 0 errors"
