import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Membership
from bansou.people.models import ClientProfile, SupporterProfile
from bansou.programs.models import Application, Enrollment, Side
from bansou.programs.services.applications import (
    ApplicationDecisionError,
    application_accept,
    application_decline,
    application_submit,
    application_waitlist,
)
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory
from tests.programs.conftest import days

pytestmark = pytest.mark.django_db


def _submit(program, *, email="hanako@example.test", side=Side.CLIENT, **extra):
    values = {"family_name": "山田", "given_name": "花子", "family_name_kana": "やまだ"}
    values.update(extra)
    return application_submit(program=program, side=side, email=email, **values)


def test_application_submit_normalises_names_and_email(program):
    application = _submit(program, email="  Hanako@Example.TEST ", given_name="ﾊﾅｺ")
    assert application.email == "hanako@example.test"
    assert application.given_name == "ハナコ"
    assert application.family_name_kana == "ヤマダ"
    assert application.status == Application.Status.PENDING
    assert application.duplicate_of is None


def test_application_submit_stores_answers_with_their_questions(program):
    program.client_questions = ["どんなことで悩んでいますか"]
    program.save()
    application = _submit(program, answers=["進路です "])
    assert application.answers == [{"question": "どんなことで悩んでいますか", "answer": "進路です"}]


def test_application_submit_refuses_missing_answers(program):
    program.client_questions = ["質問"]
    program.save()
    with pytest.raises(ValidationError):
        _submit(program, answers=[])


def test_application_submit_marks_a_second_open_application_as_duplicate(program):
    first = _submit(program)
    second = _submit(program, email="HANAKO@example.test")
    third = _submit(program)
    assert second.duplicate_of == first
    assert third.duplicate_of == first
    other_side = _submit(program, side=Side.SUPPORTER)
    assert other_side.duplicate_of is None


def test_application_submit_after_a_declined_one_is_not_a_duplicate(program, coordinator):
    first = _submit(program)
    application_decline(application=first, decided_by=coordinator, notify=False)
    again = _submit(program)
    assert again.duplicate_of is None


@pytest.mark.parametrize(
    "change",
    [
        {"is_public": False},
        {"accepts_clients": False},
        {"starts_on": days(-60), "ends_on": days(-1)},
    ],
)
def test_application_submit_refuses_closed_program_or_side(change):
    program = ProgramFactory(**change)
    with pytest.raises(ValidationError):
        _submit(program)
    assert not Application.objects.filter(program=program).exists()


@pytest.mark.parametrize(
    "names",
    [{"family_name": "山田😀"}, {"given_name": "花\u200b子"}, {"given_name_kana": "hanako"}],
)
def test_application_submit_refuses_emoji_and_bad_readings(program, names):
    with pytest.raises(ValidationError):
        _submit(program, **names)


def test_application_accept_creates_account_membership_enrollment_profile_and_mail(
    program, coordinator, django_capture_on_commit_callbacks
):
    application = _submit(program, email="new.person@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = application_accept(
            application=application, decided_by=coordinator, message="お待ちしています"
        )
    user = User.objects.get(email="new.person@example.test")
    assert outcome.user_created and outcome.kept_role is None
    assert not user.has_usable_password()
    assert user.family_name == "山田" and user.family_name_kana == "ヤマダ"
    membership = Membership.objects.get(organization=program.organization, user=user)
    assert membership.role == Role.CLIENT
    assert Enrollment.objects.filter(program=program, user=user, side=Side.CLIENT).exists()
    assert ClientProfile.objects.filter(organization=program.organization, user=user).exists()
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert application.user == user and application.decided_by == coordinator
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.test"]
    assert "お待ちしています" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_application_accept_supporter_gets_a_supporter_profile(program, coordinator):
    application = _submit(program, side=Side.SUPPORTER, email="mentor@example.test")
    application_accept(application=application, decided_by=coordinator)
    user = User.objects.get(email="mentor@example.test")
    assert Membership.objects.get(user=user).role == Role.SUPPORTER
    assert SupporterProfile.objects.filter(user=user).exists()


def test_application_accept_keeps_the_role_of_an_existing_member(world, program, coordinator):
    partner = world.a.members[Role.PARTNER]
    application = _submit(program, email=partner.email)
    outcome = application_accept(application=application, decided_by=coordinator)
    assert outcome.kept_role == Role.PARTNER and not outcome.user_created
    assert Membership.objects.get(organization=program.organization, user=partner).role == (
        Role.PARTNER
    )
    assert Enrollment.objects.filter(program=program, user=partner, side=Side.CLIENT).exists()


