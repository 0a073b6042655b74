"""Invitations by email into a role: the coordinator's page, the mailed link (token
stored as a digest only, 7 days, a new token on resend, revocable), accepting with a new
or an existing account, and the refusals."""

import datetime
import logging
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from bansou.core.roles import Role
from bansou.orgs.models import Invitation, Membership
from bansou.orgs.selectors import invitation_token_digest
from bansou.people.services.invitations import (
    invitation_accept_signed_in,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from tests.concurrency import in_parallel
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

PASSWORD = "sakura-no-hana-2026"


@pytest.fixture(autouse=True)
def _english(settings):
    """The messages are checked in the source language."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    return OrganizationFactory(
        slug="inv-org", name="招待テスト団体", contact_email="office@inv.test"
    )


@pytest.fixture
def coordinator(org):
    user = UserFactory(language="en", email="coord@inv.test")
    MembershipFactory(organization=org, user=user, role=Role.COORDINATOR)
    return user


def _invite(org, coordinator, capture, **fields):
    data = {"email": "hanako@example.test", "role": Role.SUPPORTER, **fields}
    with capture(execute=True):
        return invitation_create(organization=org, invited_by=coordinator, **data)


def _token_from_last_mail() -> str:
    match = re.search(r"/invitation/([^/\s]+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def _accept_url(org, token: str) -> str:
    return reverse("people:invitation_accept", args=[org.slug, token])


def test_the_coordinator_invites_one_person_and_the_mail_carries_the_link(
    org, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    url = reverse("people:invitations", args=[org.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "email": " Hanako@Example.TEST ",
                "role": Role.SUPPORTER,
                "family_name": "山田",
                "given_name": "花子",
                "family_name_kana": "やまだ",
                "given_name_kana": "ハナコ",
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "hanako@example.test"
    assert invitation.family_name_kana == "ヤマダ"
    assert invitation.expires_at - timezone.now() > datetime.timedelta(days=6, hours=23)
    token = _token_from_last_mail()
    assert invitation.token_hash == invitation_token_digest(token)
    assert token not in invitation.token_hash
    body = mail.outbox[-1].body
    assert "招待テスト団体" in body and "office@inv.test" in body  # the signature
    assert mail.outbox[-1].to == ["hanako@example.test"]
    page = client.get(url).content.decode()
    assert "hanako@example.test" in page


def test_the_form_keeps_what_was_typed_and_names_the_field(org, coordinator, client_for):
    MembershipFactory(
        organization=org, user=UserFactory(language="en", email="member@inv.test"), role=Role.CLIENT
    )
    client = client_for(coordinator)
    url = reverse("people:invitations", args=[org.slug])
    response = client.post(
        url, {"email": "member@inv.test", "role": Role.CLIENT, "family_name": "佐藤"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "already a member" in " ".join(form.errors["email"])
    assert 'value="佐藤"' in response.content.decode()
    response = client.post(url, {"email": "x@inv.test", "role": "boss", "given_name_kana": "ABC"})
    form = response.context["form"]
    assert "role" in form.errors
    assert not Invitation.objects.exists()


def test_katakana_is_checked_through_the_service(org, coordinator, client_for):
    response = client_for(coordinator).post(
        reverse("people:invitations", args=[org.slug]),
        {"email": "x@inv.test", "role": Role.CLIENT, "given_name_kana": "abc"},
    )
    assert "given_name_kana" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_a_second_pending_invitation_to_one_address_is_refused(
    org, coordinator, django_capture_on_commit_callbacks
):
    _invite(org, coordinator, django_capture_on_commit_callbacks)
    with pytest.raises(Exception) as excinfo:
        _invite(org, coordinator, django_capture_on_commit_callbacks, email="HANAKO@example.test")
    assert "already been invited" in str(excinfo.value)
    assert Invitation.objects.count() == 1


def test_an_expired_invitation_gives_way_to_a_new_one(
    org, coordinator, django_capture_on_commit_callbacks
):
    old = _invite(org, coordinator, django_capture_on_commit_callbacks)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    new = _invite(org, coordinator, django_capture_on_commit_callbacks)
    old.refresh_from_db()
    assert old.status == Invitation.Status.EXPIRED
    assert new.status == Invitation.Status.PENDING


def test_the_new_person_sets_name_reading_and_password_and_is_signed_in(
    org, coordinator, client, django_capture_on_commit_callbacks
):
    _invite(org, coordinator, django_capture_on_commit_callbacks, family_name="山田")
    url = _accept_url(org, _token_from_last_mail())
    page = client.get(url)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert 'value="山田"' in page.content.decode()
    bad = client.post(url, {"family_name": "山田", "given_name": "花子", "password1": PASSWORD})
    assert "password2" in bad.context["form"].errors
    response = client.post(
        url,
        {
            "family_name": "山田",
            "given_name": "花子",
            "family_name_kana": "ヤマダ",
            "given_name_kana": "はなこ",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:dashboard", args=[org.slug])
    membership = Membership.objects.get(organization=org, user__email="hanako@example.test")
    assert membership.role == Role.SUPPORTER and membership.is_active
    user = membership.user
    assert user.given_name_kana == "ハナコ" and user.check_password(PASSWORD)
    assert EmailAddress.objects.get(user=user).verified  # accepting confirms the address
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED
    assert client.get(reverse("orgs:dashboard", args=[org.slug])).status_code == 200
    again = client.get(url)
    assert "この招待はすでに承諾されています" in again.content.decode()


def test_an_existing_account_signs_in_and_accepts_and_its_address_counts_as_confirmed(
    org, coordinator, client_for, django_capture_on_commit_callbacks
):
    person = UserFactory(language="en", email="hanako@example.test")
    EmailAddress.objects.filter(user=person).update(verified=False)
    _invite(org, coordinator, django_capture_on_commit_callbacks)
    url = _accept_url(org, _token_from_last_mail())
    anonymous = client_for(None).get(url).content.decode()
    assert "exists already" in anonymous and "password1" not in anonymous
    assert client_for(None).post(url, {}).status_code == 200  # nothing happens
    assert not Membership.objects.filter(user=person, organization=org).exists()
    other = (
        client_for(UserFactory(language="en", email="someone@else.test")).get(url).content.decode()
    )
    assert "another account" in other
    response = client_for(person).post(url)
    assert response.status_code == 302
    assert Membership.objects.get(user=person, organization=org).role == Role.SUPPORTER
    assert EmailAddress.objects.get(user=person, email="hanako@example.test").verified


def test_someone_signed_in_with_another_account_cannot_take_the_invitation(
    org, coordinator, client_for, django_capture_on_commit_callbacks
):
    _invite(org, coordinator, django_capture_on_commit_callbacks)
    url = _accept_url(org, _token_from_last_mail())
    stranger = UserFactory(language="en", email="stranger@else.test")
    client_for(stranger).post(
        url, {"family_name": "x", "given_name": "y", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert not Membership.objects.filter(organization=org, user=stranger).exists()
    assert Invitation.objects.get().status == Invitation.Status.PENDING
    invitation = Invitation.objects.get()
    with pytest.raises(Exception, match="This invitation is for"):
        invitation_accept_signed_in(invitation=invitation, user=stranger)


def test_resend_issues_a_new_token_and_the_old_link_stops_working(
    org, coordinator, client_for, django_capture_on_commit_callbacks
):
    invitation = _invite(org, coordinator, django_capture_on_commit_callbacks)
    old = _token_from_last_mail()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    page = reverse("people:invitation", args=[org.slug, invitation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(page, {"action": "resend"})
    assert response.status_code == 302
    new = _token_from_last_mail()
    assert new != old
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=6)
    anonymous = client_for(None)
    assert "not valid" in anonymous.get(_accept_url(org, old)).content.decode()
    assert "password1" in anonymous.get(_accept_url(org, new)).content.decode()


def test_a_revoked_invitation_cannot_be_used_or_resent(
    org, coordinator, client_for, django_capture_on_commit_callbacks
):
    invitation = _invite(org, coordinator, django_capture_on_commit_callbacks)
    token = _token_from_last_mail()
    page = reverse("people:invitation", args=[org.slug, invitation.pk])
    client = client_for(coordinator)
    assert client.get(page).status_code == 200
    client.post(page, {"action": "revoke"})
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    response = client_for(None).post(
        _accept_url(org, token),
        {"family_name": "x", "given_name": "y", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert "withdrawn" in response.content.decode()
    assert not Membership.objects.filter(user__email="hanako@example.test").exists()
    with pytest.raises(Exception, match="withdrawn"):
        invitation_resend(invitation=invitation, by=coordinator)
    with pytest.raises(Exception, match="withdrawn"):
        invitation_revoke(invitation=invitation, by=coordinator)
    listed = client.get(reverse("people:invitations", args=[org.slug])).context["invitations"]
    assert invitation not in list(listed)


def test_an_expired_link_says_so(org, coordinator, client, django_capture_on_commit_callbacks):
    invitation = _invite(org, coordinator, django_capture_on_commit_callbacks)
    token = _token_from_last_mail()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert "expired" in client.get(_accept_url(org, token)).content.decode()


def test_another_organisations_invitation_is_not_found_under_this_slug(
    org, coordinator, client, django_capture_on_commit_callbacks
):
    _invite(org, coordinator, django_capture_on_commit_callbacks)
    token = _token_from_last_mail()
    other = OrganizationFactory(slug="other-org")
    assert "not valid" in client.get(_accept_url(other, token)).content.decode()


def test_the_token_never_reaches_the_request_log(
    org, coordinator, client, caplog, django_capture_on_commit_callbacks
):
    _invite(org, coordinator, django_capture_on_commit_callbacks)
    token = _token_from_last_mail()
    with caplog.at_level(logging.INFO), caplog.at_level(logging.INFO, logger="bansou.request"):
        client.get(_accept_url(org, token))
        client.get(_accept_url(org, "unknown-token-abcdef"))
    request_lines = [r for r in caplog.records if r.name == "bansou.request"]
    assert len(request_lines) == 2
    assert all(r.path.endswith("/invitation/[redacted]/") for r in request_lines)
    logged = "\n".join(f"{r.getMessage()} {getattr(r, 'path', '')}" for r in caplog.records)
    assert token not in logged and "unknown-token-abcdef" not in logged


def test_the_invitation_page_is_for_coordinators(world, client_for):
    url = reverse("people:invitations", args=[world.a.organization.slug])
    assert client_for(world.a.members[Role.SUPPORTER]).get(url).status_code == 403
    assert client_for(world.b.members[Role.COORDINATOR]).get(url).status_code == 404
    detail = reverse(
        "people:invitation", args=[world.a.organization.slug, world.b.extra["invitation"].pk]
    )
    assert client_for(world.a.members[Role.COORDINATOR]).get(detail).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_simultaneous_invitations_to_one_address_make_exactly_one(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org = OrganizationFactory(slug="race-org")
    coordinator = UserFactory(language="en")
    MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)

    def invite():
        return invitation_create(
            organization=org, invited_by=coordinator, email="race@example.test", role=Role.CLIENT
        )

    results = in_parallel(org, {f"r{n}": invite for n in range(5)})
    assert sorted(results.values()).count("ok") == 1
    assert set(results.values()) == {"ok", "ValidationError"}
    assert Invitation.objects.filter(organization=org, status="pending").count() == 1


def test_pending_invitations_query_count_constant(world, client_for, assert_constant_queries):
    org, coordinator = world.a.organization, world.a.members[Role.COORDINATOR]
    counter = iter(range(10_000))

    def build(n):
        emails = []
        for _ in range(n):
            email = f"q{next(counter)}@example.test"
            Invitation.objects.create(
                organization=org,
                email=email,
                role=Role.CLIENT,
                token_hash=email,
                invited_by=coordinator,
                expires_at=timezone.now() + datetime.timedelta(days=7),
                sent_at=timezone.now(),
            )
            emails.append(email)
        return emails

    url = reverse("people:invitations", args=[org.slug])
    assert_constant_queries(build=build, get=lambda: client_for(coordinator).get(url))
