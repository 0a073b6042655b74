"""Erasure may clear an audit row's personal details, once, and nothing else: the ORM
offers only ``redact()``, and on PostgreSQL the trigger refuses any other change from
raw SQL (rewriting what happened, to what, when, or who; a second redaction; DELETE)."""

import pytest
from django.db import DatabaseError, connection, transaction
from django_scopes import scopes_disabled

from bansou.audit.models import AuditEntry, SecurityEvent
from bansou.audit.services import audit_log
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _planted() -> AuditEntry:
    org = OrganizationFactory()
    return audit_log(
        organization=org,
        actor=UserFactory(),
        action="notes.read",
        reason="山田 花子さんの依頼で確認",
        ip_address="203.0.113.9",
        data={"note": 7},
    )


def test_redact_clears_the_details_and_keeps_what_happened():
    entry = _planted()
    with scopes_disabled():
        assert AuditEntry.objects.filter(pk=entry.pk).redact(detach_person=True) == 1
        row = AuditEntry.objects.get(pk=entry.pk)
        # A second redaction finds nothing left to clear.
        assert AuditEntry.objects.filter(pk=entry.pk).redact() == 0
    assert (row.reason, row.data, row.ip_address, row.actor_id) == ("", {}, None, None)
    assert row.redacted_at is not None
    assert (row.action, row.object_type, row.object_id, row.created_at) == (
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.created_at,
    )


def test_redact_keeps_the_person_unless_asked():
    entry = _planted()
    with scopes_disabled():
        AuditEntry.objects.filter(pk=entry.pk).redact()
        assert AuditEntry.objects.get(pk=entry.pk).actor_id == entry.actor_id


def _refused(statement: str, params: list[object]) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)


def test_raw_sql_may_redact_once_and_rewrite_nothing_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the database-level guard is a PostgreSQL trigger")
    entry = _planted()
    other = UserFactory()
    clear = "redacted_at = now(), reason = '', data = '{}'::jsonb, ip_address = NULL"
    # Rewriting what happened, to what, when or by whom is refused even as a "redaction".
    for change, params in (
        ("action = 'nothing.happened'", []),
        ("object_id = '999'", []),
        ("created_at = created_at - interval '1 day'", []),
        ("actor_id = %s", [other.pk]),
    ):
        _refused(
            f"UPDATE audit_auditentry SET {clear}, {change} WHERE id = %s", [*params, entry.pk]
        )
    # Clearing only part of the details, or keeping the address, is not a redaction.
    _refused("UPDATE audit_auditentry SET redacted_at = now() WHERE id = %s", [entry.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE audit_auditentry SET {clear}, actor_id = NULL WHERE id = %s", [entry.pk]
        )
    # Once redacted, a row changes no more and is never deleted.
    _refused("UPDATE audit_auditentry SET redacted_at = now() WHERE id = %s", [entry.pk])
    _refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    with scopes_disabled():
        row = AuditEntry.objects.get(pk=entry.pk)
    assert (row.action, row.reason, row.actor_id) == ("notes.read", "", None)


def test_raw_sql_may_redact_a_security_event_but_not_rewrite_it_on_postgresql(client):
    if connection.vendor != "postgresql":
        pytest.skip("the database-level guard is a PostgreSQL trigger")
    user = UserFactory()
    client.post("/accounts/login/", {"login": user.email, "password": "wrong"})
    with scopes_disabled():
        event = SecurityEvent.objects.get(user=user)
    clear = "redacted_at = now(), login_digest = '', ip_address = NULL"
    _refused(f"UPDATE audit_securityevent SET {clear}, kind = 'login' WHERE id = %s", [event.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE audit_securityevent SET {clear}, user_id = NULL WHERE id = %s", [event.pk]
        )
    with scopes_disabled():
        assert SecurityEvent.objects.get(pk=event.pk).user_id is None
