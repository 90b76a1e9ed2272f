"""The shared world (tests/fixtures/world.py) with the parties that apply:
an investor, an operator, and users for them; evidence stored under a temporary
MEDIA_ROOT."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.registry.factories import jurisdiction, make_uscc
from zjtx.accounts.models import Role
from zjtx.registry.models import Investor, ServiceOperator

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def upload(name: str = "实缴凭证.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def parties(world, make_user):  # noqa: F811 - the fixtures imported above
    fund = Investor.objects.create(name="洛阳某创业投资基金合伙企业（有限合伙）", kind="private_fund",
                                   uscc=make_uscc("410300"))
    other = Investor.objects.create(name="郑州某投资有限公司", kind="investment_company", uscc=make_uscc("410100"))
    operator = ServiceOperator.objects.create(name="洛阳某科技服务有限公司", uscc=make_uscc("410305"),
                                              fiscal_home=jurisdiction("410305"))
    return {
        **world, "fund": fund, "other_fund": other, "operator": operator,
        "investor": make_user("investor", Role.INVESTOR, investor=fund),
        "investor_other": make_user("investor_other", Role.INVESTOR, investor=other),
        "operator_user": make_user("operator_user", Role.OPERATOR, operator=operator),
        "keji": make_user("keji", Role.UNIT, display_unit="市科技局"),
    }
