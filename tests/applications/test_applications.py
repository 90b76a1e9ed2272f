"""Applications from the parties the registry cannot see without them: submitted
with evidence, reviewed, accepted into the registry and scanned into a claim —
or refused, with nothing written, for every kind of bad input."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.registry.factories import make_uscc
from zjtx.applications import services
from zjtx.applications.models import Application, Attachment
from zjtx.fulfilment.models import AuditEvent, Claim, Entitlement, Notification
from zjtx.fulfilment.scan import run_scan
from zjtx.registry.models import Investment, ListingMilestone, PlatformRecognition

from .conftest import JPG, PDF, PNG, upload

pytestmark = pytest.mark.django_db

NEW = "/applications/new/"


def text(response) -> str:
    return response.content.decode()


def investment(p, **changes) -> dict:
    data = {"target_uscc": p["jx"].uscc, "vehicle": "direct", "round": "A轮", "tranche": "1",
            "paid_in": "20000000.00", "paid_in_date": "2024-05-10", "files": [upload()]}
    data.update(changes)
    return data


def submit(client, user, data):
    client.force_login(user)
    return client.post(NEW, data)


def decide(client, user, app, decision, comment="", confirmed=True):
    client.force_login(user)
    data = {"decision": decision, "comment": comment}
    if confirmed:
        data["confirmed"] = "1"
    return client.post(f"/applications/{app.pk}/decide/", data)


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_an_investor_application_is_accepted_and_its_claim_appears(client, parties, media):
    run_scan()
    investor, jinrong = parties["investor"], parties["jinrong"]
    client.force_login(investor)
    page = text(client.get(NEW))
    assert "股权投资申报（第6条）" in page and 'enctype="multipart/form-data"' in page
    assert client.get("/fulfilment/apply/").url == NEW  # the name the nav links
    r = submit(client, investor, investment(parties, files=[upload(), upload("验资报告.png", PNG, "image/png")]))
    app = Application.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/applications/{app.pk}/"
    assert (app.kind, app.state, app.investor, app.enterprise) == ("investment", "submitted", parties["fund"],
                                                                   parties["jx"])
    assert app.data["paid_in"] == "20000000.00" and app.data["paid_in_date"] == "2024-05-10"
    assert not Investment.objects.exists()  # nothing enters the registry before review
    pdf, png = app.attachments.all()
    assert (pdf.original_name, pdf.content_type, pdf.size) == ("实缴凭证.pdf", "application/pdf", len(PDF))
    assert png.content_type == "image/png" and len(stored_files(media)) == 2
    assert not any("实缴凭证" in p.name for p in stored_files(media))  # stored under a random name
    # the evidence is served to the applicant, through the checked view
    r = client.get(f"/applications/attachments/{pdf.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf" and r["Content-Security-Policy"] == "sandbox"

    # 金融局 reviews Art. 6: the queue, the page, a confirmation, then the decision
    client.force_login(jinrong)
    assert f'data-application="{app.pk}"' in text(client.get("/applications/"))
    page = text(client.get(f"/applications/{app.pk}/"))
    assert "涧西某轴承有限公司" in page and "20000000.00" in page and "采纳…" in page
    r = decide(client, jinrong, app, "accept", confirmed=False)
    assert r.status_code == 200 and "确认采纳" in text(r)
    assert Application.objects.get().state == "submitted"
    r = decide(client, jinrong, app, "accept", comment="凭证齐全")
    assert r.status_code == 302
    page = text(client.get(r["Location"]))
    assert "scan: 1 new, 0 changed, 2 unchanged" in page

    app.refresh_from_db()
    tranche = Investment.objects.get()
    assert (tranche.investor, tranche.investee, tranche.paid_in, tranche.paid_in_date) == (
        parties["fund"], parties["jx"], Decimal("20000000.00"), dt.date(2024, 5, 10))
    assert tranche.history.get().history_user == jinrong
    assert (app.state, app.registry_ref, app.decided_by, app.decision_comment) == (
        "accepted", f"V{tranche.pk}", jinrong, "凭证齐全")
    ent = Entitlement.objects.get(article=6)
    assert (ent.investor, ent.enterprise, ent.event_ref, ent.amount) == (
        parties["fund"], parties["jx"], app.registry_ref, Decimal("200000.00"))
    verbs = list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))
    assert verbs[-4:] == ["application_submitted", "application_accepted", "entitlement_found", "scan_run"]
    assert AuditEvent.objects.get(verb="application_accepted").actor == jinrong
    # the investor sees its claim, awaiting its confirmation, and the application links it
    client.force_login(investor)
    claims = text(client.get("/fulfilment/claims/"))
    assert re.findall(r'data-claim="(\d+)"', claims) == [str(ent.claim.pk)] and "待我处理" in claims
    assert f'data-claim="{ent.claim.pk}"' in text(client.get(f"/applications/{app.pk}/"))
    assert Notification.objects.filter(user=investor, message__contains="已采纳").exists()


BAD_INVESTMENTS = [
    ({"target_uscc": "91410305MA00000010"}, "统一社会信用代码无效"),
    ({"target_uscc": "12345"}, "长度应为18位"),
    ({"target_uscc": "UNKNOWN"}, "企业库中没有统一社会信用代码为"),
    ({"vehicle": "fund_setup", "target_uscc": "UNKNOWN"}, "企业库中没有统一社会信用代码为"),
    ({"paid_in": "-100"}, "实缴金额必须大于零"),
    ({"paid_in": "0"}, "实缴金额必须大于零"),
    ({"paid_in": "一百万"}, "请输入金额"),
    ({"paid_in": "100.001"}, "小数"),
    ({"paid_in_date": "2024-02-30"}, "请输入有效的日期"),
    ({"paid_in_date": "FUTURE"}, "实缴日期不能晚于今天"),
    ({"round": ""}, "必填"),
    ({"tranche": "0"}, "确保该值大于或等于1"),
    ({"vehicle": "loan"}, "选择一个有效的选项"),
    ({"files": []}, "请上传证明材料"),
    ({"files": [upload("凭证.exe", b"MZ\x90\x00")]}, "类型不允许：只接受 PDF、JPG、PNG"),
    ({"files": [upload("凭证.gif", b"GIF89a")]}, "类型不允许"),
    ({"files": [upload("凭证.pdf", PNG)]}, "内容不是PDF文件"),
    ({"files": [upload("凭证.jpg", PDF)]}, "内容不是JPG文件"),
    ({"files": [upload("凭证.pdf", b"")]}, "空文件"),
    ({"files": [upload("大文件.pdf", PDF + b"0" * (10 * 1024 * 1024))]}, "超过 10 MB"),
    ({"files": [upload(f"凭证{n}.pdf") for n in range(6)]}, "最多上传 5 个文件"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INVESTMENTS)
def test_each_bad_input_is_refused_with_a_message_and_nothing_written(client, parties, media, changes, message):
    if changes.get("target_uscc") == "UNKNOWN":
        changes = {**changes, "target_uscc": make_uscc("410311")}  # valid, but not in the registry
    if changes.get("paid_in_date") == "FUTURE":
        changes = {**changes, "paid_in_date": (dt.date.today() + dt.timedelta(days=3)).isoformat()}
    r = submit(client, parties["investor"], investment(parties, **changes))
    assert r.status_code == 200
    assert message in text(r), text(r)[text(r).find("<form"):][:3000]
    assert not Application.objects.exists() and not Attachment.objects.exists()
    assert stored_files(media) == []
    assert not AuditEvent.objects.filter(verb="application_submitted").exists()


def test_several_problems_are_shown_at_once(client, parties):
    r = submit(client, parties["investor"], investment(parties, paid_in="-1", target_uscc=make_uscc("410311"),
                                                       files=[upload("a.txt", b"x")]))
    page = text(r)
    assert "实缴金额必须大于零" in page and "企业库中没有" in page and "类型不允许" in page


def test_a_request_too_large_to_be_valid_is_refused_outright(client, parties):
    client.force_login(parties["investor"])
    r = client.post(NEW, investment(parties), CONTENT_LENGTH=str(60 * 1024 * 1024))
    assert r.status_code == 413 and "合计过大" in text(r)
    assert not Application.objects.exists()


def test_the_service_checks_files_and_facts_whatever_calls_it(parties, media):
    facts = {"target_uscc": parties["jx"].uscc, "vehicle": "direct", "round": "A轮", "tranche": 1,
             "paid_in": Decimal("-5"), "paid_in_date": dt.date(2024, 5, 10)}
    with pytest.raises(ValidationError) as e:
        services.do_submit_application(applicant=parties["investor"], kind="investment", data=facts,
                                       files=[upload("x.html", b"<script>")])
    assert set(e.value.message_dict) == {"files", "paid_in"}
    with pytest.raises(PermissionDenied):  # an enterprise does not report investments
        services.do_submit_application(applicant=parties["ent_jx"], kind="investment", data=facts,
                                       files=[upload()])
    assert not Application.objects.exists() and stored_files(media) == []


def test_duplicates_are_refused_pending_and_once_in_the_registry(client, parties):
    assert submit(client, parties["investor"], investment(parties)).status_code == 302
    r = submit(client, parties["investor"], investment(parties))
    assert r.status_code == 200 and "相同内容的申报正在审核中" in text(r)
    decide(client, parties["city_admin"], Application.objects.get(), "accept")
    r = submit(client, parties["investor"], investment(parties))
    assert "企业库中已有该笔投资（A轮 第1期）" in text(r)
    # the next tranche of the same round is a new fact
    assert submit(client, parties["investor"], investment(parties, tranche="2")).status_code == 302
    assert Application.objects.count() == 2


def test_an_application_accepted_elsewhere_meanwhile_is_refused_on_acceptance(client, parties):
    submit(client, parties["investor"], investment(parties))
    submit(client, parties["investor"], investment(parties, paid_in="30000000.00"))
    first, second = Application.objects.order_by("pk")
    assert decide(client, parties["jinrong"], first, "accept").status_code == 302
    before = (Investment.objects.count(), AuditEvent.objects.count())
    r = decide(client, parties["jinrong"], second, "accept")
    assert r.status_code == 200 and "企业库中已有该笔投资" in text(r)
    second.refresh_from_db()
    assert second.state == "submitted" and (Investment.objects.count(), AuditEvent.objects.count()) == before


def test_rejection_needs_a_reason_and_is_final(client, parties):
    submit(client, parties["investor"], investment(parties))
    app = Application.objects.get()
    r = decide(client, parties["jinrong"], app, "reject", comment=" ")
    assert r.status_code == 200 and "不予采纳必须填写理由" in text(r)
    r = decide(client, parties["jinrong"], app, "reject", comment="凭证金额与申报不符", confirmed=False)
    assert r.status_code == 200 and "确认不予采纳" in text(r)
    app.refresh_from_db()
    assert app.state == "submitted"
    assert decide(client, parties["jinrong"], app, "reject", comment="凭证金额与申报不符").status_code == 302
    app.refresh_from_db()
    assert (app.state, app.decision_comment) == ("rejected", "凭证金额与申报不符")
    assert not Investment.objects.exists()
    assert Notification.objects.filter(user=parties["investor"], message__contains="凭证金额与申报不符").exists()
    r = decide(client, parties["city_admin"], app, "accept")
    assert r.status_code == 200 and "该申报已审核" in text(r)
    assert not Investment.objects.exists()


def test_an_operator_reports_a_platform_and_the_city_admin_accepts_it(client, parties):
    client.force_login(parties["operator_user"])
    assert "平台（基地）认定申报（第17条）" in text(client.get(NEW))
    r = client.post(NEW, {"platform_name": "洛阳市中小企业公共服务平台", "honour": "public_service_platform",
                          "level": "provincial", "kind": "first", "recognized_on": "2023-06-01",
                          "files": [upload("认定文件.jpg", JPG, "image/jpeg")]})
    assert r.status_code == 302
    app = Application.objects.get()
    # Art. 17 is 工信局's: 金融局 neither sees nor decides it
    client.force_login(parties["jinrong"])
    assert client.get(f"/applications/{app.pk}/").status_code == 404
    assert decide(client, parties["jinrong"], app, "accept").status_code == 404
    assert decide(client, parties["city_admin"], app, "accept").status_code == 302
    row = PlatformRecognition.objects.get()
    assert (row.operator, row.level, row.source_document) == (parties["operator"], "provincial",
                                                              f"网上申报 {app.pk}")
    claim = Claim.objects.get(entitlement__operator=parties["operator"])
    assert claim.entitlement.item == "art17_provincial_first" and claim.entitlement.event_ref == f"F{row.pk}"


def test_an_enterprise_reports_a_listing_node(client, parties):
    client.force_login(parties["ent_jx"])
    base = {"kind": "neeq", "date": "2024-01-15", "files": [upload("挂牌公告.pdf")]}
    r = client.post(NEW, {**base, "kind": "ipo_node", "path": "overseas", "node": "tutoring_accepted"})
    assert r.status_code == 200 and "该上市路径上没有这个节点" in text(r)
    r = client.post(NEW, {**base, "kind": "ipo_node", "path": "domestic", "files": [upload()]})
    assert "请选择上市节点" in text(r)
    r = client.post(NEW, {**base, "kind": "neeq", "files": [upload()]})
    assert "请选择新三板事项" in text(r)
    assert not Application.objects.exists()
    # fields of another kind of node are dropped, not stored
    r = client.post(NEW, {**base, "action": "basic_listed", "path": "domestic", "node": "listed",
                          "files": [upload()]})
    assert r.status_code == 302
    app = Application.objects.get()
    assert decide(client, parties["jinrong"], app, "accept").status_code == 302
    node = ListingMilestone.objects.get()
    assert (node.enterprise, node.kind, node.action, node.path, node.node) == (
        parties["jx"], "neeq", "basic_listed", "", "")
    claim = Claim.objects.get(entitlement__item="art5_neeq_basic_listed")
    assert claim.entitlement.enterprise == parties["jx"] and claim.entitlement.amount == Decimal("300000.00")


def test_who_may_see_submit_and_decide(client, parties):
    submit(client, parties["investor"], investment(parties))
    app = Application.objects.get()
    att = app.attachments.get()
    # only the parties submit; other roles get a refusal
    for who in ("city_admin", "jinrong", "finance_city", "county_410323"):
        client.force_login(parties[who])
        assert client.get(NEW).status_code == 403, who
    for who in ("finance_city", "county_410323", "keji"):
        client.force_login(parties[who])
        assert client.get("/applications/").status_code == 403, who
    # another investor, an enterprise, 科技局: the application and its files are not there
    for who in ("investor_other", "ent_jx", "keji", "finance_city"):
        client.force_login(parties[who])
        assert client.get(f"/applications/{app.pk}/").status_code == 404, who
        assert client.get(f"/applications/attachments/{att.pk}/").status_code == 404, who
        assert client.post(f"/applications/{app.pk}/decide/", {"decision": "accept", "confirmed": "1"}
                           ).status_code == 404, who
    # the applicant sees its application but may not decide it
    r = decide(client, parties["investor"], app, "accept")
    assert r.status_code == 403
    app.refresh_from_db()
    assert app.state == "submitted"
    # the reviewers and the applicant open the evidence
    for who in ("jinrong", "city_admin", "investor"):
        client.force_login(parties[who])
        assert client.get(f"/applications/attachments/{att.pk}/").status_code == 200, who
    client.logout()
    r = client.get(f"/applications/attachments/{att.pk}/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    # never a public URL under the media root
    client.force_login(parties["investor"])
    assert client.get(f"/media/{att.file.name}").status_code == 404
    assert client.get(f"/{att.file.name}").status_code == 404
