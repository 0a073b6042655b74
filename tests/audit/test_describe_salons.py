"""The salons' audit entries read as sentences in Japanese and English and name the student
they concern: a consent recorded or withdrawn, a report sent to a teacher, a visit's
private note read or shown. Every action the salons services record has its sentence."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from bansou.audit.describe import PERSON_PATHS, SENTENCES, audit_lines
from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.salons.services.liaison import consent_record, consent_withdraw, report_send
from bansou.salons.services.visits import visit_note_read, visit_note_shown
from tests.factories import (
    ClientProfileFactory,
    MembershipFactory,
    SalonBlockFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def salon(world):
    """The school's supporter and teacher (world A's), and a student of the school."""
    a = world.a
    student = UserFactory(family_name="伊藤", given_name="さくら")
    MembershipFactory(organization=a.organization, user=student, role=Role.CLIENT)
    ClientProfileFactory(organization=a.organization, user=student, venue=a.venue)
    return a, a.members[Role.SUPPORTER], a.members[Role.PARTNER], student


def _consent(a, supporter, teacher, student, scope="reports"):
    return consent_record(
        student=student,
        teacher=teacher,
        venue=a.venue,
        scope=scope,
        given_on=timezone.localdate(),
        actor=supporter,
    )


def _sentence(a, action: str, language: str) -> str:
    entries = AuditEntry.objects.filter(organization=a.organization, action=action)
    with translation.override(language):
        [line] = audit_lines(organization=a.organization, entries=entries.select_related("actor"))
    return line.sentence


def test_a_recorded_consent_names_the_student(salon):
    a, supporter, teacher, student = salon
    consent = _consent(a, supporter, teacher, student)
    entry = AuditEntry.objects.get(action="salons.consent.recorded")
    assert (entry.object_type, entry.object_id) == ("salons.shareconsent", str(consent.pk))
    actor = supporter.display_name
    assert _sentence(a, "salons.consent.recorded", "ja") == (
        f"{actor}が伊藤 さくらさんの先生への共有の同意を記録"
    )
    assert _sentence(a, "salons.consent.recorded", "en") == (
        f"{actor} recorded the consent of 伊藤 さくら to share with a teacher"
    )


def test_a_withdrawn_consent_names_the_student_and_who_withdrew(salon):
    a, supporter, teacher, student = salon
    consent_withdraw(consent=_consent(a, supporter, teacher, student), actor=student)
    assert _sentence(a, "salons.consent.withdrawn", "ja") == (
        "伊藤 さくらが伊藤 さくらさんの先生への共有の同意を撤回"
    )
    assert _sentence(a, "salons.consent.withdrawn", "en") == (
        "伊藤 さくら withdrew the consent of 伊藤 さくら to share with a teacher"
    )


def test_a_report_sent_names_the_student_not_its_text(salon):
    a, supporter, teacher, student = salon
    _consent(a, supporter, teacher, student)
    report_send(
        venue=a.venue, student=student, teacher=teacher, body="面接練習の報告", actor=supporter
    )
    entry = AuditEntry.objects.get(action="salons.report.sent")
    assert entry.object_type == "salons.teacherreport"
    ja = _sentence(a, "salons.report.sent", "ja")
    assert ja == f"{supporter.display_name}が伊藤 さくらさんについての報告を先生に送信"
    assert "面接練習" not in ja
    assert _sentence(a, "salons.report.sent", "en") == (
        f"{supporter.display_name} sent a teacher a report about 伊藤 さくら"
    )


def test_a_visit_note_read_or_shown_names_the_student(salon):
    a, supporter, _teacher, student = salon
    coordinator = a.members[Role.COORDINATOR]
    at = timezone.now() - datetime.timedelta(hours=2)
    block = SalonBlockFactory(program=a.extra["program"], venue=a.venue, starts_at=at)
    visit = VisitFactory(block=block, student=student, kind="walk_in", private_note="非公開")
    visit_note_read(visit=visit, reader=coordinator, reason="面談の準備", ip_address=None)
    visit_note_shown(visit=visit, reader=supporter, ip_address=None)
    assert _sentence(a, "salon_visit_note.read", "ja") == (
        f"{coordinator.display_name}が伊藤 さくらさんのサロン来室の非公開メモを閲覧"
    )
    assert _sentence(a, "salon_visit_note.shown", "en") == (
        f"{supporter.display_name} opened the private note of a salon visit of 伊藤 さくら"
    )


def test_every_action_the_salons_record_has_a_sentence_and_names_its_person():
    source = Path(settings.BASE_DIR, "bansou", "salons")
    actions = {
        action
        for path in source.rglob("*.py")
        for action in re.findall(r'action="([^"]+)"', path.read_text(encoding="utf-8"))
    }
    assert actions >= {"salons.consent.recorded", "salons.report.sent"}  # the scan finds them
    assert actions <= set(SENTENCES)
    for label in ("salons.visit", "salons.shareconsent", "salons.teacherreport"):
        assert PERSON_PATHS[label] == "student"
