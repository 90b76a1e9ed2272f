"""The PostgreSQL pass really talks to PostgreSQL (run by .ci/run's second pass)."""

import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_is_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
        # jsonb is PostgreSQL-only: this query fails on any other backend.
        cursor.execute("SELECT %s::jsonb ->> 'article'", ['{"article": "1"}'])
        (article,) = cursor.fetchone()
    assert version.startswith("PostgreSQL")
    assert article == "1"
    assert connection.pg_version >= 140000


@pytest.mark.django_db
def test_migrations_apply_and_tables_exist():
    # The test database is built by running every migration; auth's tables must be there.
    assert "auth_user" in connection.introspection.table_names()
