"""Browser journeys: Playwright's sync API driving the system's Chromium against
pytest-django's live_server (docs/TOOLCHAIN.md, "Browser tests"). Never
`playwright install`: the browser is Debian's /usr/bin/chromium, or CHROMIUM_PATH.

Every test here is marked `browser`; the root conftest.py skips it with a reason
when Chromium is missing, and fails it under CI=true.

The live server needs transactional tests, and a transactional test ends with a
flush that would take the jurisdictions the migrations seed with it: the tests
use `serialized_rollback=True`, which puts them back (as in
tests/fulfilment/test_race_and_backup.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; without this the
# ORM raises SynchronousOnlyOperation when a test reads or writes the database.
# It stays set for the rest of the session (the loop runs until the session ends,
# and the transactional tests pytest-django orders after these need it too); a test
# that starts a production-like subprocess leaves it out (tests/web/test_security.py).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


@pytest.fixture(scope="session", autouse=True)
def _serialized_rollback_beside_playwright(django_db_setup, playwright):
    """Keep serialized_rollback working once Playwright runs.

    Playwright's sync API leaves an event loop running in the test thread, and from
    then on Django keeps that thread's database connections apart from those it
    made before (asgiref's Local switches to context storage when a loop runs). The
    connection pytest-django serialized the migrated rows on is one of those, so the
    new one knows nothing to restore after a transactional test's flush, and every
    browser test after the first would find no jurisdiction. Give the new
    connection what the old one holds."""
    from django.db import connections

    thread_storage = connections._connections._storage  # the plain thread-local one
    for alias in connections:
        before = getattr(thread_storage, alias, None)
        contents = getattr(before, "_test_serialized_contents", None)
        if contents is not None and not hasattr(connections[alias], "_test_serialized_contents"):
            connections[alias]._test_serialized_contents = contents


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Without the background-networking flags Chromium tries to reach outside hosts.
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
            "accept_downloads": True}


@pytest.fixture
def site(live_server, settings, tmp_path):
    """The live server's address, with imports run at once (the immediate tasks
    backend, as the import tests use) and uploads kept under tmp_path. The server
    thread reads the same settings object, so these apply to it too."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.ZJTX_IMPORT_ROOT = tmp_path / "imports"
    settings.MEDIA_ROOT = tmp_path / "media"
    return live_server.url


@pytest.fixture
def page_errors(page):
    """Script errors of the pages visited: a test fails on any (checked at its end)."""
    errors: list[str] = []

    def failed(response):
        # a page's own status is the test's to check (a refusal is a 404 on purpose);
        # a missing script, style or image is an error. Chromium asks every site for
        # /favicon.ico, which this one does not have.
        request = response.request
        if response.status >= 400 and request.resource_type != "document" and not request.url.endswith(
                "/favicon.ico"):
            errors.append(f"{page.url}: {response.status} for {request.resource_type} {request.url}")

    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    page.on("response", failed)
    page.on("console", lambda m: errors.append(f"{page.url}: console {m.text}")
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    yield errors
    assert not errors, "script errors on the pages:\n" + "\n".join(errors)


def _settle(page):
    """Wait until the page is drawn: its scripts loaded, its charts painted."""
    page.wait_for_load_state("networkidle")
    boxes = page.locator(".chart-box")
    if boxes.count():
        page.wait_for_function("[...document.querySelectorAll('.chart-box')].every(b => b.querySelector('canvas, svg'))")
        page.wait_for_timeout(1200)  # ECharts' entry animation


@pytest.fixture
def shot(page, page_errors):
    """shot(name) saves the page as test-artifacts/screenshots/NAME-1366.png;
    shot(name, phone=True) also at 390×844, and checks that at that width the
    page does not scroll sideways (a wide table scrolls within its own box)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, *, phone: bool = False):
        _settle(page)
        page.screenshot(path=SCREENSHOTS / f"{name}-1366.png", full_page=True)
        if phone:
            page.set_viewport_size(PHONE)
            _settle(page)
            page.screenshot(path=SCREENSHOTS / f"{name}-390.png", full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            page.set_viewport_size(DESKTOP)
            assert width <= PHONE["width"], f"{name}: at {PHONE['width']} px the page is {width} px wide"
    return take
