import pytest
from django.core import mail
from django.urls import reverse

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.programs.models import Application, Side
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _queue(org, program):
    return reverse(
        "programs:applications", kwargs={"org_slug": org.slug, "program_slug": program.slug}
    )


def _detail(org, application):
    return reverse(
        "programs:application", kwargs={"org_slug": org.slug, "application_pk": application.pk}
    )


def test_queue_filters_by_status_and_side_with_counts(world, client_for, org, program, coordinator):
    ApplicationFactory(program=program, family_name="待機", status=Application.Status.WAITLISTED)
    ApplicationFactory(program=program, family_name="支援者候補", side=Side.SUPPORTER)
    client = client_for(coordinator)
    body = client.get(_queue(org, program), {"status": "waitlisted"}).content.decode()
    assert "待機" in body and "支援者候補" not in body
    assert "LEAKCANARY" not in body
    body = client.get(_queue(org, program), {"side": "supporter"}).content.decode()
    assert "支援者候補" in body and "待機" not in body
    everything = client.get(_queue(org, program), {"status": "nonsense"}).content.decode()
    assert "待機" in everything and "支援者候補" in everything
    # Counts per status: 2 pending (planted + supporter), 1 waitlisted.
    assert '<span class="count">3</span>' in everything
    assert '<span class="count">2</span>' in everything


def test_queue_marks_duplicates(world, client_for, org, program, coordinator):
    original = ApplicationFactory(program=program, email="dup@example.test")
    ApplicationFactory(
        program=program, email="dup@example.test", family_name="二回目", duplicate_of=original
    )
    body = client_for(coordinator).get(_queue(org, program)).content.decode()
    row = body.split("二回目", 1)[1].split("</td>", 1)[0]
    assert "badge-duplicate" in row
    assert body.count("badge-duplicate") == 1


def test_queue_is_403_for_supporter_and_404_for_outsider(world, client_for, org, program):
    assert client_for(world.a.members[Role.SUPPORTER]).get(_queue(org, program)).status_code == 403
    outsider = world.b.members[Role.COORDINATOR]
    assert client_for(outsider).get(_queue(org, program)).status_code == 404


def test_application_detail_shows_answers_and_decision_form(
    world, client_for, org, program, coordinator
):
    application = ApplicationFactory(
        program=program,
        answers=[{"question": "登録番号は？", "answer": "12345678"}],
        message="よろしくお願いします",
    )
    body = client_for(coordinator).get(_detail(org, application)).content.decode()
    assert "登録番号は？" in body and "12345678" in body and "よろしくお願いします" in body
    assert 'value="accept"' in body and 'value="waitlist"' in body and 'value="decline"' in body


def test_application_detail_says_when_the_applicant_is_already_a_member(
    world, client_for, org, program, coordinator
):
    partner = world.a.members[Role.PARTNER]
    application = ApplicationFactory(program=program, email=partner.email)
    body = client_for(coordinator).get(_detail(org, application)).content.decode()
    assert str(Role.PARTNER.label) in body or "連携先" in body


def test_application_detail_does_not_reveal_accounts_of_other_organisations(
    world, client_for, org, program, coordinator
):
    outsider = world.b.members[Role.COORDINATOR]
    application = ApplicationFactory(program=program, email=outsider.email)
    body = client_for(coordinator).get(_detail(org, application)).content.decode()
    assert "LEAKCANARY" not in body
    assert "notice" not in body


def test_application_accept_by_post_invites_and_redirects(
    world, client_for, org, program, coordinator, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(program=program, email="new@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(
            _detail(org, application), {"decision": "accept", "message": "ようこそ"}, follow=True
        )
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert User.objects.filter(email="new@example.test").exists()
    assert len(mail.outbox) == 1 and "ようこそ" in mail.outbox[0].body
    body = response.content.decode()
    assert 'value="accept"' not in body
    assert "message-success" in body


def test_application_accept_of_a_member_says_the_role_was_kept(
    world, client_for, org, program, coordinator
):
    application = ApplicationFactory(program=program, email=world.a.members[Role.VIEWER].email)
    response = client_for(coordinator).post(
        _detail(org, application), {"decision": "accept"}, follow=True
    )
    assert "message-info" in response.content.decode()


def test_application_decline_without_notice_sends_no_mail(
    world, client_for, org, program, coordinator, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(program=program)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(coordinator).post(_detail(org, application), {"decision": "decline"})
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert mail.outbox == []


def test_application_decided_twice_shows_an_error_and_keeps_the_first_decision(
    world, client_for, org, program, coordinator
):
    application = ApplicationFactory(program=program)
    client = client_for(coordinator)
    client.post(_detail(org, application), {"decision": "decline", "notify": "on"})
    response = client.post(_detail(org, application), {"decision": "accept"}, follow=True)
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED
    assert "message-error" in response.content.decode()
    assert not User.objects.filter(email=application.email).exists()


def test_application_post_without_a_decision_redisplays_the_message(
    world, client_for, org, program, coordinator
):
    application = ApplicationFactory(program=program)
    response = client_for(coordinator).post(
        _detail(org, application), {"decision": "", "message": "書きかけの文面"}
    )
    assert response.status_code == 200
    assert "書きかけの文面" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_application_message_too_long_is_refused(world, client_for, org, program, coordinator):
    application = ApplicationFactory(program=program)
    response = client_for(coordinator).post(
        _detail(org, application), {"decision": "decline", "message": "長" * 2001}
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_application_of_another_organisation_is_404(world, client_for, org, coordinator):
    foreign = world.b.extra["application"]
    assert client_for(coordinator).get(_detail(org, foreign)).status_code == 404
    response = client_for(coordinator).post(_detail(org, foreign), {"decision": "accept"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Application.Status.PENDING


def test_application_decision_refused_for_supporter(world, client_for, org, program):
    application = ApplicationFactory(program=program)
    response = client_for(world.a.members[Role.SUPPORTER]).post(
        _detail(org, application), {"decision": "accept"}
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING


def test_application_post_with_an_unknown_decision_changes_nothing(
    world, client_for, org, program, coordinator
):
    application = ApplicationFactory(program=program)
    response = client_for(coordinator).post(_detail(org, application), {"decision": "approve"})
    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING
