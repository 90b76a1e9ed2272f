"""Submitting and deciding applications. Each is one function in one transaction
that checks who acts, validates everything, and writes the audit event; nothing
is written when anything is wrong.

An accepted application becomes a registry row built and validated here
(`registry_row`), through the registry's own models and their full_clean, and
then the 免申即享 scan runs, so the claim appears exactly as for a fact imported
from a list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from zjtx.fulfilment.models import Notification
from zjtx.fulfilment.scan import ScanReport, run_scan
from zjtx.fulfilment.services import messenger
from zjtx.registry.models import (
    Enterprise,
    Investment,
    Investor,
    ListingMilestone,
    PlatformRecognition,
)
from zjtx.registry.uscc import clean_uscc, uscc_error

from . import evidence
from . import permissions as perms
from .models import Application, Attachment

log = logging.getLogger(__name__)

Kind = Application.Kind
# The id the registry's facts give each row (registry/facts_export.py), which is
# the `event_ref` of the entitlement the scan finds for it.
FACT_PREFIX = {Kind.INVESTMENT: "V", Kind.PLATFORM: "F", Kind.LISTING: "M"}
DATE_FIELDS = {"paid_in_date", "recognized_on", "date"}
DECIMAL_FIELDS = {"paid_in"}
# Which fields each kind of listing fact uses; the others are cleared.
LISTING_FIELDS = {
    ListingMilestone.Kind.IPO_NODE: {"path", "node", "exchange"},
    ListingMilestone.Kind.IPO_WITHDRAWN: {"path", "exchange"},
    ListingMilestone.Kind.NEEQ: {"action"},
    ListingMilestone.Kind.REGIONAL: {"board", "market"},
}
LISTING_REQUIRED = {
    ListingMilestone.Kind.IPO_NODE: {"path": "请选择上市路径", "node": "请选择上市节点"},
    ListingMilestone.Kind.IPO_WITHDRAWN: {"path": "请选择上市路径"},
    ListingMilestone.Kind.NEEQ: {"action": "请选择新三板事项"},
    ListingMilestone.Kind.REGIONAL: {"board": "请选择交易板或展示板"},
}
# A registry model's field → the application form's field, so errors land beside it.
FORM_FIELD = {"investee": "target_uscc", "fund": "target_uscc"}
MODEL_FIELD = {"target_uscc": "investee"}


def to_json(data: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(v, Decimal) else v)
            for k, v in data.items()}


def from_json(data: dict) -> dict:
    typed = dict(data)
    for k in DATE_FIELDS & typed.keys():
        typed[k] = dt.date.fromisoformat(typed[k])
    for k in DECIMAL_FIELDS & typed.keys():
        typed[k] = Decimal(typed[k])
    return typed


class _Errors:
    """Collects field errors so that one submission shows every problem at once."""

    def __init__(self):
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str):
        self.by_field.setdefault(field, []).append(message)

    def merge(self, e: ValidationError):
        if hasattr(e, "error_dict"):
            for field, errs in e.message_dict.items():
                for m in errs:
                    self.add(FORM_FIELD.get(field, field), m)
        else:
            for m in e.messages:
                self.add(NON_FIELD_ERRORS, m)

    def raise_any(self):
        if self.by_field:
            raise ValidationError(self.by_field)


def _not_future(errors: _Errors, field: str, day: dt.date | None, label: str):
    if day is not None and day > timezone.localdate():
        errors.add(field, f"{label}不能晚于今天")


def _investment(party: Investor, data: dict, errors: _Errors) -> tuple[models.Model, dict]:
    code = clean_uscc(data.get("target_uscc", ""))
    vehicle = data.get("vehicle")
    target_label = "被投资企业" if vehicle == Investment.Vehicle.DIRECT else "设立的基金"
    links: dict = {"investor": party}
    if reason := uscc_error(code):
        errors.add("target_uscc", f"{target_label}的统一社会信用代码无效：{reason}")
    elif vehicle == Investment.Vehicle.DIRECT:
        links["enterprise"] = Enterprise.objects.filter(uscc=code).first()
        if links["enterprise"] is None:
            errors.add("target_uscc", f"企业库中没有统一社会信用代码为 {code} 的企业：请核对代码，"
                                      "或请被投资企业向所在县区申请登记")
    else:
        links["fund"] = Investor.objects.filter(uscc=code).first()
        if links["fund"] is None:
            errors.add("target_uscc", f"企业库中没有统一社会信用代码为 {code} 的基金")
        elif links["fund"] == party:
            errors.add("target_uscc", "设立的基金不能是投资机构本身")
    paid_in = data.get("paid_in")
    if paid_in is not None and paid_in <= 0:
        errors.add("paid_in", "实缴金额必须大于零")
    _not_future(errors, "paid_in_date", data.get("paid_in_date"), "实缴日期")
    row = Investment(investor=party, investee=links.get("enterprise"), fund=links.get("fund"), vehicle=vehicle,
                     round=data.get("round", ""), tranche=data.get("tranche") or 1, paid_in=paid_in,
                     paid_in_date=data.get("paid_in_date"))
    target = {"investee": row.investee} if row.investee else {"fund": row.fund}
    if (row.investee or row.fund) and Investment.objects.filter(
            investor=party, round=row.round, tranche=row.tranche, **target).exists():
        # Checked here: the registry's unique constraint does not hold while `fund`
        # (or `investee`) is NULL.
        errors.add(NON_FIELD_ERRORS, f"企业库中已有该笔投资（{row.round} 第{row.tranche}期），不能重复申报")
    return row, links


def _platform(party, data: dict, errors: _Errors) -> tuple[models.Model, dict]:
    _not_future(errors, "recognized_on", data.get("recognized_on"), "认定日期")
    row = PlatformRecognition(operator=party, platform_name=data.get("platform_name", ""),
                              honour=data.get("honour", ""), level=data.get("level", ""),
                              kind=data.get("kind", ""), recognized_on=data.get("recognized_on"))
    if PlatformRecognition.objects.filter(operator=party, honour=row.honour, level=row.level, kind=row.kind,
                                          recognized_on=row.recognized_on).exists():
        errors.add(NON_FIELD_ERRORS, "企业库中已有该平台（基地）认定，不能重复申报")
    return row, {"operator": party}


def _listing(party: Enterprise, data: dict, errors: _Errors) -> tuple[models.Model, dict]:
    kind = data.get("kind", "")
    used = LISTING_FIELDS.get(kind, set())
    for field, message in LISTING_REQUIRED.get(kind, {}).items():
        if not data.get(field):
            errors.add(field, message)
    _not_future(errors, "date", data.get("date"), "日期")
    values = {f: (data.get(f) or "") if f in used else "" for f in ("path", "node", "exchange", "action",
                                                                     "market", "board")}
    row = ListingMilestone(enterprise=party, kind=kind, date=data.get("date"), **values)
    if ListingMilestone.objects.filter(enterprise=party, kind=kind, date=row.date, path=row.path, node=row.node,
                                       action=row.action, board=row.board).exists():
        errors.add(NON_FIELD_ERRORS, "企业库中已有该上市进程记录，不能重复申报")
    return row, {"enterprise": party}


BUILDERS = {Kind.INVESTMENT: _investment, Kind.PLATFORM: _platform, Kind.LISTING: _listing}


def registry_row(*, kind: str, party, data: dict, source: str = "") -> tuple[models.Model, dict]:
    """The registry row an application stands for, validated (the registry model's
    full_clean included) but not saved; and the application's links to parties."""
    errors = _Errors()
    row, links = BUILDERS[kind](party, data, errors)
    if source and any(f.name == "source_document" for f in row._meta.fields):
        row.source_document = source[:200]
    # A field refused above would only be refused again, less clearly; a duplicate
    # found above would be reported again by the unique constraint.
    refused = {MODEL_FIELD.get(f, f) for f in errors.by_field}
    if "target_uscc" in errors.by_field:
        refused |= {"investee", "fund"}
    duplicate = NON_FIELD_ERRORS in errors.by_field
    try:
        row.full_clean(exclude=refused, validate_unique=not duplicate, validate_constraints=not duplicate)
    except ValidationError as e:
        errors.merge(e)
    errors.raise_any()
    return row, links


