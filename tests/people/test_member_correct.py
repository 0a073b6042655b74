"""A coordinator corrects a member's name, reading, address and role
(people.services.members): bad input is said on its field, an address counts only once its
owner confirms it from the mailed link, a person of several organisations corrects their
own details, the last coordinator keeps the role, and every correction is audited."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bansou.accounts.models import User
from bansou.audit.describe import audit_lines
from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.engagements.models import Engagement
from bansou.engagements.services.memberships import membership_deactivate
from bansou.orgs.models import Membership
from bansou.people.services.members import member_correct
from tests.concurrency import in_parallel
from tests.factories import (
    PASSWORD,
    EngagementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
)

LINK = re.compile(r"https?://\S+/email-change/(\S+)/")


@pytest.fixture(autouse=True)
def _english(settings):
    """The messages are checked in the source language."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    return OrganizationFactory(slug="fix-org", name="訂正テスト団体")


@pytest.fixture
def coordinator(org):
    user = UserFactory(language="en", email="coord@fix.test", family_name="調整")
    MembershipFactory(organization=org, user=user, role=Role.COORDINATOR)
    return user


@pytest.fixture
def coord_client(coordinator, client_for):
    """One browser of the coordinator (the messages of a redirect reach its next page)."""
    return client_for(coordinator)


@pytest.fixture
def member(org):
    user = UserFactory(
        language="en",
        email="hana@fix.test",
        family_name="山田",
        given_name="花子",
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
    )
    return MembershipFactory(organization=org, user=user, role=Role.SUPPORTER)


def _details(membership, **changes):
    user = membership.user
    data = {
        "family_name": user.family_name,
        "given_name": user.given_name,
        "family_name_kana": user.family_name_kana,
        "given_name_kana": user.given_name_kana,
        "email": user.email,
        "role": membership.role,
    }
    return {**data, **changes}


def _url(membership):
    return reverse("people:member_correct", args=[membership.organization.slug, membership.pk])


def _post(client, membership, capture, **changes):
    with capture(execute=True):
        return client.post(_url(membership), _details(membership, **changes))


def _errors(response, field):
    return [str(e) for e in response.context["form"].errors.get(field, [])]


def _actions(org):
    return list(
        AuditEntry.objects.filter(organization=org).order_by("pk").values_list("action", flat=True)
    )


# --- names and readings ------------------------------------------------------------------


