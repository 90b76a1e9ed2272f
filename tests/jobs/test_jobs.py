"""Long work out of the web request (issue 16: the scan took 8–17 s and a policy
preview 21 s at 51,000 enterprises inside a request that gunicorn ends at 30 s).
Here the tasks are queued in the database as in production, and the worker's
part is played by running the queued task."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from zjtx.fulfilment.models import Entitlement
from zjtx.jobs import runner
from zjtx.jobs.models import STALE_AFTER, Job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _queued_for_the_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_scan_button_queues_a_scan_and_the_page_follows_it(client, world):
    client.force_login(world["city_admin"])
    response = client.post("/fulfilment/scan/")
    job = Job.objects.get(kind=Job.Kind.SCAN)
    assert response.status_code == 302 and response["Location"] == f"/fulfilment/scan/?job={job.pk}"
    assert job.state == Job.State.QUEUED and not Entitlement.objects.exists()  # the request did not scan
    page = text(client.get(response["Location"]))
    assert "排队中" in page and f'hx-get="/jobs/{job.pk}/progress/"' in page and "立即扫描" not in page
    # a second press while it waits starts nothing more
    client.post("/fulfilment/scan/")
    assert Job.objects.count() == 1
    # the worker runs it
    assert runner.run(job.pk) == Job.State.DONE
    fragment = client.get(f"/jobs/{job.pk}/progress/")
    assert fragment["HX-Refresh"] == "true"
    page = text(client.get(response["Location"]))
    assert "scan: 2 new, 0 changed, 0 unchanged" in page and "立即扫描" in page
    assert Entitlement.objects.count() == 2
    # nobody else reads it, not even by id
    client.force_login(world["county_410323"])
    assert client.get(f"/jobs/{job.pk}/progress/").status_code == 404


def test_the_scan_records_its_phases_where_the_page_can_read_them(world, monkeypatch):
    seen = []
    real = runner._update
    monkeypatch.setattr(runner, "_update", lambda job, **v: (seen.append(v.get("phase")), real(job, **v)))
    job = Job.objects.create(kind=Job.Kind.SCAN, requested_by=world["city_admin"])
    runner.run(job.pk)
    phases = [p for p in seen if p]
    assert phases[:4] == ["读取", "计算", "比对", "生成计算过程"], seen


def test_a_policy_preview_runs_in_the_worker_and_then_can_be_saved(client, world):
    client.force_login(world["city_admin"])
    form = {"kind": "parameter", "key": "art1_provincial_zjtx", "value": "120000", "effective_from": "2022-07-01",
            "reason": "提高标准"}
    response = client.post("/policy/change/", {**form, "action": "preview"})
    job = Job.objects.get(kind=Job.Kind.POLICY_PREVIEW)
    waiting = text(client.get(response["Location"]))
    assert "排队中" in waiting and "确认保存" not in waiting
    runner.run(job.pk)
    page = client.get(response["Location"]).content.decode()
    assert "影响预览：2 项应享奖励会改变" in page and "确认保存" in page and 'value="120000.00"' in page
    token = re.search(r'name="previewed" value="([0-9a-f]+)"', page).group(1)
    saved = client.post("/policy/change/", {**form, "previewed": token, "action": "save"})
    assert saved.status_code == 302 and saved["Location"] == "/policy/changes/"
    # a preview of another parameter's job id is not shown under this one
    assert client.get(f"/policy/change/?kind=parameter&key=art6_rate&job={job.pk}").status_code == 404


def test_a_job_whose_worker_died_is_shown_as_interrupted_and_can_start_again(client, world):
    client.force_login(world["city_admin"])
    client.post("/fulfilment/scan/")
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING,
                                         heartbeat_at=timezone.now() - STALE_AFTER - dt.timedelta(minutes=1))
    page = text(client.get(f"/fulfilment/scan/?job={job.pk}"))
    assert "已中断" in page and "立即扫描" in page
    client.post("/fulfilment/scan/")
    assert Job.objects.filter(state=Job.State.QUEUED).count() == 1 and Job.objects.count() == 2


def test_a_failing_job_says_why_and_logs_the_traceback(world, monkeypatch, caplog):
    def broken(*a, **k):
        raise RuntimeError("企业库读取失败")

    monkeypatch.setattr("zjtx.fulfilment.jobs.run_scan", broken)
    job = Job.objects.create(kind=Job.Kind.SCAN, requested_by=world["city_admin"])
    assert runner.run(job.pk) == Job.State.FAILED
    job.refresh_from_db()
    assert job.error == "企业库读取失败" and job.finished_at
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)
    assert runner.run(job.pk) == Job.State.FAILED  # a task delivered twice does not run again
