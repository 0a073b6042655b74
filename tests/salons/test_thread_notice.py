"""A new message in a school's thread is mailed once to each of the school's other teachers
and supporters, after the message is saved, with a link to the thread and without its
text; nobody else is told."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from bansou.core.roles import Role
from bansou.ops.models import OutboxMessage
from bansou.salons.models import VenueMessage, VenueStaff
from bansou.salons.services.liaison import message_post
from tests.factories import MembershipFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

SECRET = "3年の生徒が家庭の事情で休みがち"


def _works_at(world, venue, kind, *, family, role, active=True):
    org = world.a.organization
    user = UserFactory(family_name=family, given_name="さん", email=f"{family}@thread.test")
    MembershipFactory(organization=org, user=user, role=role, is_active=active)
    VenueStaff.objects.create(organization=org, venue=venue, user=user, kind=kind)
    return user


def _new_mail():
    """Mail queued from here on (the world plants some of its own)."""
    planted = list(OutboxMessage.objects.values_list("pk", flat=True))
    return lambda: OutboxMessage.objects.exclude(pk__in=planted)


def _thread(world):
    return reverse("salons:thread", args=[world.a.organization.slug, world.a.venue.pk])


def test_a_teachers_message_mails_the_schools_other_people_once_after_it_is_saved(
    world, client_for, django_capture_on_commit_callbacks
):
    a, venue = world.a, world.a.venue
    teacher, supporter = a.members[Role.PARTNER], a.members[Role.SUPPORTER]
    colleague = _works_at(world, venue, "teacher", family="同僚", role=Role.PARTNER)
    gone = _works_at(world, venue, "teacher", family="退職", role=Role.PARTNER, active=False)
    elsewhere = _works_at(
        world,
        VenueFactory(organization=a.organization),
        "supporter",
        family="他校",
        role=Role.SUPPORTER,
    )
    new_mail = _new_mail()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(teacher).post(_thread(world), {"body": SECRET})
    assert response.status_code == 302
    assert VenueMessage.objects.filter(venue=venue, author=teacher, body=SECRET).exists()
    assert callbacks  # handed to the mail worker once the message is committed
    mails = new_mail()
    assert sorted(m.to_address for m in mails) == sorted([supporter.email, colleague.email])
    assert all(m.status == OutboxMessage.Status.SENT for m in mails)
    assert sorted(sent.to[0] for sent in mail.outbox) == sorted([supporter.email, colleague.email])
    for sent in mail.outbox:  # delivered (the outbox keeps no body once sent)
        assert f"{_thread(world)}#latest" in sent.body
        assert teacher.display_name in sent.body
        assert SECRET not in sent.body and SECRET not in sent.subject
    addresses = {m.to_address for m in mails}
    assert not addresses & {teacher.email, gone.email, elsewhere.email}
    assert not addresses & {a.members[Role.COORDINATOR].email, a.members[Role.CLIENT].email}


def test_a_coordinators_message_tells_the_teachers_and_supporters_in_their_language(world):
    a = world.a
    teacher, supporter = a.members[Role.PARTNER], a.members[Role.SUPPORTER]
    teacher.language = "en"
    teacher.save(update_fields=["language"])
    new_mail = _new_mail()
    with translation.override("ja"):
        message_post(venue=a.venue, author=a.members[Role.COORDINATOR], body="年度末の報告会")
    to_teacher = new_mail().get(to_address=teacher.email)
    to_supporter = new_mail().get(to_address=supporter.email)
    assert "A new message in the school's thread" in to_teacher.subject
    assert "has written in the thread of" in to_teacher.body
    assert "学校とのスレッドに新しいメッセージ" in to_supporter.subject
    assert f"{a.members[Role.COORDINATOR].display_name}さんが" in to_supporter.body
    assert new_mail().count() == 2
