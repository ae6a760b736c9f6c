"""On PostgreSQL the database itself refuses to change or remove a ledger line.

The model, manager and admin already refuse; this covers raw SQL and any other
client. TRUNCATE is left alone: it is how test databases are emptied, and no
application path issues it. SQLite has no such trigger (its test databases are
emptied with DELETE).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION points_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'points_pointsentry is append-only: % refused (reverse the entry instead)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER points_entry_append_only
    BEFORE UPDATE OR DELETE ON points_pointsentry
    FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS points_entry_append_only ON points_pointsentry;
DROP FUNCTION IF EXISTS points_ledger_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("points", "0001_ledger_service_records_rules_totals")]

    operations = [migrations.RunPython(create_trigger, drop_trigger, elidable=False)]