def test_a_coordinator_corrects_the_name_and_reading(
    org, coordinator, member, coord_client, django_capture_on_commit_callbacks
):
    page = coord_client.get(_url(member))
    assert page.status_code == 200
    assert page.context["form"]["family_name"].value() == "山田"
    response = _post(
        coord_client,
        member,
        django_capture_on_commit_callbacks,
        family_name="山﨑",
        given_name="花",
        given_name_kana="はな",  # hiragana is stored as katakana
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:members", args=[org.slug])
    person = User.objects.get(pk=member.user_id)
    assert (person.family_name, person.given_name, person.given_name_kana) == ("山﨑", "花", "ハナ")
    assert person.family_name_kana == "ヤマダ"
    entry = AuditEntry.objects.get(organization=org, action="people.member.name_corrected")
    assert entry.actor == coordinator
    assert (entry.object_type, entry.object_id) == ("orgs.membership", str(member.pk))
    assert entry.data == {"fields": ["family_name", "given_name", "given_name_kana"]}
    assert "山﨑" not in str(entry.data)  # the audit names the object, not the person's data
    [line] = audit_lines(organization=org, entries=[entry])
    assert line.sentence == f"{coordinator.display_name} corrected the name of 山﨑 花"


def test_a_reading_not_in_katakana_is_refused_on_its_field(
    org, coordinator, member, coord_client, django_capture_on_commit_callbacks
):
    response = _post(
        coord_client,
        member,
        django_capture_on_commit_callbacks,
        family_name="山口",
        family_name_kana="Yamaguchi",
        given_name_kana="花子",
    )
    assert response.status_code == 200
    message = "Please write the reading in katakana (for example ヤマダ)."
    assert _errors(response, "family_name_kana") == [message]
    assert _errors(response, "given_name_kana") == [message]
    assert message in response.content.decode()
    person = User.objects.get(pk=member.user_id)
    assert (person.family_name, person.family_name_kana) == ("山田", "ヤマダ")  # nothing saved
    assert _actions(org) == []


def test_the_service_checks_the_names_too(org, coordinator, member):
    with pytest.raises(ValidationError) as caught:
        member_correct(
            membership=member, actor=coordinator, **_details(member, given_name="花子🌸")
        )
    assert caught.value.message_dict["given_name"] == [
        "Names cannot contain emoji, symbols or control characters."
    ]
    with pytest.raises(ValidationError) as caught:
        member_correct(membership=member, actor=coordinator, **_details(member, family_name=" "))
    assert caught.value.message_dict["family_name"] == ["Please enter the name."]
    with pytest.raises(ValidationError) as caught:
        member_correct(
            membership=member, actor=coordinator, **_details(member, given_name_kana="ハナ子")
        )
    assert "katakana" in caught.value.message_dict["given_name_kana"][0]


def test_nothing_changed_writes_nothing(
    org, coordinator, member, coord_client, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    response = _post(coord_client, member, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert _actions(org) == [] and mail.outbox == []
    page = coord_client.get(response["Location"])
    assert "Nothing was changed." in page.content.decode()


# --- the email address -------------------------------------------------------------------


def _mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_a_new_address_counts_only_once_its_owner_confirms_it(
    org, coordinator, member, coord_client, django_capture_on_commit_callbacks, settings
):
    settings.BANSOU_BASE_URL = "https://bansou.example"
    mail.outbox.clear()
    response = _post(
        coord_client,
        member,
        django_capture_on_commit_callbacks,
        email="ＨＡＮＡ.New＠Example.JP.",  # full width, capitals, a trailing dot
    )
    assert response.status_code == 302
    new = "hana.new@example.jp"
    person = User.objects.get(pk=member.user_id)
    assert person.email == "hana@fix.test"  # the login stays until confirmed
    pending = EmailAddress.objects.get(user=person, email=new)
    assert not pending.verified and not pending.primary
    assert EmailAddress.objects.get(user=person, email="hana@fix.test").verified
    [confirm] = _mails_to(new)
    [notice] = _mails_to("hana@fix.test")
    assert "confirm that this address is yours" in confirm.body
    assert "from hana@fix.test to hana.new@example.jp" in notice.body
    assert "A change of your email address was requested" in notice.subject
    assert _actions(org) == ["people.member.email_change_requested"]
    listed = coord_client.get(response["Location"]).content.decode()
    assert "A confirmation link has been sent to hana.new@example.jp" in listed
    page = coord_client.get(_url(member)).content.decode()
    assert "Waiting for confirmation: hana.new@example.jp" in page

    # Until then the new address opens nothing: the old one still signs in...
    mail.outbox.clear()
    login = Client().post(
        reverse("account_login"), {"login": "hana@fix.test", "password": PASSWORD}
    )
    assert login.status_code == 302 and "/accounts/login" not in login["Location"]
    # ...and neither a reset link nor a sign-in code goes to the waiting address.
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": new})
        Client().post(reverse("account_request_login_code"), {"email": new})
    to_new = _mails_to(new)
    assert to_new and all("/password/reset/key/" not in m.body for m in to_new)
    assert all(person.display_name not in m.body for m in to_new)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": "hana@fix.test"})
    assert any("/password/reset/key/" in m.body for m in _mails_to("hana@fix.test"))

    # The mailed link: opening it shows a button (a mail scanner confirms nothing)...
    key = LINK.search(confirm.body).group(1)
    link = reverse("people:email_change_confirm", args=[org.slug, key])
    anonymous = Client()
    shown = anonymous.get(link)
    assert shown.status_code == 200 and "Confirm this address" in shown.content.decode()
    assert shown["Referrer-Policy"] == "same-origin"
    assert not EmailAddress.objects.get(pk=pending.pk).verified
    # ...and pressing it confirms: the new address is the login and the primary one.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = anonymous.post(link)
    assert "Your account's address is now hana.new@example.jp" in done.content.decode()
    person.refresh_from_db()
    assert person.email == new
    assert list(
        EmailAddress.objects.filter(user=person).values_list("email", "verified", "primary")
    ) == [(new, True, True)]
    [changed] = _mails_to("hana@fix.test")
    assert "is now hana.new@example.jp" in changed.body
    assert _actions(org)[-1] == "people.member.email_changed"
    assert AuditEntry.objects.filter(action="people.member.email_changed").get().actor == person
    again = anonymous.post(link).content.decode()
    assert "This link is not valid any more" in again
    login = Client().post(reverse("account_login"), {"login": new, "password": PASSWORD})
    assert login.status_code == 302 and "/accounts/login" not in login["Location"]


def test_an_address_another_account_uses_is_refused_on_the_field(
    org, coordinator, member, coord_client, django_capture_on_commit_callbacks
):
    other = UserFactory(email="taken@fix.test")
    EmailAddress.objects.create(user=other, email="second@fix.test", verified=True)
    message = "Another account already uses this address. Please check it with the person."
    for address in ("taken@fix.test", "TAKEN@fix.test", "second@fix.test", "coord@fix.test"):
        response = _post(coord_client, member, django_capture_on_commit_callbacks, email=address)
        assert response.status_code == 200
        assert _errors(response, "email") == [message], address
    assert not EmailAddress.objects.filter(user=member.user, verified=False).exists()
    assert _actions(org) == []


def test_a_bad_address_is_refused_and_nothing_else_is_saved(
    org, coordinator, member, coord_client, django_capture_on_commit_callbacks
):
    response = _post(
        coord_client,
        member,
        django_capture_on_commit_callbacks,
        email="hana@",
        family_name="川口",
    )
    assert response.status_code == 200
    assert _errors(response, "email") == ["Please enter a valid email address (name@example.jp)."]
    assert User.objects.get(pk=member.user_id).family_name == "山田"


def test_a_new_request_replaces_the_earlier_one_and_its_link(
    org, coordinator, member, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        member_correct(
            membership=member, actor=coordinator, **_details(member, email="first@fix.test")
        )
        member_correct(
            membership=member, actor=coordinator, **_details(member, email="second@fix.test")
        )
    assert list(
        EmailAddress.objects.filter(user=member.user, verified=False).values_list(
            "email", flat=True
        )
    ) == ["second@fix.test"]
    first_key = LINK.search(_mails_to("first@fix.test")[0].body).group(1)
    page = Client().post(reverse("people:email_change_confirm", args=[org.slug, first_key]))
    assert "This link is not valid any more" in page.content.decode()
    assert User.objects.get(pk=member.user_id).email == "hana@fix.test"


def test_the_link_does_not_work_under_another_organisation_or_once_the_address_is_taken(
    org, coordinator, member, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        member_correct(membership=member, actor=coordinator, **_details(member, email="n@fix.test"))
    key = LINK.search(_mails_to("n@fix.test")[0].body).group(1)
    elsewhere = OrganizationFactory(slug="other-fix")
    page = Client().post(reverse("people:email_change_confirm", args=[elsewhere.slug, key]))
    assert "This link is not valid any more" in page.content.decode()
    # Someone else's account took the address meanwhile (e.g. an accepted application).
    UserFactory(email="n@fix.test")
    page = Client().post(reverse("people:email_change_confirm", args=[org.slug, key]))
    assert "Another account confirmed this address meanwhile" in page.content.decode()
    assert User.objects.get(pk=member.user_id).email == "hana@fix.test"
    forged = Client().get(reverse("people:email_change_confirm", args=[org.slug, "forged:key"]))
    assert "This link is not valid any more" in forged.content.decode()


def test_a_coordinator_changes_their_own_address_in_their_account_settings(
    org, coordinator, coord_client
):
    own = Membership.objects.get(organization=org, user=coordinator)
    page = coord_client.get(_url(own))
    assert page.context["form"].fields["email"].disabled
    assert "This is you." in page.content.decode()
    with pytest.raises(ValidationError) as caught:
        member_correct(membership=own, actor=coordinator, **_details(own, email="me@fix.test"))
    assert "account's email settings" in caught.value.message_dict["email"][0]


# --- someone in several organisations ----------------------------------------------------


def test_a_person_of_another_organisation_too_corrects_their_own_name_and_address(
    org, coordinator, member, coord_client, django_capture_on_commit_callbacks
):
    MembershipFactory(organization=OrganizationFactory(slug="elsewhere"), user=member.user)
    page = coord_client.get(_url(member))
    body = page.content.decode()
    assert "This person also belongs to another organisation." in body
    assert "elsewhere" not in body  # which one is not said
    form = page.context["form"]
    assert all(form.fields[f].disabled for f in ("family_name", "given_name", "email"))
    assert not form.fields["role"].disabled
    # A forged post changes neither; the role still changes.
    response = _post(
        coord_client,
        member,
        django_capture_on_commit_callbacks,
        family_name="偽名",
        email="forged@fix.test",
        role=Role.CLIENT,
    )
    assert response.status_code == 302
    person = User.objects.get(pk=member.user_id)
    assert (person.family_name, person.email) == ("山田", "hana@fix.test")
    assert Membership.objects.get(pk=member.pk).role == Role.CLIENT
    with pytest.raises(ValidationError) as caught:
        member_correct(membership=member, actor=coordinator, **_details(member, family_name="偽名"))
    assert caught.value.messages == [
        "This person also belongs to another organisation, so they correct their name and "
        "email address themselves."
    ]


# --- the role ----------------------------------------------------------------------------


def test_a_role_change_is_audited_with_both_roles(
    org, coordinator, member, coord_client, django_capture_on_commit_callbacks
):
    response = _post(coord_client, member, django_capture_on_commit_callbacks, role=Role.PARTNER)
    assert response.status_code == 302
    assert Membership.objects.get(pk=member.pk).role == Role.PARTNER
    entry = AuditEntry.objects.get(organization=org, action="people.member.role_changed")
    assert entry.data == {"from": "supporter", "to": "partner"}
    [line] = audit_lines(organization=org, entries=[entry])
    assert line.sentence == f"{coordinator.display_name} changed the role of 山田 花子"


def test_a_supporter_or_client_still_accompanied_keeps_the_role(
    org, coordinator, member, coord_client, django_capture_on_commit_callbacks
):
    program = ProgramFactory(organization=org)
    client = MembershipFactory(organization=org, role=Role.CLIENT)
    engagement = EngagementFactory(program=program, client=client.user, supporter=member.user)
    for membership, name in ((member, "山田 花子"), (client, client.user.display_name)):
        response = _post(
            coord_client, membership, django_capture_on_commit_callbacks, role=Role.VIEWER
        )
        assert response.status_code == 200
        [message] = _errors(response, "role")
        assert message.startswith(f"{name} still ") and "1 open engagement" in message
        assert Membership.objects.get(pk=membership.pk).role == membership.role
    # Once the engagement has ended, the role changes.
    Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.ENDED)
    response = _post(coord_client, member, django_capture_on_commit_callbacks, role=Role.VIEWER)
    assert response.status_code == 302
    assert Membership.objects.get(pk=member.pk).role == Role.VIEWER


def test_the_last_coordinator_keeps_the_role(
    org, coordinator, coord_client, django_capture_on_commit_callbacks
):
    own = Membership.objects.get(organization=org, user=coordinator)
    response = _post(coord_client, own, django_capture_on_commit_callbacks, role=Role.SUPPORTER)
    assert response.status_code == 200
    assert _errors(response, "role") == [
        "The organisation needs at least one active coordinator. Make someone else "
        "coordinator first."
    ]
    assert Membership.objects.get(pk=own.pk).role == Role.COORDINATOR
    # With a second coordinator, one may step down (and lands on the dashboard).
    MembershipFactory(organization=org, user=UserFactory(), role=Role.COORDINATOR)
    response = _post(coord_client, own, django_capture_on_commit_callbacks, role=Role.SUPPORTER)
    assert response["Location"] == reverse("orgs:dashboard", args=[org.slug])
    assert Membership.objects.get(pk=own.pk).role == Role.SUPPORTER


def test_a_deactivated_membership_keeps_its_role_and_a_bad_role_is_refused(
    org, coordinator, member
):
    Membership.objects.filter(pk=member.pk).update(is_active=False)
    member.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        member_correct(membership=member, actor=coordinator, **_details(member, role=Role.CLIENT))
    assert caught.value.message_dict["role"] == [
        "This membership is deactivated: its role cannot change."
    ]
    with pytest.raises(ValidationError) as caught:
        member_correct(membership=member, actor=coordinator, **_details(member, role="owner"))
    assert caught.value.message_dict["role"] == ["Choose one of the roles."]


def test_someone_no_longer_coordinator_changes_nothing(org, coordinator, member):
    Membership.objects.filter(organization=org, user=coordinator).update(role=Role.SUPPORTER)
    with pytest.raises(ValidationError) as caught:
        member_correct(membership=member, actor=coordinator, **_details(member, family_name="川"))
    assert caught.value.messages == ["You are no longer a coordinator of this organisation."]


# --- who may --------------------------------------------------------------------------


def test_only_coordinators_of_the_organisation(world, client_for):
    slug = world.a.organization.slug
    mine = Membership.objects.get(
        organization=world.a.organization, user=world.a.members[Role.CLIENT]
    )
    url = reverse("people:member_correct", args=[slug, mine.pk])
    for role in (Role.SUPPORTER, Role.CLIENT, Role.PARTNER, Role.VIEWER):
        assert (
            client_for(world.a.members[role]).post(url, {"role": "coordinator"}).status_code == 403
        )
    assert client_for(world.b.members[Role.COORDINATOR]).get(url).status_code == 404
    foreign = Membership.objects.filter(organization=world.b.organization).first()
    other = reverse("people:member_correct", args=[slug, foreign.pk])
    assert client_for(world.a.members[Role.COORDINATOR]).get(other).status_code == 404
    assert Membership.objects.get(pk=mine.pk).role == Role.CLIENT


# --- two coordinators at the same moment (PostgreSQL) ------------------------------------


def _race_org():
    org = OrganizationFactory(slug="race-fix")
    people = []
    for n in range(2):
        user = UserFactory(language="en", email=f"c{n}@race.test")
        people.append((user, MembershipFactory(organization=org, user=user, role=Role.COORDINATOR)))
    return org, people


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_demoting_each_other_at_once_leave_one(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org, [(first, first_m), (second, second_m)] = _race_org()
    clients = {}
    for user in (first, second):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    answers: dict[str, object] = {}

    def demote(actor, membership):
        def run():
            with translation.override("en"):
                response = clients[actor.pk].post(
                    _url(membership), _details(membership, role=Role.SUPPORTER)
                )
            answers[actor.email] = response
            assert response.status_code in (200, 302), response.status_code

        return run

    results = in_parallel(
        org, {"first": demote(first, second_m), "second": demote(second, first_m)}
    )
    assert results == {"first": "ok", "second": "ok"}  # no 500 either way
    statuses = sorted(r.status_code for r in answers.values())
    assert statuses == [200, 302]
    refused = next(r for r in answers.values() if r.status_code == 200)
    assert refused.context["form"].non_field_errors() == [
        "You are no longer a coordinator of this organisation."
    ]
    assert (
        Membership.objects.filter(organization=org, role=Role.COORDINATOR, is_active=True).count()
        == 1
    )
    assert (
        AuditEntry.objects.filter(organization=org, action="people.member.role_changed").count()
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_a_demotion_and_a_deactivation_at_once_leave_one_coordinator(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org, [(first, first_m), (second, second_m)] = _race_org()
    results = in_parallel(
        org,
        {
            "demote": lambda: member_correct(
                membership=second_m, actor=first, **_details(second_m, role=Role.CLIENT)
            ),
            "deactivate": lambda: membership_deactivate(membership=first_m, actor=second),
        },
    )
    assert sorted(results.values()) == ["ValidationError", "ok"]
    assert (
        Membership.objects.filter(organization=org, role=Role.COORDINATOR, is_active=True).count()
        == 1
    )
