"""PostgreSQL: the breakdown key of observations (dim_key) compares byte by byte (collation "C"), as on SQLite.

dim_key is a machine key (dimension=value|…). Under the database's language collation,
building the unique key after a large import took longer (PostgreSQL sorts text of a language
collation without abbreviated keys), and breakdowns were ordered differently from SQLite. A
later AlterField of dim_key must keep COLLATE "C"; tests/test_models.py checks the column.
"""

from django.db import migrations


def _alter(apps, schema_editor, collation):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("core", "Observation")._meta.db_table)
    schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN dim_key TYPE varchar(500) COLLATE {collation}")


def bytewise(apps, schema_editor):
    _alter(apps, schema_editor, '"C"')


def by_language(apps, schema_editor):
    _alter(apps, schema_editor, '"default"')


class Migration(migrations.Migration):
    dependencies = [("core", "0005_measure_version")]

    operations = [migrations.RunPython(bytewise, by_language)]
