"""An address counts only once its owner confirmed it (issue 9, hole 1): login, matching an
accepted application, changing the address. The attack: a signed-in person gives their
account a stranger's address; the stranger applies to another organisation and is
accepted; the membership must never land on the first person's account."""

import importlib
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from bansou.accounts.models import User
from bansou.accounts.services import email_confirm_on_first_password, user_create
from bansou.core.roles import Role
from bansou.ops.models import OutboxMessage
from bansou.orgs.models import Membership
from bansou.programs.models import Application, Side
from bansou.programs.services.applications import (
    ApplicationDecisionError,
    application_accept,
    application_submit,
)
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN_URL = reverse("account_login")
EMAIL_URL = reverse("account_email")
CODE_URL = reverse("account_email_verification_sent")
STRANGER = "stranger@example.test"
# allauth's confirmation code stands alone on its line.
CODE_LINE = re.compile(r"^([0-9A-Z]{4,}(?:-[0-9A-Z]{4,})*)$", re.MULTILINE)
RESET_LINK = re.compile(r"https?://\S+(/accounts/password/reset/key/\S+)")


def _mail_to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(to_address=address).order_by("pk"))


def _code_for(address: str) -> str:
    """The newest confirmation code mailed to ``address``."""
    codes = [m.group(1) for o in _mail_to(address) if (m := CODE_LINE.search(o.body))]
    assert codes, f"no confirmation code mailed to {address}"
    return codes[-1]


def _reauthenticate(client: Client, response) -> object:
    """allauth asked for the password again: give it; the suspended POST then runs."""
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    return client.post(response["Location"], {"password": PASSWORD})


def _give_address(client: Client, address: str) -> None:
    """The email page, as a person uses it: add ``address`` (with the password asked
    again), then try to make it the primary address without the mailed code."""
    response = client.post(EMAIL_URL, {"action_add": "", "email": address})
    if response["Location"].startswith(reverse("account_reauthenticate")):
        response = _reauthenticate(client, response)
    assert response["Location"] == CODE_URL  # waits for the code mailed to ``address``
    client.post(EMAIL_URL, {"action_primary": "", "email": address})


def _apply_to(program, email: str = STRANGER) -> Application:
    return application_submit(
        program=program,
        side=Side.CLIENT,
        email=email,
        family_name="見知",
        given_name="らぬ",
    )


def _detail(world, application: Application) -> str:
    return reverse(
        "programs:application",
        kwargs={"org_slug": world.b.organization.slug, "application_pk": application.pk},
    )


def _accept_as_coordinator(world, application: Application) -> tuple[Client, object]:
    client = Client()
    client.force_login(world.b.members[Role.COORDINATOR])
    response = client.post(
        _detail(world, application), {"decision": "accept", "message": "", "notify": "on"}
    )
    return client, response


# --- login ------------------------------------------------------------------------------


