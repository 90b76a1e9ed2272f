"""Drop the GIN index of the names' two-character pieces (migration 0005): the list's
name search is answered from the columns kept in memory (facets.py), and no query
uses the index any more, while every write of an enterprise maintained it."""

from django.db import migrations

# As migration 0005 created them, for the way back.
BIGRAMS = ["""
CREATE FUNCTION registry_name_bigrams(text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr($1, i, 2)), '{}') FROM generate_series(1, char_length($1) - 1) AS i
$$""", """
CREATE INDEX enterprise_name_bigrams ON registry_enterprise USING gin (registry_name_bigrams(name_key))"""]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS enterprise_name_bigrams")
        schema_editor.execute("DROP FUNCTION IF EXISTS registry_name_bigrams(text)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BIGRAMS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0006_registry_stamp"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
