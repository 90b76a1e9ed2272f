"""A small registry and one user per role, for the fulfilment tests."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tests.registry.factories import enterprise, jurisdiction, recognition
from zjtx.accounts.models import Profile, Role


@pytest.fixture
def make_user(db):
    def make(username, role, **scope):
        user = get_user_model().objects.create_user(username=username, password="x-zjtx-test-9",
                                                    email=f"{username}@example.cn")
        Profile.objects.create(user=user, role=role, **scope)
        return user
    return make


@pytest.fixture
def world(make_user):
    """A 新安县 enterprise (county pays all) and a 涧西区 one (city 50 : district 50),
    both recognised provincially, with the users who act on their claims."""
    xa = enterprise(name="新安某精密机械有限公司", home="410323")
    jx = enterprise(name="涧西某轴承有限公司", home="410305")
    recognition(xa, tier="provincial", on="2023-03-01", to="2026-02-28")
    recognition(jx, tier="provincial", on="2023-03-01", to="2026-02-28")
    users = {
        "city_admin": make_user("city_admin", Role.CITY_ADMIN, display_unit="市工信局"),
        "jinrong": make_user("jinrong", Role.UNIT, display_unit="市金融局"),
        "finance_city": make_user("finance_city", Role.FINANCE_CITY),
        "finance_city_2": make_user("finance_city_2", Role.FINANCE_CITY),
        "county_410323": make_user("county_410323", Role.LOCAL, jurisdiction=jurisdiction("410323")),
        "finance_410323": make_user("finance_410323", Role.FINANCE_LOCAL, jurisdiction=jurisdiction("410323")),
        "district_410305": make_user("district_410305", Role.LOCAL, jurisdiction=jurisdiction("410305")),
        "finance_410305": make_user("finance_410305", Role.FINANCE_LOCAL, jurisdiction=jurisdiction("410305")),
        "ent_xa": make_user("ent_xa", Role.ENTERPRISE, enterprise=xa),
        "ent_jx": make_user("ent_jx", Role.ENTERPRISE, enterprise=jx),
    }
    return {"xa": xa, "jx": jx, **users}