def test_login_with_an_unconfirmed_address_is_refused_and_a_code_is_mailed():
    UserFactory(email="kenji@example.test", email_verified=False)
    client = Client()
    response = client.post(LOGIN_URL, {"login": "kenji@example.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == CODE_URL
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:profile")).status_code == 302  # still signed out
    wrong = client.post(CODE_URL, {"code": "BCDF-GHJK"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    # The code proves the mailbox; the password proved the account: signed in.
    response = client.post(CODE_URL, {"code": _code_for("kenji@example.test")})
    assert response["Location"] == reverse("home")
    assert "_auth_user_id" in client.session
    assert EmailAddress.objects.get(email="kenji@example.test").verified


# --- the attack -------------------------------------------------------------------------


def test_stranger_address_added_on_the_email_page_brings_no_membership(
    world, django_capture_on_commit_callbacks
):
    """The reported attack through the real email page. The stranger's address waits for
    its code in the attacker's session only: it is stored nowhere, so it can neither be
    made primary, nor sign in, nor reset a password, nor match the stranger's application."""
    attacker = world.a.members[Role.CLIENT]
    client = Client()
    client.force_login(attacker)
    _give_address(client, STRANGER)
    attacker.refresh_from_db()
    assert attacker.email == "client@org-a.test"
    assert not EmailAddress.objects.filter(email=STRANGER).exists()
    assert _code_for(STRANGER)  # the code went to the stranger, not to the attacker
    other = Client()
    response = other.post(LOGIN_URL, {"login": STRANGER, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in other.session
    with django_capture_on_commit_callbacks(execute=True):
        other.post(reverse("account_reset_password"), {"email": STRANGER})
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)

    application = _apply_to(world.b.extra["program"])
    _accept_as_coordinator(world, application)
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert application.user != attacker
    assert not Membership.objects.filter(organization=world.b.organization, user=attacker).exists()
    # The stranger got a fresh account without a password, reached by the mailed link.
    stranger = User.objects.get(email=STRANGER)
    assert Membership.objects.get(organization=world.b.organization, user=stranger).role == (
        Role.CLIENT
    )
    assert not stranger.has_usable_password()


def test_account_that_signs_in_with_an_unconfirmed_stranger_address_gets_nothing(world):
    """The state the attack left before this change (the email page then made an
    unconfirmed address primary): the attacker's login is the stranger's address. The
    coordinator accepting the stranger is refused with a warning; nothing is given."""
    attacker = UserFactory(email=STRANGER, email_verified=False)
    EmailAddress.objects.create(user=attacker, email=STRANGER, primary=True, verified=False)
    Membership.objects.create(organization=world.a.organization, user=attacker, role=Role.CLIENT)
    # The address no longer signs the attacker in: the code goes to the stranger.
    other = Client()
    response = other.post(LOGIN_URL, {"login": STRANGER, "password": PASSWORD})
    assert response["Location"] == CODE_URL and "_auth_user_id" not in other.session

    application = _apply_to(world.b.extra["program"])
    coordinator, response = _accept_as_coordinator(world, application)
    shown = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert [tag for tag, text in shown if STRANGER in text] == ["error"], shown
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING
    assert application.user is None
    assert not Membership.objects.filter(organization=world.b.organization, user=attacker).exists()
    assert User.objects.filter(email__iexact=STRANGER).count() == 1
    # The application page warns before anyone presses accept.
    page = coordinator.get(response["Location"]).content.decode()
    assert 'id="address-unconfirmed"' in page
    other_page = coordinator.get(_detail(world, world.b.extra["application"]))
    assert other_page.status_code == 200
    assert 'id="address-unconfirmed"' not in other_page.content.decode()


def test_unconfirmed_address_is_refused_by_the_service_with_nothing_changed(world):
    holder = UserFactory(email=STRANGER, email_verified=False)
    application = _apply_to(world.b.extra["program"])
    acknowledged = OutboxMessage.objects.filter(to_address=STRANGER).count()  # the receipt
    with pytest.raises(ApplicationDecisionError) as refused:
        application_accept(application=application, decided_by=None)
    assert STRANGER in refused.value.message
    assert not Membership.objects.filter(organization=world.b.organization, user=holder).exists()
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING
    assert OutboxMessage.objects.filter(to_address=STRANGER).count() == acknowledged


def test_accepting_attaches_to_the_account_that_confirmed_the_address(world):
    member = world.a.members[Role.SUPPORTER]  # confirmed address (the factory's default)
    application = _apply_to(world.b.extra["program"], email=member.email.upper())
    outcome = application_accept(application=application, decided_by=None)
    assert outcome.user == member and not outcome.user_created
    assert Membership.objects.filter(organization=world.b.organization, user=member).exists()


def test_second_acceptance_before_the_first_password_joins_the_same_new_account(world):
    """An account the organisation made has no password: nobody but the owner of the
    address can open it (by the mailed link), so a second acceptance may use it."""
    first = application_accept(application=_apply_to(world.a.extra["program"]), decided_by=None)
    second = application_accept(application=_apply_to(world.b.extra["program"]), decided_by=None)
    assert first.user_created and not second.user_created
    assert second.user == first.user
    assert Membership.objects.filter(user=first.user).count() == 2


# --- changing the address ---------------------------------------------------------------


def test_changing_the_address_asks_for_the_password_and_tells_the_old_address():
    user = UserFactory(email="old@example.test")
    client = Client()
    client.force_login(user)
    response = client.post(EMAIL_URL, {"action_add": "", "email": "new@example.test"})
    # Nothing happens before the password is given again.
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not _mail_to("new@example.test")
    wrong = client.post(response["Location"], {"password": "not-the-password"})
    assert wrong.status_code == 200
    assert not _mail_to("new@example.test")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response["Location"] == CODE_URL
    user.refresh_from_db()
    assert user.email == "old@example.test"  # until the new address is confirmed
    assert not EmailAddress.objects.filter(email="new@example.test").exists()
    assert not _mail_to("old@example.test")

    response = client.post(CODE_URL, {"code": _code_for("new@example.test")})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "new@example.test"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("new@example.test", True)
    ]
    notices = _mail_to("old@example.test")
    assert len(notices) == 1
    assert "new@example.test" in notices[0].body
    assert notices[0].organization is None


# --- accounts made by the organisation --------------------------------------------------


def test_setting_the_first_password_from_the_invitation_confirms_the_address(
    world, django_capture_on_commit_callbacks
):
    application = _apply_to(world.b.extra["program"], email="invitee@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        application_accept(application=application, decided_by=None)
    user = User.objects.get(email="invitee@example.test")
    assert EmailAddress.objects.get(user=user).verified is False
    match = RESET_LINK.search(mail.outbox[-1].body)
    assert match is not None
    client = Client()
    form_page = client.get(match.group(1), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {
            "password1": "a-long-and-private-passphrase",
            "password2": "a-long-and-private-passphrase",
        },
    )
    assert EmailAddress.objects.get(user=user, email="invitee@example.test").verified
    response = client.post(
        LOGIN_URL,
        {"login": "invitee@example.test", "password": "a-long-and-private-passphrase"},
    )
    assert response["Location"] == reverse("home")


def test_first_password_confirms_nothing_on_an_account_with_another_address():
    user = user_create(email="one@example.test", password=None)
    EmailAddress.objects.create(user=user, email="two@example.test")
    assert email_confirm_on_first_password(user=user) is False
    assert not EmailAddress.objects.filter(user=user, verified=True).exists()


def test_first_password_does_not_take_an_address_another_account_confirmed():
    user = user_create(email="one@example.test", password=None)
    other = UserFactory(email="other@example.test")
    EmailAddress.objects.create(user=other, email="one@example.test", verified=True)
    assert email_confirm_on_first_password(user=user) is False


def test_existing_accounts_are_confirmed_by_the_migration_unless_unproven():
    migration = importlib.import_module(
        "bansou.accounts.migrations.0002_confirm_existing_addresses"
    )
    untouched = UserFactory(email="untouched@example.test", email_verified=False)
    no_password = UserFactory(email="nopassword@example.test", email_verified=False)
    no_password.set_unusable_password()
    no_password.save()
    touched = UserFactory(email="touched@example.test", email_verified=False)
    EmailAddress.objects.create(user=touched, email="touched@example.test", primary=True)
    migration.confirm_existing_addresses(apps, None)
    assert EmailAddress.objects.get(user=untouched).verified
    assert EmailAddress.objects.get(user=untouched).primary
    assert not EmailAddress.objects.filter(user=no_password).exists()
    assert EmailAddress.objects.get(user=touched).verified is False


def test_profile_page_links_to_the_email_page(client_for):
    user = UserFactory(email="hanako@example.test")
    body = client_for(user).get(reverse("accounts:profile")).content.decode()
    assert f'href="{EMAIL_URL}"' in body
