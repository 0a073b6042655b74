"""On PostgreSQL the database itself refuses to change or delete audit entries and
security events, whatever SQL the application's connection sends (the ORM refuses first,
see audit.models). TRUNCATE is left to the database owner (test databases are emptied
that way between tests)."""

from django.db import migrations

TABLES = ("audit_auditentry", "audit_securityevent")

FUNCTION = """
CREATE OR REPLACE FUNCTION bansou_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only: %% on %% refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION bansou_audit_append_only()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS bansou_audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_security_events")]

    operations = [migrations.RunPython(forwards, backwards)]
