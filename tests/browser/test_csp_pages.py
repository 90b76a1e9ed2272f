"""Under the Content-Security-Policy (zjtx/csp.py) the pages with scripts still
work: the workbench's charts draw and show their tooltips, and htmx pages load,
with no violation in the console (the page_errors fixture fails on any)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from zjtx.csp import POLICY
from zjtx.fulfilment.scan import run_scan

from .test_journeys import WORLD_PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_workbench_charts_and_their_tooltips_work_under_the_policy(page: Page, site, world, page_errors):
    run_scan()
    sign_in(page, site, "city_admin", WORLD_PASSWORD)
    response = page.goto(f"{site}/")
    assert response.headers["content-security-policy"] == POLICY
    page.wait_for_function("[...document.querySelectorAll('.chart-box')].every(b => b.querySelector('canvas'))")
    boxes = page.locator(".chart-box")
    assert boxes.count() >= 1
    boxes.first.scroll_into_view_if_needed()
    page.wait_for_timeout(1200)  # ECharts' entry animation
    box = boxes.first.bounding_box()
    assert box["height"] == 260  # from site.css, no longer a style attribute
    for x in (0.3, 0.5, 0.7):  # hover across the bars: the tooltips are drawn
        page.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * 0.6)
        page.wait_for_timeout(300)
    assert page.locator(".chart-box canvas").count() >= 1
    # the enterprise page loads htmx
    page.goto(f"{site}/registry/enterprises/{world['jx'].pk}/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof htmx") == "object"