def _party_of(user, kind: str):
    return getattr(user.profile, perms.PARTY_OF_KIND[kind])


def _party_users(app: Application):
    field = perms.PARTY_OF_KIND[app.kind]
    return get_user_model().objects.filter(is_active=True, **{f"profile__{field}": getattr(app, f"{field}_id")})


def _notify(app: Application, message: str):
    for user in _party_users(app):
        Notification.objects.create(user=user, message=message)


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def do_submit_application(*, applicant, kind: str, data: dict, files: list) -> Application:
    """An application with its evidence. The fact is validated as the registry
    would on acceptance, so that a report that could never be accepted is refused
    now, with the reason beside the field."""
    allowed, reason = perms.submittable_kind(applicant)
    if allowed != kind:
        raise PermissionDenied(reason or "您的账号不能提交此类申报")
    party = _party_of(applicant, kind)
    errors = _Errors()
    for message in evidence.file_errors(files):
        errors.add("files", message)
    links: dict = {}
    try:
        _, links = registry_row(kind=kind, party=party, data=data)
    except ValidationError as e:
        errors.merge(e)
    payload = to_json(data)
    if Application.objects.filter(kind=kind, state=Application.State.SUBMITTED, data=payload,
                                  **{perms.PARTY_OF_KIND[kind]: party}).exists():
        errors.add(NON_FIELD_ERRORS, "相同内容的申报正在审核中，请勿重复提交")
    errors.raise_any()
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            app = Application.objects.create(kind=kind, applicant=applicant, data=payload, **links)
            for upload in files:
                att = Attachment(application=app, original_name=upload.name[:200],
                                 content_type=evidence.content_type_of(upload.name), size=upload.size,
                                 sha256=_sha256(upload))
                att.file.save(upload.name, upload, save=False)
                stored.append(att)
                att.save()
            messenger(verb="application_submitted", actor=applicant,
                      summary=f"{party.name} 提交{app.get_kind_display()}申报 {app.pk}（{len(files)} 个附件）",
                      application=app.pk, kind=kind)
    except BaseException:
        for att in stored:  # the rows are gone with the transaction; the files must go too
            att.file.delete(save=False)
        raise
    return app


