"""Teacher liaison that respects the student: teachers refer students and read only what a
student agreed to share with them (the days they came, reports sent to them); supporters
record and withdraw consents and send reports under a live consent; students see and stop
what they share; teachers, supporters and coordinators of a school keep one thread."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext

from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.ops.models import OutboxMessage
from bansou.salons.models import (
    Referral,
    ShareConsent,
    TeacherReport,
    VenueMessage,
    VenueStaff,
    Visit,
)
from bansou.salons.selectors.liaison import (
    THREAD_PAGE_SIZE,
    referrals_open,
    school_page,
    teacher_venues,
)
from bansou.salons.services.liaison import (
    consent_record,
    consent_withdraw,
    message_post,
    referral_close,
    referral_create,
    report_send,
)
from tests.factories import (
    ClientProfileFactory,
    MembershipFactory,
    SalonBlockFactory,
    UserFactory,
    VenueFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

NO_CONSENT = "This student has not agreed to share reports with this teacher."
ALREADY = "This student already shares this with this teacher."
SECRET = "家庭の事情で悩んでいる（非公開）"


def _said(message: str) -> str:
    with translation.override("ja"):
        return escape(gettext(message))


def _day(at: datetime.datetime) -> str:
    with translation.override("ja"):
        return date_format(timezone.localtime(at), "DATE_FORMAT")


def _url(world, name, *args, org="a"):
    return reverse(f"salons:{name}", args=[getattr(world, org).organization.slug, *args])


def _people(world):
    a = world.a
    return a.members[Role.PARTNER], a.members[Role.SUPPORTER], a.members[Role.CLIENT]


def _student(world, family="未同意", venue=None):
    """A registered student of the school (a client whose profile names the venue)."""
    org = world.a.organization
    student = UserFactory(family_name=family, given_name="花子")
    MembershipFactory(organization=org, user=student, role=Role.CLIENT)
    ClientProfileFactory(organization=org, user=student, venue=venue or world.a.venue)
    return student


def _teacher(world, venue, family="別校"):
    org = world.a.organization
    teacher = UserFactory(family_name=family, given_name="先生")
    MembershipFactory(organization=org, user=teacher, role=Role.PARTNER)
    VenueStaff.objects.create(organization=org, venue=venue, user=teacher, kind="teacher")
    return teacher


def _came(world, student, *, hours_ago=2, note=SECRET, kind="walk_in"):
    """A visit at the school's salon that has happened, with a private note."""
    at = timezone.now() - datetime.timedelta(hours=hours_ago)
    block = SalonBlockFactory(program=world.a.extra["program"], venue=world.a.venue, starts_at=at)
    return VisitFactory(block=block, student=student, kind=kind, private_note=note)


def _consent(world, student, scope="visits", teacher=None):
    teacher = teacher or world.a.members[Role.PARTNER]
    return ShareConsent.objects.create(
        organization=world.a.organization,
        venue=world.a.venue,
        student=student,
        teacher=teacher,
        scope=scope,
        given_on=timezone.localdate() - datetime.timedelta(days=3),
    )


# --- the teacher's school page: only what was agreed ------------------------------------


def test_a_teacher_sees_a_consented_report_and_visits_never_another_students_name(
    world, client_for
):
    teacher, _supporter, client = _people(world)
    _consent(world, client, "visits")
    visit = _came(world, client)
    stranger = _student(world, family="未同意")
    _came(world, stranger, hours_ago=3, note="未同意の生徒のメモ")
    Referral.objects.create(
        organization=world.a.organization,
        venue=world.a.venue,
        teacher=teacher,
        student=stranger,
        reason="最近元気がない",
    )

    response = client_for(teacher).get(_url(world, "school", world.a.venue.pk))

    body = response.content.decode()
    assert response.status_code == 200
    assert f"{world.a.extra['report'].body}" in body  # the consented report
    assert client.display_name in body
    assert _day(visit.occurred_at) in body  # the consented student's day at the salon
    assert stranger.family_name not in body  # neither in the shared list nor the referral
    assert SECRET not in body and "未同意の生徒のメモ" not in body
    assert _said("A student you referred") in body
    # Two students came this 年度 (counts only), of two attended visits.
    page = school_page(venue=world.a.venue, teacher=teacher)
    assert page.stats.unique_students == 2
    assert [row.student for row in page.shared] == [client]
    stranger_row = next(r for r in page.referrals if r.referral.student == stranger)
    assert (stranger_row.named, stranger_row.disclosed, stranger_row.came_at) == (
        False,
        False,
        None,
    )