def test_application_accept_adds_a_person_from_another_organisation(world, program, coordinator):
    outsider = world.b.members[Role.SUPPORTER]
    application = _submit(program, email=outsider.email.upper())
    outcome = application_accept(application=application, decided_by=coordinator)
    assert outcome.user == outsider and not outcome.user_created
    assert Membership.objects.get(organization=program.organization, user=outsider).role == (
        Role.CLIENT
    )
    assert Membership.objects.get(organization=world.b.organization, user=outsider).role == (
        Role.SUPPORTER
    )


def test_application_accept_of_an_existing_user_with_password_sends_a_sign_in_link(
    program, coordinator, django_capture_on_commit_callbacks
):
    UserFactory(email="known@example.test")
    application = _submit(program, email="known@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        application_accept(application=application, decided_by=coordinator)
    body = mail.outbox[0].body
    assert "/accounts/login/?next=" in body
    assert "/accounts/password/reset/key/" not in body


def test_application_decline_mails_the_message(
    program, coordinator, django_capture_on_commit_callbacks
):
    application = _submit(program)
    with django_capture_on_commit_callbacks(execute=True):
        application_decline(application=application, decided_by=coordinator, message="定員です")
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert application.decision_message == "定員です"
    assert len(mail.outbox) == 1 and "定員です" in mail.outbox[0].body
    assert not User.objects.filter(email=application.email).exists()


def test_application_decline_without_notice_sends_nothing(
    program, coordinator, django_capture_on_commit_callbacks
):
    application = _submit(program)
    with django_capture_on_commit_callbacks(execute=True):
        application_decline(application=application, decided_by=coordinator, notify=False)
    assert mail.outbox == []


def test_application_waitlist_then_accept(program, coordinator, django_capture_on_commit_callbacks):
    application = _submit(program)
    with django_capture_on_commit_callbacks(execute=True):
        application_waitlist(application=application, decided_by=coordinator)
        application_accept(application=application, decided_by=coordinator)
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert len(mail.outbox) == 2
    assert mail.outbox[0].subject != mail.outbox[1].subject


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (application_accept, application_accept),
        (application_accept, application_decline),
        (application_decline, application_accept),
        (application_decline, application_waitlist),
    ],
)
def test_application_decided_twice_is_refused_and_unchanged(program, coordinator, first, second):
    application = _submit(program)
    first(application=application, decided_by=coordinator)
    decided = Application.objects.get(pk=application.pk)
    with pytest.raises(ApplicationDecisionError):
        second(application=application, decided_by=coordinator)
    application.refresh_from_db()
    assert (application.status, application.decided_at) == (decided.status, decided.decided_at)


def test_application_waitlist_twice_is_refused(program, coordinator):
    application = _submit(program)
    application_waitlist(application=application, decided_by=coordinator)
    with pytest.raises(ApplicationDecisionError):
        application_waitlist(application=application, decided_by=coordinator)


def test_application_decision_on_a_stale_copy_reads_the_current_state(program, coordinator):
    """Two coordinators opened the same pending application; the second decision must see
    the first one (the service re-reads the row under a lock, not the copy it was given)."""
    application = _submit(program)
    copy_one = Application.objects.get(pk=application.pk)
    copy_two = Application.objects.get(pk=application.pk)
    application_accept(application=copy_one, decided_by=coordinator)
    assert copy_two.status == Application.Status.PENDING
    with pytest.raises(ApplicationDecisionError):
        application_decline(application=copy_two, decided_by=coordinator)
    assert Application.objects.get(pk=application.pk).status == Application.Status.ACCEPTED
    assert Enrollment.objects.filter(program=program, user__email=application.email).count() == 1


def test_application_accept_twice_for_two_applications_of_one_person(program, coordinator):
    first = ApplicationFactory(program=program, email="twice@example.test")
    second = ApplicationFactory(program=program, email="twice@example.test", duplicate_of=first)
    application_accept(application=first, decided_by=coordinator)
    outcome = application_accept(application=second, decided_by=coordinator)
    assert not outcome.user_created
    assert User.objects.filter(email="twice@example.test").count() == 1
    assert Enrollment.objects.filter(program=program, user=outcome.user).count() == 1


def test_application_accept_reactivates_a_left_enrollment(program, coordinator, world):
    client = world.a.members[Role.CLIENT]
    Enrollment.objects.filter(program=program, user=client).update(is_active=False)
    application = _submit(program, email=client.email)
    application_accept(application=application, decided_by=coordinator)
    assert Enrollment.objects.get(program=program, user=client, side=Side.CLIENT).is_active
