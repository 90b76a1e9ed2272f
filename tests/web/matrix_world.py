"""The world the authorization matrix visits: for every kind of object a page can
open by id, one in 新安县 (410323, the county pays all), one in 涧西区 (410305,
city 5 : district 5), and one of another kind of recipient (an investor, a
platform operator); and one user per role, scoped to one side or the other.

Built with the services the pages call (scan, confirm, review, payment, the
application submission), so every row is one the platform itself could have
written. Names are distinct and say where a thing belongs, so that a page that
shows another jurisdiction's or another recipient's name is caught by a plain
substring check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.registry.factories import enterprise, jurisdiction, make_uscc, recognition
from zjtx.accounts.models import Profile, Role
from zjtx.applications import services as application_services
from zjtx.applications.models import Application, Attachment
from zjtx.fulfilment import services
from zjtx.fulfilment.models import Claim, Notification, Payment, Revision
from zjtx.fulfilment.scan import run_scan
from zjtx.jobs.models import Job
from zjtx.jobs.runner import start as start_job
from zjtx.registry.imports import uploads
from zjtx.registry.models import (
    ImportLog,
    Investment,
    Investor,
    PlatformRecognition,
    Recognition,
    ServiceOperator,
)

PASSWORD = "x-zjtx-matrix-9"
BANK = {"bank_name": "中国银行洛阳分行", "bank_account": "6217000000000001"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# The roles of the matrix, in the order of its report. "anonymous" is no user at
# all; "no_role" is a signed-in account that has no profile (a half-created user).
ROLES = (
    "anonymous", "no_role",
    "city_admin", "jinrong", "finance_city",
    "county_410323", "finance_410323", "commissioner_410323",
    "district_410305", "finance_410305",
    "ent_xa", "ent_jx", "investor", "operator",
)

# Every enterprise, recipient and person name a page could leak, by side.
XA_NAMES = ("新安甲钼业有限公司", "新安乙耐火材料有限公司", "新安丙铝业有限公司", "新安丁电力设备有限公司")
JX_NAMES = ("涧西甲轴承有限公司", "涧西乙矿山机械有限公司", "涧西丙农机装备有限公司")
INVESTOR_NAME = "洛阳矩阵创业投资基金合伙企业（有限合伙）"
OTHER_INVESTOR_NAME = "郑州矩阵投资有限公司"
OPERATOR_NAME = "涧西矩阵科技服务有限公司"


@dataclass
class World:
    users: dict[str, object]
    enterprises: dict[str, object]  # xa, xa_review, xa_approved, xa_flagged, jx, jx_review, jx_approved
    claims: dict[str, Claim]  # xa / jx: 已拨付; *_review: 县区初审; *_approved: 待拨付; xa_flagged; investor; operator
    payments: dict[str, Payment]  # xa (county part), jx_city, jx_district
    applications: dict[str, Application]  # xa, jx (listing, Art. 5), investor (Art. 6), operator (Art. 17)
    attachments: dict[str, Attachment]
    notifications: dict[str, Notification]  # one of each recipient user
    investor: Investor
    other_investor: Investor
    operator: ServiceOperator
    revision: Revision
    import_logs: dict[str, ImportLog] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)  # a policy preview by the city admin

    def user(self, role: str):
        return None if role == "anonymous" else self.users[role]


def _user(username: str, role: str | None, **scope):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD,
                                                email=f"{username}@example.cn")
    if role is not None:
        Profile.objects.create(user=user, role=role, **scope)
    return user


def _claim(ent, item: str = "art1_provincial_zjtx") -> Claim:
    return Claim.objects.get(entitlement__enterprise=ent, entitlement__item=item,
                             entitlement__investor__isnull=True, entitlement__operator__isnull=True)


REC_HEADINGS = ["序号", "企业名称", "统一社会信用代码", "所属县区", "认定类型", "认定批次", "认定时间", "有效期至"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def recognition_list(name: str, rows: list[list]) -> SimpleUploadedFile:
    """A recognition list as a bureau sends it: an xlsx with the Chinese headings."""
    wb = Workbook()
    ws = wb.active
    ws.append(REC_HEADINGS)
    for row in rows:
        ws.append(row)
    buf = BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=XLSX)


def build_world() -> World:
    """Everything the matrix needs. Needs MEDIA_ROOT and ZJTX_IMPORT_ROOT set to
    temporary folders and the immediate tasks backend."""
    xa = {key: enterprise(name=name, home="410323")
          for key, name in zip(("xa", "xa_review", "xa_approved", "xa_flagged"), XA_NAMES, strict=True)}
    jx = {key: enterprise(name=name, home="410305")
          for key, name in zip(("jx", "jx_review", "jx_approved"), JX_NAMES, strict=True)}
    ents = {**xa, **jx}
    for ent in ents.values():
        recognition(ent, tier="provincial", on="2023-03-01", to="2026-02-28")

    fund = Investor.objects.create(name=INVESTOR_NAME, kind="private_fund", uscc=make_uscc("410300"))
    other = Investor.objects.create(name=OTHER_INVESTOR_NAME, kind="investment_company", uscc=make_uscc("410100"))
    operator = ServiceOperator.objects.create(name=OPERATOR_NAME, uscc=make_uscc("410305"),
                                              fiscal_home=jurisdiction("410305"))
    # The investors' Art. 6 claims are about a 涧西 enterprise (the other investor is a
    # co-investor in it); the operator sits in 涧西.
    Investment.objects.create(investor=fund, investee=ents["jx"], round="A轮", tranche=1,
                              paid_in=Decimal("20000000.00"), paid_in_date=dt.date(2024, 5, 10))
    Investment.objects.create(investor=other, investee=ents["jx"], round="A轮", tranche=1,
                              paid_in=Decimal("10000000.00"), paid_in_date=dt.date(2024, 6, 20))
    PlatformRecognition.objects.create(operator=operator, platform_name="涧西矩阵中小企业公共服务平台",
                                       honour="public_service_platform", level="provincial", kind="first",
                                       recognized_on=dt.date(2023, 6, 1))

    xa_home, jx_home = jurisdiction("410323"), jurisdiction("410305")
    users = {
        "no_role": _user("no_role", None),
        "city_admin": _user("city_admin", Role.CITY_ADMIN, display_unit="市工信局"),
        "jinrong": _user("jinrong", Role.UNIT, display_unit="市金融局"),
        "finance_city": _user("finance_city", Role.FINANCE_CITY),
        "county_410323": _user("county_410323", Role.LOCAL, jurisdiction=xa_home),
        "finance_410323": _user("finance_410323", Role.FINANCE_LOCAL, jurisdiction=xa_home),
        "commissioner_410323": _user("commissioner_410323", Role.COMMISSIONER, jurisdiction=xa_home),
        "district_410305": _user("district_410305", Role.LOCAL, jurisdiction=jx_home),
        "finance_410305": _user("finance_410305", Role.FINANCE_LOCAL, jurisdiction=jx_home),
        "ent_xa": _user("ent_xa", Role.ENTERPRISE, enterprise=ents["xa"]),
        "ent_jx": _user("ent_jx", Role.ENTERPRISE, enterprise=ents["jx"]),
        "investor": _user("investor", Role.INVESTOR, investor=fund),
        "operator": _user("operator", Role.OPERATOR, operator=operator),
        # Not roles of the matrix: the people who approved the finance reviews, so
        # that the matrix's finance users are the ones allowed to pay.
        "finance_city_reviewer": _user("finance_city_reviewer", Role.FINANCE_CITY),
        "finance_410323_reviewer": _user("finance_410323_reviewer", Role.FINANCE_LOCAL, jurisdiction=xa_home),
    }
    # The users of the other enterprises, who confirm their claims.
    for key in ents.keys() - {"xa", "jx"}:
        users[f"ent_{key}"] = _user(f"ent_{key}", Role.ENTERPRISE, enterprise=ents[key])

    run_scan(actor=users["city_admin"])
    claims = {key: _claim(ent) for key, ent in ents.items()}
    claims["investor"] = Claim.objects.get(entitlement__investor=fund)
    claims["other_investor"] = Claim.objects.get(entitlement__investor=other)
    claims["operator"] = Claim.objects.get(entitlement__operator=operator)

    def confirm(key):
        services.do_confirm_claim(claims[key], actor=users[f"ent_{key}"], account_name=ents[key].name, **BANK)

    def review(key, *who):
        for username in who:
            services.do_review_claim(claims[key], actor=users[username], decision="approve")

    for key in ("xa", "xa_approved"):
        confirm(key)
        review(key, "county_410323", "city_admin", "finance_410323_reviewer")
    for key in ("jx", "jx_approved"):
        confirm(key)
        review(key, "district_410305", "city_admin", "finance_city_reviewer")
    for key in ("xa_review", "jx_review"):
        confirm(key)  # now at 县区初审
    # the flagged claim: a scan finds its recognition was a 复核, not a new one
    confirm("xa_flagged")
    review("xa_flagged", "county_410323", "city_admin")
    Recognition.objects.filter(enterprise=ents["xa_flagged"]).update(kind="review")
    run_scan(actor=users["city_admin"])
    revision = Revision.objects.get(entitlement__enterprise=ents["xa_flagged"])

    paid_on = dt.date(2024, 3, 1)
    payments = {
        "xa": services.do_record_payment(claims["xa"], actor=users["finance_410323"], part="county",
                                         paid_on=paid_on, reference="XA-MATRIX-1"),
        "jx_city": services.do_record_payment(claims["jx"], actor=users["finance_city"], part="city",
                                              paid_on=paid_on, reference="SZ-MATRIX-1"),
        "jx_district": services.do_record_payment(claims["jx"], actor=users["finance_410305"], part="district",
                                                  paid_on=paid_on, reference="JX-MATRIX-1"),
    }
    for claim in claims.values():
        claim.refresh_from_db()

    def evidence(name: str):
        return [SimpleUploadedFile(name, PDF, content_type="application/pdf")]

    listing = {"kind": "neeq", "action": "basic_listed", "date": dt.date(2024, 1, 15)}
    applications = {
        "xa": application_services.do_submit_application(
            applicant=users["ent_xa"], kind="listing", data=listing, files=evidence("新安挂牌公告.pdf")),
        "jx": application_services.do_submit_application(
            applicant=users["ent_jx"], kind="listing", data=listing, files=evidence("涧西挂牌公告.pdf")),
        "investor": application_services.do_submit_application(
            applicant=users["investor"], kind="investment",
            data={"target_uscc": ents["jx_review"].uscc, "vehicle": "direct", "round": "B轮", "tranche": 1,
                  "paid_in": Decimal("15000000.00"), "paid_in_date": dt.date(2024, 8, 1)},
            files=evidence("实缴凭证.pdf")),
        "operator": application_services.do_submit_application(
            applicant=users["operator"], kind="platform",
            data={"platform_name": "涧西矩阵创业创新示范基地", "honour": "entrepreneurship_base",
                  "level": "provincial", "kind": "first", "recognized_on": dt.date(2024, 2, 1)},
            files=evidence("基地认定文件.pdf")),
    }
    attachments = {key: app.attachments.get() for key, app in applications.items()}
    notifications = {key: Notification.objects.filter(user=users[key]).order_by("pk").first()
                     for key in ("ent_xa", "ent_jx", "investor", "operator")}
    # A clean dry run of a recognition list (confirmable), and a refused one with a bad row.
    preview = uploads.accept_upload(kind="recognitions", user=users["city_admin"], upload=recognition_list(
        "新安县创新型中小企业名单.xlsx", [[1, XA_NAMES[0], ents["xa"].uscc, "新安县", "创新型中小企业", "第一批",
                                     "2024-06-28", "2027-06-27"]]))
    refused = uploads.accept_upload(kind="recognitions", user=users["city_admin"], upload=recognition_list(
        "涧西区名单（有错误）.xlsx", [[1, JX_NAMES[0], "91410305MA00000010", "涧西区", "省级专精特新中小企业",
                                    "", "2024-06-28", ""]]))
    assert (preview.status, preview.created, refused.status) == ("done", 1, "refused"), (preview, refused)
    import_logs = {"preview": preview, "refused": refused}
    # A policy change's preview (its result names every enterprise whose reward would change).
    job = start_job(Job.Kind.POLICY_PREVIEW, user=users["city_admin"], params={
        "kind": "parameter", "key": "art1_provincial_zjtx", "value": "120000.00", "effective_from": "2022-07-01",
        "reason": "提高标准"})
    assert job.state == Job.State.DONE, job.error
    return World(users=users, enterprises=ents, claims=claims, payments=payments, applications=applications,
                 attachments=attachments, notifications=notifications, investor=fund, other_investor=other,
                 operator=operator, revision=revision, import_logs=import_logs, jobs={"preview": job})
