"""With the demo data (what `make run` serves), every demo account opens every page
of its menu, and the first object each list links to: the pages a newcomer clicks
first answer, in scope, for every role."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from zjtx.fulfilment.scan import run_scan
from zjtx.registry import demo

pytestmark = pytest.mark.django_db

FIRST_LINK = {  # a list page → the first link of the kind it lists
    "/registry/enterprises/": r'href="(/registry/enterprises/\d+/)"',
    "/fulfilment/claims/": r'href="(/fulfilment/claims/\d+/)"',
    "/applications/": r'href="(/applications/\d+/)"',
}


@pytest.fixture
def scanned(demo_registry):
    run_scan()


@pytest.mark.parametrize("username", demo.DEMO_USERNAMES)
def test_every_demo_account_opens_its_menu(client, scanned, username):
    client.force_login(get_user_model().objects.get(username=username))
    home = client.get("/")
    assert home.status_code == 200
    links = [link.url for link in home.context["nav_links"]]
    assert len(links) >= 3, links  # 工作台, 奖励申领 or 企业库, 政策条款 at least
    opened = []
    for url in links:
        page = client.get(url)
        assert page.status_code == 200, (username, url)
        opened.append(url)
        pattern = FIRST_LINK.get(url)
        found = re.search(pattern, page.content.decode()) if pattern else None
        if found:
            detail = client.get(found.group(1))
            assert detail.status_code == 200, (username, found.group(1))
            opened.append(found.group(1))
    assert "/policy/" in opened
