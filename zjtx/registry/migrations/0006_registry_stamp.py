"""RegistryStamp: one row the database re-stamps with every write of enterprises,
recognitions and jurisdictions, so that counts computed from the whole registry
(facets.py) can be kept until the registry changes.

- PostgreSQL: BEFORE ... FOR EACH STATEMENT triggers (one UPDATE per statement, so
  an import of 100,000 rows is not 100,000 updates). BEFORE, so that a transaction
  takes the stamp row's lock before any registry row's: two writers then queue on
  the stamp and cannot deadlock on each other's rows.
- SQLite: row triggers (SQLite has none per statement; it has one writer anyway).
  Django rebuilds an SQLite table for some schema changes and drops its triggers;
  tests/registry/test_facets.py checks that every kind of write changes the stamp.
"""

from django.db import migrations, models

TABLES = ("registry_enterprise", "registry_recognition", "registry_jurisdiction")
RESTAMP = "UPDATE registry_registrystamp SET stamp = {random} WHERE id = 1"
PG_RANDOM = "(random() * 9.2e18)::bigint"

POSTGRES = [f"""
CREATE FUNCTION registry_restamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {RESTAMP.format(random=PG_RANDOM)};
    RETURN NULL;
END $$"""] + [f"""
CREATE TRIGGER {table}_restamp BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION registry_restamp()""" for table in TABLES]
POSTGRES_REVERSE = [f"DROP TRIGGER IF EXISTS {table}_restamp ON {table}" for table in TABLES] + [
    "DROP FUNCTION IF EXISTS registry_restamp()"]

SQLITE = [f"CREATE TRIGGER {table}_restamp_{event.lower()} AFTER {event} ON {table} "
          f"BEGIN {RESTAMP.format(random='random()')}; END"
          for table in TABLES for event in ("INSERT", "UPDATE", "DELETE")]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {table}_restamp_{event.lower()}"
                  for table in TABLES for event in ("INSERT", "UPDATE", "DELETE")]


def forwards(apps, schema_editor):
    apps.get_model("registry", "RegistryStamp").objects.create(pk=1, stamp=1)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = POSTGRES
    elif vendor == "sqlite":
        statements = SQLITE
    else:
        raise NotImplementedError(f"RegistryStamp has no triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_REVERSE if vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0005_enterprise_list_at_scale"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegistryStamp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("stamp", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "企业库版本", "verbose_name_plural": "企业库版本"},
        ),
        migrations.RunPython(forwards, backwards),
    ]
