"""Sign-ins, failed sign-ins, lockouts and refused organisation pages leave one security
event each with the client address; on PostgreSQL neither audit entries nor security
events can be changed or deleted even by raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django_scopes import scopes_disabled

from bansou.audit.models import AuditEntry, AuditImmutableError, SecurityEvent
from bansou.audit.services import audit_log
from bansou.core.roles import Role
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _events(kind: str) -> list[SecurityEvent]:
    with scopes_disabled():
        return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


def test_a_sign_in_and_a_failed_one_are_recorded_with_the_address(client):
    user = UserFactory()
    client.post(LOGIN, {"login": user.email, "password": "wrong"}, REMOTE_ADDR="192.0.2.1")
    client.post(LOGIN, {"login": "nobody@example.test", "password": "x"}, REMOTE_ADDR="192.0.2.2")
    response = client.post(
        LOGIN, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.3"
    )
    assert response.status_code == 302
    failed = _events(SecurityEvent.Kind.LOGIN_FAILED)
    assert [(e.user, e.ip_address) for e in failed] == [(user, "192.0.2.1"), (None, "192.0.2.2")]
    assert failed[0].login_digest == ""  # the account is named, nothing else is kept
    assert len(failed[1].login_digest) == 64 and "nobody" not in failed[1].login_digest
    [login] = _events(SecurityEvent.Kind.LOGIN)
    assert (login.user, login.ip_address) == (user, "192.0.2.3")


def test_a_throttled_attempt_is_recorded_as_a_lockout(client, settings):
    user = UserFactory()
    for _ in range(8):
        client.post(LOGIN, {"login": user.email, "password": "wrong"}, REMOTE_ADDR="192.0.2.9")
    lockouts = _events(SecurityEvent.Kind.LOCKOUT)
    assert lockouts and all(e.user == user and e.ip_address == "192.0.2.9" for e in lockouts)


def test_refused_organisation_pages_are_recorded(client):
    org = OrganizationFactory()
    outsider, client_member = UserFactory(), UserFactory()
    MembershipFactory(organization=org, user=client_member, role=Role.CLIENT)
    radar = reverse("engagements:radar", args=[org.slug])
    client.force_login(outsider)
    assert client.get(radar, REMOTE_ADDR="198.51.100.7").status_code == 404
    client.force_login(client_member)
    assert client.get(radar, REMOTE_ADDR="198.51.100.8").status_code == 403
    denied = _events(SecurityEvent.Kind.DENIED)
    assert [(e.user, e.organization, e.ip_address, e.path) for e in denied] == [
        (outsider, org, "198.51.100.7", radar),
        (client_member, org, "198.51.100.8", radar),
    ]


def test_security_events_cannot_be_changed_through_the_orm(client):
    user = UserFactory()
    client.post(LOGIN, {"login": user.email, "password": "wrong"})
    [event] = _events(SecurityEvent.Kind.LOGIN_FAILED)
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError), scopes_disabled():
        SecurityEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize("table", ["audit_auditentry", "audit_securityevent"])
def test_raw_sql_cannot_rewrite_or_delete_audit_rows_on_postgresql(table, client):
    if connection.vendor != "postgresql":
        pytest.skip("the database-level guard is a PostgreSQL trigger")
    org = OrganizationFactory()
    user = UserFactory()
    audit_log(organization=org, actor=user, action="test.planted", reason="planted")
    client.post(LOGIN, {"login": user.email, "password": "wrong"})
    with scopes_disabled():
        assert AuditEntry.objects.exists() and SecurityEvent.objects.exists()
    for statement in (f"UPDATE {table} SET ip_address = NULL", f"DELETE FROM {table}"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] >= 1
