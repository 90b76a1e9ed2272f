"""Project-wide pytest configuration.

Tests marked `postgres` need the database to be PostgreSQL. On a newcomer's
machine (SQLite by default) they are skipped with a hint; under CI=true a
skip would hide a broken PostgreSQL pass, so they fail instead. CI deselects
them in its SQLite pass with -m "not postgres" (see .ci/run).

Tests marked `browser` drive Chromium (tests/browser/); without it they are
skipped with the reason on a newcomer's machine and fail under CI=true. Tests
marked `pdf` need a CJK font and poppler-utils, the same way.
"""

from __future__ import annotations

import os

import pytest

# Shared fixtures (`world`, `make_user`) for the tests of every app.
pytest_plugins = ["tests.fixtures.world"]

NEEDS_POSTGRES = (
    "needs PostgreSQL: set ZJTX_DATABASE_URL=postgres://USER@HOST:5432/zjtx "
    "(e.g. postgres://root@127.0.0.1:5432/zjtx), or deselect with -m 'not postgres'"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def database_vendor() -> str:
    # Reading the backend's vendor does not open a connection.
    from django.db import connections

    return connections["default"].vendor


NEEDS_CJK_FONT = "needs a CJK font for PDFs: apt-get install fonts-wqy-microhei fonts-noto-cjk poppler-utils"


def has_cjk_font() -> bool:
    import shutil
    import subprocess

    if not shutil.which("pdftotext") or not shutil.which("fc-list"):
        return False
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    return "WenQuanYi" in fonts or "CJK" in fonts


NEEDS_CHROMIUM = (
    "needs Chromium for the browser tests: apt-get install chromium fonts-noto-cjk, or set "
    "CHROMIUM_PATH (never `playwright install`); or deselect them with -m 'not browser'"
)


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"


def has_chromium() -> bool:
    path = chromium_path()
    return os.path.isfile(path) and os.access(path, os.X_OK)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") is not None and not has_chromium():
        if in_ci():
            pytest.fail(f"CI=true but there is no Chromium at {chromium_path()}: {NEEDS_CHROMIUM}", pytrace=False)
        pytest.skip(f"no Chromium at {chromium_path()}: {NEEDS_CHROMIUM}")
    if item.get_closest_marker("pdf") is not None and not has_cjk_font():
        if in_ci():
            pytest.fail(f"CI=true but {NEEDS_CJK_FONT}", pytrace=False)
        pytest.skip(NEEDS_CJK_FONT)
    if item.get_closest_marker("postgres") is None:
        return
    vendor = database_vendor()
    if vendor == "postgresql":
        return
    if in_ci():
        pytest.fail(
            f"CI=true but the database is {vendor}, not PostgreSQL, while a "
            f"`postgres` test is selected: {NEEDS_POSTGRES}",
            pytrace=False,
        )
    pytest.skip(NEEDS_POSTGRES)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Under CI=true a browser test that skips, for whatever reason, is a failure:
    CI must have run the journeys (deselecting them with -m is not a skip)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci() and item.get_closest_marker("browser") is not None \
            and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true but a browser test skipped: {reason}"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
