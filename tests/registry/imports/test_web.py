"""The city admin's import page: upload, preview, confirm (ImmediateBackend runs the
background task at once), past imports, templates and exports; nobody else."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.registry.factories import make_uscc
from zjtx.accounts.models import Role
from zjtx.registry import models

from .helpers import REC_HEADINGS, write_xlsx

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS = [[1, "洛阳网页甲有限公司", make_uscc("410305", 5001), "涧西区", "省级专精特新中小企业", "第一批", "2023-05-01", ""],
        [2, "洛阳网页乙有限公司", make_uscc("410323", 5002), "新安县", "创新型中小企业", "", "2023/6/1", "2026-05-31"]]


from .conftest import user_with  # noqa: E402  (the admin and client_admin fixtures live there too)


def xlsx_upload(tmp_path, rows, name="认定名单.xlsx"):
    path = write_xlsx(tmp_path / "upload.xlsx", REC_HEADINGS, rows)
    return SimpleUploadedFile(name, path.read_bytes(), content_type=XLSX)


def test_upload_preview_confirm_and_the_log(tmp_path, client_admin, admin):
    page = client_admin.get(reverse("registry:import-home"))
    assert page.status_code == 200
    assert "数据导入" in page.content.decode() and "上传并试导入" in page.content.decode()

    response = client_admin.post(reverse("registry:import-upload"),
                                 {"kind": "recognitions", "file": xlsx_upload(tmp_path, ROWS)})
    preview = models.ImportLog.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("registry:import-detail", args=[preview.pk])
    assert (preview.dry_run, preview.status, preview.source, preview.user, preview.created) == (
        True, "done", "web", admin, 2)
    assert models.Recognition.objects.count() == 0  # a preview writes nothing
    html = client_admin.get(response["Location"]).content.decode()
    assert "import recognitions: 2 rows, 2 created, 0 updated, 0 errors" in html
    assert "确认导入" in html and "按认定时间起三年推定" in html

    response = client_admin.post(reverse("registry:import-confirm", args=[preview.pk]))
    run = models.ImportLog.objects.get(dry_run=False)
    assert response["Location"] == reverse("registry:import-detail", args=[run.pk])
    assert (run.status, run.created, run.preview, run.file_sha256) == ("done", 2, preview, preview.file_sha256)
    assert models.Recognition.objects.count() == 2
    assert {h.history_user for h in models.Recognition.history.all()} == {admin}
    html = client_admin.get(response["Location"]).content.decode()
    assert "已写入：新增 2 条" in html

    # Confirming twice runs once; the preview now links to its run.
    client_admin.post(reverse("registry:import-confirm", args=[preview.pk]))
    assert models.ImportLog.objects.filter(dry_run=False).count() == 1
    assert f"查看导入 #{run.pk}" in client_admin.get(reverse("registry:import-detail", args=[preview.pk])).content.decode()

    listing = client_admin.get(reverse("registry:import-home")).content.decode()
    assert listing.count("认定名单.xlsx") == 2 and "cityadmin" in listing

    # The same file again: nothing to do, and nothing to confirm.
    client_admin.post(reverse("registry:import-upload"), {"kind": "recognitions", "file": xlsx_upload(tmp_path, ROWS)})
    again = models.ImportLog.objects.order_by("-pk").first()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    html = client_admin.get(reverse("registry:import-detail", args=[again.pk])).content.decode()
    assert "无需导入" in html and "确认导入</button>" not in html


def test_a_file_with_bad_rows_is_listed_row_by_row_and_cannot_be_confirmed(tmp_path, client_admin):
    rows = [ROWS[0], [2, "洛阳坏有限公司", "91410305MA0EXAM01X", "火星区", "省级专精特新中小企业", "", "23.5.1", ""]]
    client_admin.post(reverse("registry:import-upload"), {"kind": "recognitions", "file": xlsx_upload(tmp_path, rows)})
    log = models.ImportLog.objects.get()
    assert (log.status, log.error_count) == ("refused", 1)
    html = client_admin.get(reverse("registry:import-detail", args=[log.pk])).content.decode()
    for text in ("第3行", "统一社会信用代码无效：91410305MA0EXAM01X，校验码不符", "未知的县区“火星区”", "日期格式不正确", "未写入任何数据"):
        assert text in html
    assert "确认导入</button>" not in html
    response = client_admin.post(reverse("registry:import-confirm", args=[log.pk]), follow=True)
    assert "只有无错误的试导入才能确认导入" in response.content.decode()
    assert models.ImportLog.objects.count() == 1 and models.Recognition.objects.count() == 0
    csv_text = client_admin.get(reverse("registry:import-errors", args=[log.pk])).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "行号,列名,原因" and "3,所属县区,未知的县区“火星区”" in csv_text


@pytest.mark.parametrize("name, content, message", [
    ("名单.xls", b"\xd0\xcf\x11\xe0", "另存为 .xlsx"),
    ("名单.pdf", b"%PDF-1.4", "只能上传 .xlsx 或 .csv 文件"),
    ("名单.xlsx", b"not a zip at all", "不是有效的 .xlsx 工作簿"),
])
def test_wrong_file_types_are_refused_with_a_clear_message(client_admin, name, content, message):
    response = client_admin.post(reverse("registry:import-upload"),
                                 {"kind": "recognitions", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert models.ImportLog.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(client_admin, settings):
    settings.ZJTX_IMPORT_MAX_BYTES = 1024
    response = client_admin.post(reverse("registry:import-upload"),
                                 {"kind": "recognitions", "file": SimpleUploadedFile("big.csv", b"x" * 2048)})
    assert response.status_code == 400 and "不能超过" in response.content.decode()


def test_progress_fragment_polls_until_done(tmp_path, client_admin):
    client_admin.post(reverse("registry:import-upload"), {"kind": "recognitions", "file": xlsx_upload(tmp_path, ROWS)})
    log = models.ImportLog.objects.get()
    models.ImportLog.objects.filter(pk=log.pk).update(status="running", phase="读取并校验", progress_done=500,
                                                      progress_total=1000)
    response = client_admin.get(reverse("registry:import-progress", args=[log.pk]))
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html and "50% · 500 / 1000 行" in html and "HX-Refresh" not in response
    detail = client_admin.get(reverse("registry:import-detail", args=[log.pk])).content.decode()
    assert "htmx.min.js" in detail and 'id="import-progress"' in detail
    models.ImportLog.objects.filter(pk=log.pk).update(status="done")
    assert client_admin.get(reverse("registry:import-progress", args=[log.pk]))["HX-Refresh"] == "true"


def test_templates_and_exports_download_as_xlsx(tmp_path, client_admin):
    client_admin.post(reverse("registry:import-upload"), {"kind": "recognitions", "file": xlsx_upload(tmp_path, ROWS)})
    client_admin.post(reverse("registry:import-confirm", args=[models.ImportLog.objects.get().pk]))
    response = client_admin.get(reverse("registry:import-template", args=["recognitions"]))
    assert response["Content-Type"] == XLSX and "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in wb.worksheets[0][1]] == REC_HEADINGS[:5] + ["认定方式"] + REC_HEADINGS[5:] + ["来源文件"]
    response = client_admin.get(reverse("registry:import-export", args=["recognitions"]))
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert ws.max_row == 3 and ws["B2"].value == "洛阳网页甲有限公司"
    assert client_admin.get(reverse("registry:import-export", args=["nonsense"])).status_code == 404


@pytest.mark.parametrize("role", [Role.UNIT, Role.LOCAL, Role.ENTERPRISE, Role.FINANCE_CITY])
def test_other_roles_are_refused(tmp_path, role):
    c = Client()
    c.force_login(user_with(role, f"user-{role}"))
    for url in (reverse("registry:import-home"), reverse("registry:import-template", args=["recognitions"]),
                reverse("registry:import-export", args=["enterprises"])):
        assert c.get(url).status_code == 403
    response = c.post(reverse("registry:import-upload"), {"kind": "recognitions", "file": xlsx_upload(tmp_path, ROWS)})
    assert response.status_code == 403
    assert models.ImportLog.objects.count() == 0


def test_anonymous_is_sent_to_login():
    response = Client().get(reverse("registry:import-home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_upload_needs_the_csrf_token(tmp_path, admin):
    c = Client(enforce_csrf_checks=True)
    c.force_login(admin)
    response = c.post(reverse("registry:import-upload"), {"kind": "recognitions", "file": xlsx_upload(tmp_path, ROWS)})
    assert response.status_code == 403
    assert models.ImportLog.objects.count() == 0
    assert 'name="csrfmiddlewaretoken"' in c.get(reverse("registry:import-home")).content.decode()