@dataclass
class Acceptance:
    application: Application
    report: ScanReport | None  # None when the scan could not run; the next scan finds the fact

    @property
    def message(self) -> str:
        if self.report is None:
            return "申报已采纳并写入企业库；自动扫描未能完成，市工信局可在扫描页重新扫描。"
        return f"申报已采纳并写入企业库（{self.application.registry_ref}）；{self.report.line()}"


def _decide(app: Application, *, actor, comment: str):
    ok, reason = perms.may_decide(actor, app)
    if not ok:
        raise PermissionDenied(reason)
    if app.state != Application.State.SUBMITTED:
        raise ValidationError("该申报已审核，不能重复处理")
    app.decided_at, app.decided_by, app.decision_comment = timezone.now(), actor, comment.strip()


def do_accept_application(application: Application, *, actor, comment: str = "") -> Acceptance:
    """采纳: the registry row, the application's state and the audit event in one
    transaction; then the scan, so that the claim appears."""
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        _decide(app, actor=actor, comment=comment)
        row, _ = registry_row(kind=app.kind, party=app.party, data=from_json(app.data),
                              source=f"网上申报 {app.pk}")
        row._history_user = actor
        row._change_reason = f"网上申报 {app.pk} 经审核采纳"
        row.save()
        app.accept()
        app.registry_ref = f"{FACT_PREFIX[app.kind]}{row.pk}"
        app.save()
        messenger(verb="application_accepted", actor=actor,
                  summary=f"申报 {app.pk}（{app.party.name}，{app.get_kind_display()}）已采纳，写入企业库 {app.registry_ref}",
                  application=app.pk, registry_ref=app.registry_ref, comment=app.decision_comment)
        _notify(app, f"您的{app.get_kind_display()}申报 {app.pk} 已采纳，符合条件的奖励将出现在奖励申领中")
    try:
        report = run_scan(actor=actor)
    except DatabaseError:  # e.g. a scan running at the same moment; the accepted fact stays
        log.exception("scan after accepting application %s failed", app.pk)
        report = None
    return Acceptance(application=app, report=report)


@transaction.atomic
def do_reject_application(application: Application, *, actor, reason: str) -> Application:
    """不予采纳, with the reason the party is told."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    _decide(app, actor=actor, comment=reason)
    if not reason.strip():
        raise ValidationError("不予采纳必须填写理由")
    app.reject()
    app.save()
    messenger(verb="application_rejected", actor=actor,
              summary=f"申报 {app.pk}（{app.party.name}，{app.get_kind_display()}）不予采纳：{app.decision_comment}",
              application=app.pk, comment=app.decision_comment)
    _notify(app, f"您的{app.get_kind_display()}申报 {app.pk} 未予采纳：{app.decision_comment}")
    return app
