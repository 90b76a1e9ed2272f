"""The enterprise list at 200,000 enterprises (benchmarks/web.py): indexes for its
queries (on PostgreSQL also a GIN index of the names' two-character pieces for the
search by a part of a name), and Enterprise.latest_recognition_on, the latest
announced_on of an enterprise's recognitions, for the 最近认定 sort.

The column is kept by the database, so that it is right however recognitions are
written (the ORM, bulk_create, the imports' multi-row INSERTs, COPY, a fix in psql):

- PostgreSQL: statement-level triggers on registry_recognition (one UPDATE per
  statement, from its transition tables, so an import of 100,000 rows is not
  100,000 updates), and a BEFORE INSERT OR UPDATE trigger on registry_enterprise
  that recomputes the column whenever anything but those triggers writes the row,
  so an enterprise saved from a stale instance cannot put back an old value.
- SQLite: row-level triggers doing the same (SQLite has no statement-level ones).
  Django rebuilds an SQLite table for some later schema changes and drops its
  triggers then; tests/registry/test_enterprise_pages.py checks the column after
  inserts, updates, deletes and stale saves, so that would not go unnoticed.
"""

from django.db import migrations, models

LATEST = "(SELECT MAX(r.announced_on) FROM registry_recognition r WHERE r.enterprise_id = {id})"

BACKFILL = f"UPDATE registry_enterprise SET latest_recognition_on = {LATEST.format(id='registry_enterprise.id')}"

# One statement per item: a driver runs one statement per execute().
POSTGRES = [f"""
CREATE FUNCTION registry_enterprise_keep_latest_recognition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Depth 1: a write of the enterprise itself (not by the recognition triggers
    -- below): the column is what the recognitions say, whatever the row carried.
    IF pg_trigger_depth() = 1 THEN
        NEW.latest_recognition_on := {LATEST.format(id='NEW.id')};
    END IF;
    RETURN NEW;
END $$""", f"""
CREATE TRIGGER registry_enterprise_keep_latest_recognition
    BEFORE INSERT OR UPDATE ON registry_enterprise
    FOR EACH ROW EXECUTE FUNCTION registry_enterprise_keep_latest_recognition()""", f"""
CREATE FUNCTION registry_recognition_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- New recognitions can only move an enterprise's latest date later.
    UPDATE registry_enterprise e SET latest_recognition_on = n.latest
    FROM (SELECT enterprise_id, MAX(announced_on) AS latest FROM inserted GROUP BY enterprise_id) n
    WHERE e.id = n.enterprise_id AND (e.latest_recognition_on IS NULL OR e.latest_recognition_on < n.latest);
    RETURN NULL;
END $$""", f"""
CREATE TRIGGER registry_recognition_inserted
    AFTER INSERT ON registry_recognition REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION registry_recognition_inserted()""", f"""
CREATE FUNCTION registry_recognition_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registry_enterprise e SET latest_recognition_on = {LATEST.format(id='e.id')}
    WHERE e.id IN (SELECT enterprise_id FROM before_update UNION SELECT enterprise_id FROM after_update);
    RETURN NULL;
END $$""", f"""
CREATE TRIGGER registry_recognition_updated
    AFTER UPDATE ON registry_recognition REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update
    FOR EACH STATEMENT EXECUTE FUNCTION registry_recognition_updated()""", f"""
CREATE FUNCTION registry_recognition_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registry_enterprise e SET latest_recognition_on = {LATEST.format(id='e.id')}
    WHERE e.id IN (SELECT enterprise_id FROM deleted);
    RETURN NULL;
END $$""", f"""
CREATE TRIGGER registry_recognition_deleted
    AFTER DELETE ON registry_recognition REFERENCING OLD TABLE AS deleted
    FOR EACH STATEMENT EXECUTE FUNCTION registry_recognition_deleted()""", """
-- 最近认定, newest first: DESC NULLS LAST, which SQLite's CREATE INDEX cannot say.
CREATE INDEX enterprise_recognized_desc
    ON registry_enterprise (latest_recognition_on DESC NULLS LAST, name_key, id)""", """
-- The distinct two-character pieces of a text: the search by a part of a name
-- (selectors.filtered_enterprises) asks the GIN index below for the names holding
-- every piece of the part, then LIKE checks them. pg_trgm's trigrams would miss the
-- commonest searches, a two-character trade name (晟铭).
CREATE FUNCTION registry_name_bigrams(text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr($1, i, 2)), '{}') FROM generate_series(1, char_length($1) - 1) AS i
$$""", """
CREATE INDEX enterprise_name_bigrams ON registry_enterprise USING gin (registry_name_bigrams(name_key))"""]

POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS enterprise_name_bigrams",
    "DROP FUNCTION IF EXISTS registry_name_bigrams(text)",
    "DROP INDEX IF EXISTS enterprise_recognized_desc",
    "DROP TRIGGER IF EXISTS registry_recognition_deleted ON registry_recognition",
    "DROP TRIGGER IF EXISTS registry_recognition_updated ON registry_recognition",
    "DROP TRIGGER IF EXISTS registry_recognition_inserted ON registry_recognition",
    "DROP TRIGGER IF EXISTS registry_enterprise_keep_latest_recognition ON registry_enterprise",
    "DROP FUNCTION IF EXISTS registry_recognition_deleted()",
    "DROP FUNCTION IF EXISTS registry_recognition_updated()",
    "DROP FUNCTION IF EXISTS registry_recognition_inserted()",
    "DROP FUNCTION IF EXISTS registry_enterprise_keep_latest_recognition()",
]


def _sqlite_touch(row: str) -> str:
    return (f"UPDATE registry_enterprise SET latest_recognition_on = {LATEST.format(id=f'{row}.enterprise_id')} "
            f"WHERE id = {row}.enterprise_id;")


SQLITE = [
    f"CREATE TRIGGER registry_recognition_inserted AFTER INSERT ON registry_recognition "
    f"BEGIN {_sqlite_touch('NEW')} END",
    f"CREATE TRIGGER registry_recognition_updated AFTER UPDATE OF enterprise_id, announced_on "
    f"ON registry_recognition BEGIN {_sqlite_touch('OLD')} {_sqlite_touch('NEW')} END",
    f"CREATE TRIGGER registry_recognition_deleted AFTER DELETE ON registry_recognition "
    f"BEGIN {_sqlite_touch('OLD')} END",
    # A write of the enterprise itself puts back what the recognitions say (SQLite
    # triggers cannot change NEW; without recursive_triggers this UPDATE fires no trigger).
    f"CREATE TRIGGER registry_enterprise_keep_latest_recognition AFTER UPDATE OF latest_recognition_on "
    f"ON registry_enterprise WHEN NEW.latest_recognition_on IS NOT {LATEST.format(id='NEW.id')} "
    f"BEGIN UPDATE registry_enterprise SET latest_recognition_on = {LATEST.format(id='NEW.id')} "
    f"WHERE id = NEW.id; END",
    f"CREATE TRIGGER registry_enterprise_insert_latest_recognition AFTER INSERT ON registry_enterprise "
    f"WHEN NEW.latest_recognition_on IS NOT {LATEST.format(id='NEW.id')} "
    f"BEGIN UPDATE registry_enterprise SET latest_recognition_on = {LATEST.format(id='NEW.id')} "
    f"WHERE id = NEW.id; END",
]
SQLITE_TRIGGERS = ("registry_recognition_inserted", "registry_recognition_updated", "registry_recognition_deleted",
                   "registry_enterprise_keep_latest_recognition", "registry_enterprise_insert_latest_recognition")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(BACKFILL)
    if vendor == "postgresql":
        for statement in POSTGRES:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"Enterprise.latest_recognition_on has no triggers for {vendor}")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRES_REVERSE:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0004_investment_tranche_once_per_vehicle"),
    ]

    operations = [
        migrations.AddField(
            model_name="enterprise",
            name="latest_recognition_on",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="最近认定日期"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(fields=["fiscal_home", "name_key", "id"], name="enterprise_home_name"),
        ),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(fields=["industry", "fiscal_home"], name="enterprise_industry_home"),
        ),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(fields=["latest_recognition_on", "name_key", "id"], name="enterprise_recognized"),
        ),
        migrations.AddIndex(
            model_name="recognition",
            index=models.Index(fields=["tier", "enterprise", "announced_on", "valid_to"],
                               name="recognition_tier_validity"),
        ),
    ]
