"""Teacher liaison under concurrency (PostgreSQL only: SQLite serialises every writer, so
the races cannot happen there). A report sent while the student withdraws their consent is
either sent before the withdrawal or refused; two identical consents at once make one."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from bansou.core.roles import Role
from bansou.salons.models import ShareConsent, TeacherReport, VenueStaff
from bansou.salons.services.liaison import consent_record, consent_withdraw, report_send
from tests.concurrency import UNEXPECTED, in_parallel
from tests.factories import (
    ClientProfileFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    VenueFactory,
)

ROUNDS = 8
PARALLEL = 6

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def school(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org = OrganizationFactory()
    venue = VenueFactory(organization=org)
    people = {}
    for role in (Role.PARTNER, Role.SUPPORTER):
        people[role] = UserFactory()
        MembershipFactory(organization=org, user=people[role], role=role)
    VenueStaff.objects.create(
        organization=org, venue=venue, user=people[Role.PARTNER], kind="teacher"
    )
    VenueStaff.objects.create(
        organization=org, venue=venue, user=people[Role.SUPPORTER], kind="supporter"
    )
    return org, venue, people[Role.PARTNER], people[Role.SUPPORTER]


def _student(org, venue):
    student = UserFactory()
    MembershipFactory(organization=org, user=student, role=Role.CLIENT)
    ClientProfileFactory(organization=org, user=student, venue=venue)
    return student


def test_a_report_racing_a_withdrawal_is_sent_before_it_or_not_at_all(school):
    org, venue, teacher, supporter = school
    for round_no in range(ROUNDS):
        student = _student(org, venue)
        consent = ShareConsent.objects.create(
            organization=org,
            venue=venue,
            student=student,
            teacher=teacher,
            scope="reports",
            given_on=timezone.localdate() - datetime.timedelta(days=1),
        )
        results = in_parallel(
            org,
            {
                "report": lambda s=student: report_send(
                    venue=venue, student=s, teacher=teacher, body="見学しました", actor=supporter
                ),
                "withdraw": lambda c=consent, s=student: consent_withdraw(consent=c, actor=s),
            },
        )
        assert not UNEXPECTED, UNEXPECTED
        assert results["withdraw"] == "ok", round_no
        consent.refresh_from_db()
        reports = list(TeacherReport.objects.filter(consent=consent))
        if results["report"] == "ok":
            assert len(reports) == 1
            assert reports[0].sent_at < consent.revoked_at
        else:
            assert results["report"] == "ValidationError"
            assert reports == []


def test_two_identical_consents_at_once_make_one_and_a_clear_message(school):
    org, venue, teacher, supporter = school
    student = _student(org, venue)

    def record():
        consent_record(
            student=student,
            teacher=teacher,
            venue=venue,
            scope="visits",
            given_on=timezone.localdate(),
            actor=supporter,
        )

    refusals: list[str] = []

    def recording():
        def run():
            try:
                record()
            except Exception as exc:
                refusals.extend(getattr(exc, "messages", []))
                raise

        return run

    results = in_parallel(org, {f"record-{n}": recording() for n in range(PARALLEL)})

    assert not UNEXPECTED, UNEXPECTED
    assert sorted(results.values()) == ["ValidationError"] * (PARALLEL - 1) + ["ok"]
    with translation.override("ja"):
        message = gettext("This student already shares this with this teacher.")
    assert refusals == [message] * (PARALLEL - 1)
    assert ShareConsent.objects.filter(student=student, revoked_at__isnull=True).count() == 1