def test_no_private_note_reaches_any_page_a_teacher_can_open(world, client_for):
    teacher, _supporter, client = _people(world)
    _consent(world, client, "visits")
    _came(world, client)
    browser = client_for(teacher)
    venue = world.a.venue.pk
    pages = [
        _url(world, "schools"),
        _url(world, "school", venue),
        _url(world, "referral_new", venue),
        _url(world, "thread", venue),
        reverse("orgs:dashboard", args=[world.a.organization.slug]),
    ]
    for url in pages:
        response = browser.get(url, follow=True)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert SECRET not in body, url
        assert world.a.extra["visit"].private_note not in body, url
        assert world.a.extra["reservation"].note not in body, url


def test_whether_a_referred_student_came_shows_only_under_a_visits_consent(world, client_for):
    teacher, _supporter, client = _people(world)
    referral = world.a.extra["referral"]  # the teacher's referral of the client
    Referral.objects.filter(pk=referral.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    visit = _came(world, client, hours_ago=2)
    url = _url(world, "school", world.a.venue.pk)

    before = client_for(teacher).get(url).content.decode()
    assert _said("Came on %(day)s") % {"day": _day(visit.occurred_at)} not in before
    assert _said("Has not come yet") not in before

    _consent(world, client, "visits")
    after = client_for(teacher).get(url).content.decode()
    with translation.override("ja"):
        came = escape(gettext("Came on %(day)s") % {"day": _day(visit.occurred_at)})
    assert came in after


def test_a_withdrawn_consent_hides_the_student_and_their_reports_again(world, client_for):
    teacher, _supporter, client = _people(world)
    consent = world.a.extra["consent"]
    consent_withdraw(consent=consent, actor=client)

    body = client_for(teacher).get(_url(world, "school", world.a.venue.pk)).content.decode()

    assert world.a.extra["report"].body not in body
    assert client.display_name not in body
    assert _said("A student you referred") in body


def test_the_school_figures_are_counts_of_this_school_only(world):
    teacher, _supporter, client = _people(world)
    _came(world, client, kind="walk_in")
    _came(world, _student(world), hours_ago=3, kind="outreach")
    other_venue = VenueFactory(organization=world.a.organization, name="他校")
    other_block = SalonBlockFactory(
        program=world.a.extra["program"],
        venue=other_venue,
        starts_at=timezone.now() - datetime.timedelta(hours=4),
    )
    VisitFactory(block=other_block, student=client)

    stats = school_page(venue=world.a.venue, teacher=teacher).stats

    assert (stats.by_kind["walk_in"], stats.by_kind["outreach"], stats.visits) == (1, 1, 2)
    assert stats.unique_students == 2


# --- who may open what ---------------------------------------------------------------


def test_a_teacher_of_another_school_gets_404_on_this_schools_pages(world, client_for):
    other = VenueFactory(organization=world.a.organization, name="B高校")
    stranger = _teacher(world, other)
    browser = client_for(stranger)
    venue = world.a.venue.pk
    for name in ("school", "referral_new", "thread"):
        assert browser.get(_url(world, name, venue)).status_code == 404, name
    response = browser.post(_url(world, "referral_new", venue), {"student_label": "K.S"})
    assert response.status_code == 404
    assert not Referral.objects.filter(teacher=stranger).exists()
    # Their own school opens.
    assert browser.get(_url(world, "school", other.pk)).status_code == 200


def test_teacher_pages_refuse_other_roles_and_other_organisations(world, client_for):
    venue = world.a.venue.pk
    for role in (Role.SUPPORTER, Role.CLIENT, Role.COORDINATOR, Role.VIEWER):
        response = client_for(world.a.members[role]).get(_url(world, "school", venue))
        assert response.status_code == 403, role
    outsider = client_for(world.b.members[Role.PARTNER])
    assert outsider.get(_url(world, "school", venue)).status_code == 404
    # A's teacher, with B's school under A's address: not found either.
    teacher = client_for(world.a.members[Role.PARTNER])
    assert teacher.get(_url(world, "school", world.b.venue.pk)).status_code == 404


def test_supporter_pages_answer_404_to_a_supporter_of_another_school(world, client_for):
    org = world.a.organization
    other = VenueFactory(organization=org, name="C高校")
    elsewhere = UserFactory(family_name="他校支援")
    MembershipFactory(organization=org, user=elsewhere, role=Role.SUPPORTER)
    VenueStaff.objects.create(organization=org, venue=other, user=elsewhere, kind="supporter")
    browser = client_for(elsewhere)
    venue = world.a.venue.pk
    for url in (
        _url(world, "liaison", venue),
        _url(world, "consent_new", venue),
        _url(world, "report_new", venue),
        _url(world, "thread", venue),
        _url(world, "venue_students", venue),
        _url(world, "consent_withdraw", world.a.extra["consent"].pk),
        _url(world, "referral_close", world.a.extra["referral"].pk),
    ):
        assert browser.get(url).status_code == 404, url
    browser.post(_url(world, "consent_withdraw", world.a.extra["consent"].pk))
    assert ShareConsent.objects.get(pk=world.a.extra["consent"].pk).revoked_at is None


def test_the_liaison_page_refuses_teachers_and_students(world, client_for):
    for role in (Role.PARTNER, Role.CLIENT, Role.VIEWER):
        response = client_for(world.a.members[role]).get(_url(world, "liaison", world.a.venue.pk))
        assert response.status_code == 403, role
    outsider = client_for(world.b.members[Role.COORDINATOR])
    assert outsider.get(_url(world, "liaison", world.a.venue.pk)).status_code == 404


def test_the_liaison_page_lists_referrals_consents_reports_and_messages(world, client_for):
    _partner, supporter, client = _people(world)
    withdrawn = _consent(world, client, "visits")
    consent_withdraw(consent=withdrawn, actor=client)

    body = client_for(supporter).get(_url(world, "liaison", world.a.venue.pk)).content.decode()

    assert world.a.extra["referral"].reason in body
    assert world.a.extra["report"].body in body
    assert "ORGAMARKさん message" in body
    assert _url(world, "consent_withdraw", world.a.extra["consent"].pk) in body
    assert _url(world, "consent_withdraw", withdrawn.pk) not in body  # already withdrawn
    assert SECRET not in body and world.a.extra["visit"].private_note not in body


# --- referrals -----------------------------------------------------------------------


def test_a_referral_needs_a_student_or_a_name(world, client_for):
    teacher = world.a.members[Role.PARTNER]
    response = client_for(teacher).post(
        _url(world, "referral_new", world.a.venue.pk), {"grade": "2年", "reason": "遅刻が多い"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        _said(
            "Write the student's name or initials (for example: 2年 K.S), or choose a registered "
            "student."
        )
        in body
    )
    assert "遅刻が多い" in body  # the input stays
    assert Referral.objects.filter(teacher=teacher).count() == 1  # the planted one only


def test_a_teachers_referral_by_initials_mails_the_supporters_without_the_name(world, client_for):
    teacher, supporter, _client = _people(world)
    response = client_for(teacher).post(
        _url(world, "referral_new", world.a.venue.pk),
        {"student_label": "2年 K.S", "grade": "2年", "reason": "進路の話をしたがっている"},
    )
    assert response.status_code == 302
    assert response["Location"] == _url(world, "school", world.a.venue.pk)
    referral = Referral.objects.get(student_label="2年 K.S")
    assert (referral.venue, referral.teacher, referral.student) == (world.a.venue, teacher, None)
    mail = OutboxMessage.objects.get(to_address=supporter.email)
    assert "K.S" not in mail.subject and "K.S" not in mail.body
    assert _url(world, "liaison", world.a.venue.pk) in mail.body
    assert not OutboxMessage.objects.filter(to_address=teacher.email).exists()


def test_a_teacher_may_name_only_a_student_who_shares_with_them(world, client_for):
    teacher, _supporter, client = _people(world)
    stranger = _student(world)
    browser = client_for(teacher)
    url = _url(world, "referral_new", world.a.venue.pk)
    form = browser.get(url).content.decode()
    assert client.display_name in form and stranger.family_name not in form

    refused = browser.post(url, {"student": stranger.pk, "reason": "x"})
    assert _said("Choose a student of this school.") in refused.content.decode()
    assert not Referral.objects.filter(student=stranger).exists()

    assert browser.post(url, {"student": client.pk, "reason": "面接練習"}).status_code == 302
    assert Referral.objects.filter(student=client, reason="面接練習").exists()


def test_referral_create_refuses_a_non_teacher_and_a_non_student(world):
    teacher, supporter, _client = _people(world)
    with pytest.raises(ValidationError) as refused:
        referral_create(venue=world.a.venue, teacher=supporter, student_label="A", reason="")
    assert "teacher" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        referral_create(venue=world.a.venue, teacher=teacher, student=supporter, reason="")
    assert "student" in refused.value.message_dict


def test_closing_a_referral_takes_it_off_the_open_list_once(world, client_for):
    _partner, supporter, _client = _people(world)
    referral = world.a.extra["referral"]
    browser = client_for(supporter)
    assert browser.get(_url(world, "referral_close", referral.pk)).status_code == 200

    response = browser.post(_url(world, "referral_close", referral.pk))

    assert response["Location"] == _url(world, "liaison", world.a.venue.pk)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED and referral.closed_at is not None
    assert referral not in referrals_open(venue=world.a.venue)
    closed_at = referral.closed_at
    assert referral_close(referral=referral, actor=supporter).closed_at == closed_at


def test_a_teacher_cannot_close_a_referral(world):
    with pytest.raises(ValidationError):
        referral_close(referral=world.a.extra["referral"], actor=world.a.members[Role.PARTNER])


def test_open_referrals_are_oldest_first_with_their_people(world, django_assert_num_queries):
    teacher, _supporter, _client = _people(world)
    newer = referral_create(venue=world.a.venue, teacher=teacher, student_label="B", reason="")
    with django_assert_num_queries(1):
        rows = list(referrals_open(venue=world.a.venue))
        names = [(r.teacher.display_name, r.student and r.student.display_name) for r in rows]
    assert [r.pk for r in rows] == [world.a.extra["referral"].pk, newer.pk]
    assert names[0][0] == teacher.display_name


# --- consents ------------------------------------------------------------------------


def _consent_form(world, student, teacher=None, **changes):
    data = {
        "student": str(student.pk),
        "teacher": str((teacher or world.a.members[Role.PARTNER]).pk),
        "scope": "visits",
        "given_on": timezone.localdate().isoformat(),
    }
    data.update(changes)
    return data


def test_a_supporter_records_a_consent_and_the_same_one_twice_is_refused(world, client_for):
    _partner, supporter, _client = _people(world)
    student = _student(world, family="同意")
    browser = client_for(supporter)
    url = _url(world, "consent_new", world.a.venue.pk)

    response = browser.post(url, _consent_form(world, student))

    assert response["Location"] == _url(world, "liaison", world.a.venue.pk)
    consent = ShareConsent.objects.get(student=student)
    assert (consent.scope, consent.recorded_by, consent.revoked_at) == ("visits", supporter, None)
    assert AuditEntry.objects.filter(
        action="salons.consent.recorded", object_id=str(consent.pk)
    ).exists()
    again = browser.post(url, _consent_form(world, student))
    assert again.status_code == 200
    assert _said(ALREADY) in again.content.decode()
    assert ShareConsent.objects.filter(student=student).count() == 1


def test_a_consent_cannot_be_dated_in_the_future_nor_name_a_teacher_of_elsewhere(world, client_for):
    _partner, supporter, _client = _people(world)
    student = _student(world)
    browser = client_for(supporter)
    url = _url(world, "consent_new", world.a.venue.pk)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    future = browser.post(url, _consent_form(world, student, given_on=tomorrow))
    assert _said("The day of the agreement cannot be in the future.") in future.content.decode()

    elsewhere = _teacher(world, VenueFactory(organization=world.a.organization, name="D高校"))
    other = browser.post(url, _consent_form(world, student, teacher=elsewhere))
    assert _said("Choose a teacher of this school.") in other.content.decode()
    assert not ShareConsent.objects.filter(student=student).exists()
    with pytest.raises(ValidationError) as refused:
        consent_record(
            student=student,
            teacher=elsewhere,
            venue=world.a.venue,
            scope="visits",
            given_on=timezone.localdate(),
            actor=supporter,
        )
    assert "teacher" in refused.value.message_dict


def test_a_student_of_another_school_cannot_be_chosen(world, client_for):
    _partner, supporter, _client = _people(world)
    other = VenueFactory(organization=world.a.organization, name="E高校")
    elsewhere = _student(world, family="他校生", venue=other)
    response = client_for(supporter).post(
        _url(world, "consent_new", world.a.venue.pk), _consent_form(world, elsewhere)
    )
    assert _said("Choose a student of this school.") in response.content.decode()
    assert not ShareConsent.objects.filter(student=elsewhere).exists()


def test_the_student_search_finds_only_the_schools_students(world, client_for):
    _partner, supporter, client = _people(world)
    other = VenueFactory(organization=world.a.organization, name="F高校")
    _student(world, family="ORGAMARK他校", venue=other)
    response = client_for(supporter).get(
        _url(world, "venue_students", world.a.venue.pk),
        {"field": "student", "student_q": "ORGAMARK"},
    )
    body = response.content.decode()
    assert client.display_name in body
    assert "ORGAMARK他校" not in body
    assert 'name="student"' in body


def test_a_student_withdraws_their_own_consent_once(world, client_for):
    teacher, _supporter, client = _people(world)
    consent = world.a.extra["consent"]
    browser = client_for(client)
    sharing = browser.get(_url(world, "my_sharing")).content.decode()
    assert teacher.display_name in sharing
    assert _url(world, "consent_withdraw", consent.pk) in sharing

    response = browser.post(_url(world, "consent_withdraw", consent.pk))

    assert response["Location"] == _url(world, "my_sharing")
    consent.refresh_from_db()
    assert consent.revoked_by == client and consent.revoked_at is not None
    revoked_at = consent.revoked_at
    browser.post(_url(world, "consent_withdraw", consent.pk))
    consent.refresh_from_db()
    assert consent.revoked_at == revoked_at
    assert (
        AuditEntry.objects.filter(
            action="salons.consent.withdrawn", object_id=str(consent.pk)
        ).count()
        == 1
    )
    after = browser.get(_url(world, "my_sharing")).content.decode()
    assert _url(world, "consent_withdraw", consent.pk) not in after


def test_a_student_cannot_open_another_students_consent(world, client_for):
    other = _student(world)
    response = client_for(other).post(_url(world, "consent_withdraw", world.a.extra["consent"].pk))
    assert response.status_code == 404
    assert ShareConsent.objects.get(pk=world.a.extra["consent"].pk).revoked_at is None
    with pytest.raises(ValidationError):
        consent_withdraw(consent=world.a.extra["consent"], actor=other)


def test_my_sharing_is_for_students_only(world, client_for):
    for role in (Role.PARTNER, Role.SUPPORTER, Role.COORDINATOR, Role.VIEWER):
        assert client_for(world.a.members[role]).get(_url(world, "my_sharing")).status_code == 403
    outsider = client_for(world.b.members[Role.CLIENT])
    assert outsider.get(_url(world, "my_sharing")).status_code == 404


# --- reports -------------------------------------------------------------------------


def test_a_report_without_consent_is_refused_on_the_teacher_and_nothing_is_sent(world, client_for):
    teacher, supporter, _client = _people(world)
    student = _student(world)
    response = client_for(supporter).post(
        _url(world, "report_new", world.a.venue.pk),
        {"student": student.pk, "teacher": teacher.pk, "body": "面接練習をしました"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert _said(NO_CONSENT) in body
    assert "面接練習をしました" in body  # the text stays
    assert not TeacherReport.objects.filter(student=student).exists()
    assert not OutboxMessage.objects.filter(to_address=teacher.email).exists()


def test_a_report_under_consent_reaches_the_teachers_page_and_mails_only_a_link(world, client_for):
    teacher, supporter, client = _people(world)
    browser = client_for(supporter)
    url = _url(world, "report_new", world.a.venue.pk)
    filled = browser.get(url, {"student": client.pk, "teacher": teacher.pk}).content.decode()
    assert client.display_name in filled

    response = browser.post(
        url, {"student": client.pk, "teacher": teacher.pk, "body": "専門学校を2校見学しました。"}
    )

    assert response["Location"] == _url(world, "liaison", world.a.venue.pk)
    report = TeacherReport.objects.get(body="専門学校を2校見学しました。")
    assert (report.consent, report.sent_by) == (world.a.extra["consent"], supporter)
    mail = OutboxMessage.objects.get(to_address=teacher.email)
    assert "専門学校" not in mail.body and client.family_name not in mail.subject
    assert _url(world, "school", world.a.venue.pk) in mail.body
    page = client_for(teacher).get(_url(world, "school", world.a.venue.pk)).content.decode()
    assert "専門学校を2校見学しました。" in page


def test_a_report_needs_a_body_of_at_most_2000_characters(world, client_for):
    teacher, supporter, client = _people(world)
    browser = client_for(supporter)
    url = _url(world, "report_new", world.a.venue.pk)
    empty = browser.post(url, {"student": client.pk, "teacher": teacher.pk, "body": "  "})
    assert _said("Write the report (a few lines are enough).") in empty.content.decode()
    long = browser.post(url, {"student": client.pk, "teacher": teacher.pk, "body": "あ" * 2001})
    assert long.status_code == 200
    assert TeacherReport.objects.filter(student=client).count() == 1  # the planted one
    with pytest.raises(ValidationError) as refused:
        report_send(
            venue=world.a.venue, student=client, teacher=teacher, body="あ" * 2001, actor=supporter
        )
    assert "body" in refused.value.message_dict


def test_no_report_after_the_consent_is_withdrawn(world):
    teacher, supporter, client = _people(world)
    consent_withdraw(consent=world.a.extra["consent"], actor=supporter)
    with pytest.raises(ValidationError) as refused:
        report_send(venue=world.a.venue, student=client, teacher=teacher, body="x", actor=supporter)
    assert refused.value.message_dict == {"teacher": [gettext(NO_CONSENT)]}
    # A visits consent does not let a report through.
    _consent(world, client, "visits")
    with pytest.raises(ValidationError):
        report_send(venue=world.a.venue, student=client, teacher=teacher, body="x", actor=supporter)


def test_only_the_schools_supporters_send_reports(world):
    teacher, _supporter, client = _people(world)
    other = VenueFactory(organization=world.a.organization, name="G高校")
    elsewhere = UserFactory()
    MembershipFactory(organization=world.a.organization, user=elsewhere, role=Role.SUPPORTER)
    VenueStaff.objects.create(
        organization=world.a.organization, venue=other, user=elsewhere, kind="supporter"
    )
    for actor in (elsewhere, teacher, client):
        with pytest.raises(ValidationError):
            report_send(venue=world.a.venue, student=client, teacher=teacher, body="x", actor=actor)
    coordinator = world.a.members[Role.COORDINATOR]
    report = report_send(
        venue=world.a.venue, student=client, teacher=teacher, body="x", actor=coordinator
    )
    assert report.sent_by == coordinator


# --- the thread ----------------------------------------------------------------------


def test_the_thread_shows_the_newest_messages_last_and_takes_a_new_one(world, client_for):
    teacher, supporter, _client = _people(world)
    for n in range(THREAD_PAGE_SIZE + 5):
        message_post(venue=world.a.venue, author=supporter, body=f"連絡{n:03d}")
    browser = client_for(teacher)
    url = _url(world, "thread", world.a.venue.pk)

    body = browser.get(url).content.decode()
    assert "連絡000" not in body  # on the older page
    assert body.index("連絡033") < body.index("連絡034")

    response = browser.post(url, {"body": "来週は3限から開けてください"})
    assert response["Location"] == f"{url}#latest"
    assert VenueMessage.objects.filter(author=teacher, body="来週は3限から開けてください").exists()
    assert "来週は3限から開けてください" in client_for(supporter).get(url).content.decode()


def test_an_empty_message_is_refused_and_outsiders_cannot_post(world, client_for):
    teacher = world.a.members[Role.PARTNER]
    url = _url(world, "thread", world.a.venue.pk)
    empty = client_for(teacher).post(url, {"body": "   "})
    assert _said("Write a message first.") in empty.content.decode()
    assert client_for(world.a.members[Role.CLIENT]).post(url, {"body": "x"}).status_code == 403
    assert client_for(world.b.members[Role.PARTNER]).post(url, {"body": "x"}).status_code == 404
    assert VenueMessage.objects.filter(venue=world.a.venue).count() == 1  # the planted one


def test_the_coordinator_reads_and_writes_every_schools_thread(world, client_for):
    coordinator = world.a.members[Role.COORDINATOR]
    url = _url(world, "thread", world.a.venue.pk)
    assert "ORGAMARKさん message" in client_for(coordinator).get(url).content.decode()
    message_post(venue=world.a.venue, author=coordinator, body="年度末の報告会について")
    with pytest.raises(ValidationError):
        message_post(venue=world.a.venue, author=world.a.members[Role.CLIENT], body="x")


# --- the teacher's schools -----------------------------------------------------------


def test_a_teacher_of_one_school_goes_to_it_and_of_two_chooses(world, client_for):
    teacher = world.a.members[Role.PARTNER]
    browser = client_for(teacher)
    response = browser.get(_url(world, "schools"))
    assert response["Location"] == _url(world, "school", world.a.venue.pk)

    second = VenueFactory(organization=world.a.organization, name="第二高校")
    VenueStaff.objects.create(
        organization=world.a.organization, venue=second, user=teacher, kind="teacher"
    )
    listing = browser.get(_url(world, "schools"))
    assert listing.status_code == 200
    assert _url(world, "school", second.pk) in listing.content.decode()
    venues = teacher_venues(teacher=teacher, organization=world.a.organization)
    assert sorted(v.pk for v in venues) == sorted([world.a.venue.pk, second.pk])


def test_the_menu_offers_my_school_and_sharing(world, client_for):
    home = reverse("orgs:dashboard", args=[world.a.organization.slug])
    teacher = client_for(world.a.members[Role.PARTNER]).get(home).content.decode()
    assert _url(world, "schools") in teacher
    student = client_for(world.a.members[Role.CLIENT]).get(home).content.decode()
    assert _url(world, "my_sharing") in student


def test_visit_private_notes_are_not_read_by_the_school_page(world):
    """The page reads visits only as (student, moment): the note column is never selected."""
    teacher, _supporter, client = _people(world)
    _consent(world, client, "visits")
    _came(world, client)
    with CaptureQueriesContext(connection) as queries:
        school_page(venue=world.a.venue, teacher=teacher)
    visit_reads = [q["sql"] for q in queries if Visit._meta.db_table in q["sql"]]
    assert visit_reads
    assert all("private_note" not in sql for sql in visit_reads)
