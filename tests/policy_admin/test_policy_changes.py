"""The city admin changes a parameter or a reading with an effective date and a
reason; it is audited, previewed first, and reaches the engine."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from zjtx.fulfilment.models import AuditEvent, Entitlement
from zjtx.fulfilment.scan import run_scan
from zjtx.policy_admin.models import PolicyChange
from zjtx.policy_admin.services import do_change_policy, effective_pack, preview_change

pytestmark = pytest.mark.django_db


def test_a_parameter_change_is_a_new_dated_value(world):
    do_change_policy(actor=world["city_admin"], kind="parameter", key="art1_provincial_zjtx", value="150000",
                     effective_from=dt.date(2024, 1, 1), reason="市政府常务会议决定提高奖励标准")
    p = effective_pack().parameters["art1_provincial_zjtx"]
    assert p.value_on(dt.date(2023, 12, 31)) == Decimal("100000.00")
    assert p.value_on(dt.date(2024, 1, 1)) == Decimal("150000.00")
    assert AuditEvent.objects.filter(verb="policy_changed", actor=world["city_admin"]).exists()


def test_only_the_city_admin_may_change_and_bad_values_are_refused(world):
    with pytest.raises(PermissionDenied):
        do_change_policy(actor=world["jinrong"], kind="parameter", key="art6_rate", value="0.02",
                         effective_from=dt.date(2024, 1, 1), reason="x")
    for key, value in [("art6_rate", "-0.01"), ("art6_rate", "2"), ("art1_provincial_zjtx", "1.005"),
                       ("art1_provincial_zjtx", "十万"), ("no_such_key", "1")]:
        with pytest.raises(ValidationError):
            do_change_policy(actor=world["city_admin"], kind="parameter", key=key, value=value,
                             effective_from=dt.date(2024, 1, 1), reason="测试")
    with pytest.raises(ValidationError):
        do_change_policy(actor=world["city_admin"], kind="interpretation", key="art1_upgrade", value="highest",
                         effective_from=dt.date(2024, 1, 1), reason="测试")
    with pytest.raises(ValidationError):
        do_change_policy(actor=world["city_admin"], kind="parameter", key="art6_rate", value="0.02",
                         effective_from=dt.date(2024, 1, 1), reason="  ")
    assert not PolicyChange.objects.exists()


def test_preview_shows_what_would_change_and_writes_nothing(world):
    run_scan()
    impact = preview_change(kind="parameter", key="art1_provincial_zjtx", value="120000.00",
                            effective_from=dt.date(2022, 7, 1))
    assert {row["new"] for row in impact.changed} == {"120000.00"}
    assert len(impact.changed) == 2 and not impact.new and not impact.gone
    # each row names its payee and the claim the scan made of it
    from zjtx.fulfilment.models import Claim

    assert {row["payee_name"] for row in impact.changed} == {world["xa"].name, world["jx"].name}
    assert {row["claim"] for row in impact.changed} == set(Claim.objects.values_list("pk", flat=True))
    assert not PolicyChange.objects.exists()
    # before the recognitions' date, nothing changes
    assert preview_change(kind="parameter", key="art1_provincial_zjtx", value="120000.00",
                          effective_from=dt.date(2025, 1, 1)).count == 0


def test_a_saved_change_reaches_the_next_scan_as_a_flagged_difference(world):
    run_scan()
    do_change_policy(actor=world["city_admin"], kind="interpretation", key="funding_scope", value="art1_only",
                     effective_from=dt.date(2020, 1, 1), reason="财政局确认")
    assert effective_pack().interpretations["funding_scope"].default == "art1_only"
    do_change_policy(actor=world["city_admin"], kind="parameter", key="art1_provincial_zjtx", value="120000.00",
                     effective_from=dt.date(2022, 7, 1), reason="提高标准")
    report = run_scan()
    assert report.changed == 2
    ent = Entitlement.objects.get(enterprise=world["jx"])
    assert ent.amount == Decimal("100000.00")  # not overwritten: a revision waits for review
    assert ent.revisions.get().new_amount == Decimal("120000.00")


def test_change_pages(world, client):
    client.force_login(world["city_admin"])
    page = client.get("/policy/1/").content.decode()
    assert "/policy/change/?kind=parameter&amp;key=art1_provincial_zjtx" in page
    form = {"kind": "parameter", "key": "art1_provincial_zjtx", "value": "120000", "effective_from": "2022-07-01",
            "reason": "提高标准"}
    # the preview runs in the background worker; the page it leads to shows the impact
    preview = client.post("/policy/change/", {**form, "action": "preview"}, follow=True).content.decode()
    assert "影响预览" in preview and "确认保存" in preview
    assert not PolicyChange.objects.exists()
    token = re.search(r'name="previewed" value="([0-9a-f]+)"', preview).group(1)
    # a save of what was not previewed (no token, or another amount) previews again
    for unseen in ({**form}, {**form, "value": "150000", "previewed": token}):
        again = client.post("/policy/change/", {**unseen, "action": "save"}, follow=True)
        assert again.status_code == 200 and "预览之后新值或生效日期改过了" in again.content.decode()
    assert not PolicyChange.objects.exists()
    response = client.post("/policy/change/", {**form, "previewed": token, "action": "save"})
    assert response.status_code == 302
    assert PolicyChange.objects.get().value == "120000.00"
    assert "120,000" in client.get("/policy/1/").content.decode()
    bad = client.post("/policy/change/", {**form, "value": "-5", "action": "preview"}).content.decode()
    assert "不能为负数" in bad
    client.force_login(world["jinrong"])
    assert client.get("/policy/change/?kind=parameter&key=art6_rate").status_code == 403
    assert "/policy/change/" not in client.get("/policy/6/").content.decode()


def test_a_reward_set_to_nothing_asks_nobody_to_claim_it(world):
    """A parameter changed to 0.00 (a reward suspended) makes no claims; the claims
    found before are revised to 0.00 for the city admin's review, not dropped."""
    do_change_policy(actor=world["city_admin"], kind="parameter", key="art1_provincial_zjtx", value="0.00",
                     effective_from=dt.date(2022, 7, 1), reason="暂停执行")
    report = run_scan()
    assert (report.new, Entitlement.objects.count()) == (0, 0)


def test_claims_found_before_a_reward_is_set_to_nothing_are_revised_to_zero(world):
    run_scan()
    impact = preview_change(kind="parameter", key="art1_provincial_zjtx", value="0.00",
                            effective_from=dt.date(2022, 7, 1))
    assert {(row["old"], row["new"]) for row in impact.changed} == {("100000.00", "0.00")}
    do_change_policy(actor=world["city_admin"], kind="parameter", key="art1_provincial_zjtx", value="0.00",
                     effective_from=dt.date(2022, 7, 1), reason="暂停执行")
    assert run_scan().changed == 2
    assert {e.revisions.get().new_amount for e in Entitlement.objects.all()} == {Decimal("0.00")}
