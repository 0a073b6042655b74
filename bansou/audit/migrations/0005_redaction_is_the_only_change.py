"""On PostgreSQL the trigger of migration 0003 refused every UPDATE and DELETE of audit
rows. Erasure (APPI 第35条) needs one change: clearing a row's personal details. The
trigger now lets exactly that through — once per row, only to empty values, with what
happened, to which object, where and when unchanged, and the person only cleared, never
replaced — and still refuses every other UPDATE and every DELETE, whatever SQL is sent."""

from django.db import migrations

REDACT_OR_REFUSE = """
CREATE OR REPLACE FUNCTION bansou_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
       AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
       AND NEW.organization_id IS NOT DISTINCT FROM OLD.organization_id
       AND NEW.ip_address IS NULL THEN
        -- Nested IFs: SQL does not promise to stop at the table name, and a field the
        -- other table lacks is an error.
        IF TG_TABLE_NAME = 'audit_auditentry' THEN
            IF NEW.action = OLD.action AND NEW.object_type = OLD.object_type
               AND NEW.object_id = OLD.object_id AND NEW.reason = ''
               AND NEW.data = '{}'::jsonb
               AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id) THEN
                RETURN NEW;
            END IF;
        ELSIF TG_TABLE_NAME = 'audit_securityevent' THEN
            IF NEW.kind = OLD.kind AND NEW.path = OLD.path AND NEW.login_digest = ''
               AND (NEW.user_id IS NULL OR NEW.user_id = OLD.user_id) THEN
                RETURN NEW;
            END IF;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only: %% on %% refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

REFUSE_ALL = """
CREATE OR REPLACE FUNCTION bansou_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only: %% on %% refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REDACT_OR_REFUSE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_ALL)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_erasure_marks")]

    operations = [migrations.RunPython(forwards, backwards)]
