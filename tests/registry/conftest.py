"""The demo registry, loaded once per test module and rolled back after it.

Loading takes a few seconds, so the tests of one module share one load: the load
runs in an outer transaction, each test in a savepoint inside it (pytest-django's
usual per-test rollback), and the outer transaction is rolled back at the end of
the module, so no other test ever sees the demo rows."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from zjtx.registry.demo import load_demo


@pytest.fixture(scope="module")
def demo_registry(django_db_setup, django_db_blocker):
    # The fast hasher of the root conftest, which is function-scoped and not yet active here.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), transaction.atomic():
        with fast:
            report = load_demo()
        assert report.status == "loaded"
        yield report
        transaction.set_rollback(True)
