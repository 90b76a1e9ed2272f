"""Inputs a careless operator gives (issue 16): a reason as long as the form
allows, a payment dated 1900-01-01. Each gets a clear answer, never a server error
or a line in a year that never had the money."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from zjtx.fulfilment import services
from zjtx.fulfilment.models import AuditEvent, ClaimState, ClaimStep, Notification, Payment
from zjtx.fulfilment.scan import run_scan

from .test_flow import BANK, claim_of, to_approved

pytestmark = pytest.mark.django_db

LONG = "因申报材料与企业库记录不一致，" * 66  # 990 characters: the form allows 1,000


def test_a_reason_as_long_as_the_form_allows_is_recorded_whole(client, world):
    run_scan()
    claim = claim_of(world["jx"])
    services.do_confirm_claim(claim, actor=world["ent_jx"], **BANK)
    client.force_login(world["district_410305"])
    url = reverse("fulfilment:claim-review", args=[claim.pk])
    response = client.post(url, {"decision": "return", "comment": LONG})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.RETURNED
    assert ClaimStep.objects.get(claim=claim, action="return").comment == LONG
    event = AuditEvent.objects.get(claim=claim, verb="claim_return")
    assert len(event.summary) <= 300 and event.summary.endswith("…")
    assert event.data["summary"].endswith(LONG) and event.data["comment"] == LONG
    assert all(len(n.message) <= 300 for n in Notification.objects.filter(claim=claim))


@pytest.mark.parametrize("day, message", [
    (dt.date(1900, 1, 1), "不能早于政策施行日期 2022-07-01"),
    (dt.date(2022, 6, 30), "不能早于政策施行日期 2022-07-01"),
    (dt.date.today() + dt.timedelta(days=1), "不能晚于今天"),
])
def test_a_payment_dated_outside_the_policy_is_refused(world, day, message):
    run_scan()
    claim = to_approved(claim_of(world["jx"]), world, "district_410305")
    services.do_review_claim(claim, actor=world["finance_city"], decision="approve")
    with pytest.raises(ValidationError, match=message):
        services.do_record_payment(claim, actor=world["finance_city_2"], part="city", paid_on=day,
                                   reference="SZ-1")
    assert not Payment.objects.exists()
    services.do_record_payment(claim, actor=world["finance_city_2"], part="city", paid_on=dt.date(2022, 7, 1),
                               reference="SZ-1")
