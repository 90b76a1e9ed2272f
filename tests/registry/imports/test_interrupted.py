"""An import whose worker died (issue 16): it stayed "running" forever and could not
be confirmed again; and after a million-row file the list of imports read every
stored notice on each visit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zjtx.registry import models

from .test_web import ROWS, xlsx_upload

pytestmark = pytest.mark.django_db


def test_a_run_whose_worker_died_shows_as_interrupted_and_can_be_confirmed_again(tmp_path, client_admin):
    client_admin.post(reverse("registry:import-upload"), {"kind": "recognitions", "file": xlsx_upload(tmp_path, ROWS)})
    preview = models.ImportLog.objects.get()
    # The confirmed run's worker was killed while writing: the row says running, nothing written.
    dead = models.ImportLog.objects.create(
        kind=preview.kind, dry_run=False, source="web", user=preview.user, file_name=preview.file_name,
        file_size=preview.file_size, file_sha256=preview.file_sha256, stored_path=preview.stored_path,
        preview=preview, status="running", started_at=timezone.now() - dt.timedelta(hours=1),
        heartbeat_at=timezone.now() - dt.timedelta(minutes=31))
    assert dead.interrupted and dead.finished
    html = client_admin.get(reverse("registry:import-detail", args=[dead.pk])).content.decode()
    assert "已中断" in html and "重新确认导入" in html and "hx-get" not in html
    html = client_admin.get(reverse("registry:import-detail", args=[preview.pk])).content.decode()
    assert f"上次确认的导入 #{dead.pk} 已中断" in html and "确认导入</button>" in html
    assert "已中断（未写入）" in client_admin.get(reverse("registry:import-home")).content.decode()

    client_admin.post(reverse("registry:import-confirm", args=[preview.pk]))
    run = models.ImportLog.objects.filter(dry_run=False).order_by("-pk").first()
    assert run.pk != dead.pk and run.status == "done" and models.Recognition.objects.count() == 2
    dead.refresh_from_db()
    assert dead.status == "failed" and "中断" in dead.message


def test_a_run_with_recent_progress_is_not_interrupted(db):
    log = models.ImportLog.objects.create(kind="recognitions", file_name="x.xlsx", status="running",
                                          heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    assert not log.interrupted and not log.finished


def test_the_list_of_imports_never_reads_the_stored_rows_and_notices(client_admin):
    big = [[n, "有效期至", "未填写，按认定时间起三年推定"] for n in range(50_000)]
    models.ImportLog.objects.create(kind="recognitions", file_name="百万行.xlsx", status="done", notices=big,
                                    errors=big)
    with CaptureQueriesContext(connection) as queries:
        page = client_admin.get(reverse("registry:import-home"))
    assert page.status_code == 200 and "百万行.xlsx" in page.content.decode()
    reads = [q["sql"] for q in queries if "registry_importlog" in q["sql"]]
    assert reads and not any('"notices"' in sql or '"errors"' in sql for sql in reads), reads


def test_a_file_with_a_notice_a_row_keeps_ten_thousand_and_says_how_many_more():
    from zjtx.registry.imports.service import NOTICES_KEPT, Issue, _kept

    notices = [Issue(n, "有效期至", "未填写，按认定时间起三年推定") for n in range(NOTICES_KEPT + 5)]
    kept = _kept(notices)
    assert len(kept) == NOTICES_KEPT + 1 and kept[-1][2] == f"另有 5 条提示未保存（共 {NOTICES_KEPT + 5} 条）"
    assert _kept(notices[:3]) == [[n, "有效期至", "未填写，按认定时间起三年推定"] for n in range(3)]


def test_the_import_page_sets_a_whole_lists_tier_date_and_source(tmp_path, client_admin):
    """Issue 9: a published list of names alone, previewed and confirmed from the page."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.registry.factories import enterprise

    from .helpers import write_xlsx

    ents = [enterprise(name=f"洛阳网页名单{i}有限公司") for i in range(3)]
    path = write_xlsx(tmp_path / "名单.xlsx", ["序号", "企业名称", "所属地区"],
                      [[i + 1, e.name, "洛阳市"] for i, e in enumerate(ents)])

    def upload(**constants):
        return client_admin.post(reverse("registry:import-upload"), {
            "kind": "recognitions", **constants,
            "file": SimpleUploadedFile("名单.xlsx", path.read_bytes())})

    bad = upload(tier="瞪羚企业", announced_on="2024-12-20")
    assert bad.status_code == 400 and "整份名单的认定类型" in bad.content.decode()
    assert not models.ImportLog.objects.exists()
    upload(tier="专精特新中小企业", announced_on="2024.12.20", source_document="豫工信企业〔2024〕123号")
    preview = models.ImportLog.objects.get()
    assert (preview.status, preview.created) == ("done", 3), preview.errors
    html = client_admin.get(reverse("registry:import-detail", args=[preview.pk])).content.decode()
    assert "认定类型：专精特新中小企业" in html
    client_admin.post(reverse("registry:import-confirm", args=[preview.pk]))
    assert models.Recognition.objects.filter(tier="provincial", source_document="豫工信企业〔2024〕123号",
                                             announced_on=dt.date(2024, 12, 20)).count() == 3
