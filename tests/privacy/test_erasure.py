"""Erasure: a coordinator erases a client after typing their name; afterwards a dump of
every table of the database holds no trace of the planted name and address, while the
counts reports are made of survive."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from bansou.accounts.models import User
from bansou.audit.models import AuditEntry
from bansou.audit.services import audit_log
from bansou.core.roles import Role
from bansou.engagements.models import (
    CalendarBlock,
    Engagement,
    EngagementEvent,
    Reflection,
    Session,
    SessionRecord,
)
from bansou.matching.models import MatchingProfile, MatchRequest, MatchRound
from bansou.ops.models import OutboxMessage
from bansou.people.models import GuardianConsent
from bansou.privacy.services.erasure import ALREADY_ERASED, erase_client
from bansou.programs.models import Application
from tests.concurrency import in_parallel
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    ClientProfileFactory,
    EngagementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SessionFactory,
    SessionNoteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FAMILY, GIVEN = "鳥居ZQX", "カナリア"
EMAIL = "canary.zqx@example.jp"
# What must not be found anywhere afterwards, as typed and as JSON escapes it.
MARKERS = ["ZQX", "zqx", "カナリア", "鳥居"]
MARKERS += [json.dumps(m)[1:-1] for m in MARKERS if not m.isascii()]


def _dump_hits() -> list[str]:
    """Every table, every row, every column, read as text: where a marker appears."""
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row)
                hits += [f"{table}: {m}" for m in MARKERS if m in text]
    return hits


def _plant(client):
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    coordinator = MembershipFactory(organization=org, role=Role.COORDINATOR).user
    supporter = MembershipFactory(organization=org, role=Role.SUPPORTER).user
    person = UserFactory(
        email=EMAIL,
        family_name=FAMILY,
        given_name=GIVEN,
        family_name_kana="トリイ",
        given_name_kana="カナリア",
    )
    MembershipFactory(organization=org, user=person, role=Role.CLIENT)
    profile = ClientProfileFactory(
        organization=org,
        user=person,
        school_or_organization="鳥居ZQX高校",
        wants_help_with="カナリアの進路",
        grade="2年",
        is_minor=True,
    )
    GuardianConsent.objects.create(
        organization=org,
        client=profile,
        guardian_name="鳥居ZQX 母",
        relationship="母",
        method=GuardianConsent.Method.PAPER,
        given_on=datetime.date(2026, 4, 1),
        note="カナリアの保護者",
    )
    ApplicationFactory(
        program=program,
        email=EMAIL,
        family_name=FAMILY,
        given_name=GIVEN,
        answers=[{"question": "学校", "answer": "鳥居ZQX高校"}],
        message="ZQXです",
        school_or_organization="鳥居ZQX高校",
        is_minor=True,
        guardian_name="鳥居ZQX 母",
        guardian_relationship="ZQXの母",
        guardian_contact="zqx-guardian@example.test",
        user=person,
    )
    engagement = EngagementFactory(
        program=program, client=person, supporter=supporter, goals="カナリアの目標ZQX"
    )
    EngagementEvent.objects.create(
        organization=org,
        engagement=engagement,
        kind=EngagementEvent.Kind.STATUS,
        reason="鳥居ZQXさんの希望で一時停止",
        actor=coordinator,
    )
    sessions = [
        SessionFactory(engagement=engagement, place="鳥居ZQX宅", cancel_reason="") for _ in range(3)
    ]
    SessionRecord.objects.create(
        organization=org, session=sessions[0], shared_summary="カナリアさんと話した"
    )
    SessionNoteFactory(session=sessions[0], body="鳥居ZQXさんの家庭の事情")
    Reflection.objects.create(
        organization=org,
        session=sessions[0],
        important="ZQX 𠮷 😊",
        noticed="カナリア",
        next_step="ZQX",
        via=Reflection.Via.LINK,
    )
    MatchingProfile.objects.create(organization=org, user=person, areas=["鳥居ZQX町"])
    MatchRequest.objects.create(
        organization=org, program=program, client=person, supporter=supporter, message="ZQX"
    )
    MatchRound.objects.create(
        organization=org,
        program=program,
        result={"labels": {"clients": {str(person.pk): f"{FAMILY} {GIVEN}"}, "units": {}}},
    )
    OutboxMessage.objects.create(
        organization=org, to_address=EMAIL, subject="ご予約", body=f"{FAMILY} {GIVEN}様"
    )
    OutboxMessage.objects.create(
        organization=org,
        to_address=supporter.email,
        subject=f"{FAMILY} {GIVEN}さんの予約",
        body=f"{FAMILY}{GIVEN}さんが予約しました",
    )
    audit_log(
        organization=org,
        actor=coordinator,
        action="notes_read",
        target=engagement,
        reason="鳥居ZQXさん本人の依頼",
        ip_address="203.0.113.7",
    )
    client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD})  # a session row
    client.logout()
    return org, profile, coordinator


def _counts(org) -> dict[str, int]:
    with scopes_disabled():
        return {
            "engagements": Engagement.objects.filter(organization=org).count(),
            "sessions held": Session.objects.filter(
                organization=org, status=Session.Status.HELD
            ).count(),
            "reflections": Reflection.objects.filter(organization=org).count(),
            "applications": Application.objects.filter(organization=org).count(),
            "client memberships": org.memberships.filter(role=Role.CLIENT).count(),
        }


def _erase(client, org, profile, coordinator, **data):
    client.force_login(coordinator)
    url = reverse("privacy:client_erase", args=[org.slug, profile.pk])
    return client.post(url, data)


def test_erasure_leaves_no_trace_of_the_canary_anywhere_in_the_database(client):
    org, profile, coordinator = _plant(client)
    assert len(_dump_hits()) > 10  # the canary is really planted
    before = _counts(org)
    client.force_login(coordinator)
    page = client.get(reverse("privacy:client_erase", args=[org.slug, profile.pk]))
    assert f"{FAMILY} {GIVEN}" in page.content.decode()  # the page names who goes
    response = _erase(
        client,
        org,
        profile,
        coordinator,
        confirmation=f"{FAMILY}　{GIVEN}",  # a full-width space is fine
        reason="本人から削除の依頼（鳥居ZQXさん）",
    )
    assert response.status_code == 302
    assert _dump_hits() == []
    assert _counts(org) == before
    with scopes_disabled():
        erased = AuditEntry.objects.get(organization=org, action="client_erased")
        assert erased.actor == coordinator and "削除の依頼" in erased.reason
        person = User.objects.get(pk=profile.user_id)
    assert person.erased_at is not None and not person.is_active
    assert not person.has_usable_password()
    assert not client.login(username=EMAIL, password=PASSWORD)


def test_a_person_in_another_organisation_keeps_their_account_there(client):
    org, profile, coordinator = _plant(client)
    other = OrganizationFactory()
    MembershipFactory(organization=other, user=profile.user, role=Role.CLIENT)
    person = profile.user
    _erase(client, org, profile, coordinator, confirmation=f"{FAMILY}{GIVEN}", reason="本人の依頼")
    person.refresh_from_db()
    assert person.erased_at is None and person.email == EMAIL  # the other organisation's
    hits = _dump_hits()
    # Only the account itself, which the other organisation still holds.
    assert hits and {h.split(":")[0] for h in hits} <= {"accounts_user", "account_emailaddress"}
    with scopes_disabled():
        assert not Engagement.objects.filter(organization=org, client=person).exists()
        assert not org.memberships.filter(user=person).exists()
        assert other.memberships.filter(user=person, is_active=True).exists()


def test_the_wrong_name_or_a_short_reason_is_refused_on_its_field_and_nothing_goes(client):
    org, profile, coordinator = _plant(client)
    response = _erase(client, org, profile, coordinator, confirmation="山田", reason="x")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.data["confirmation"] == "山田"  # the input is shown again
    assert "reason" in form.errors
    response = _erase(client, org, profile, coordinator, confirmation="山田", reason="本人の依頼")
    assert "confirmation" in response.context["form"].errors
    assert len(_dump_hits()) > 10


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_erasing_at_once_get_one_erasure_on_postgresql(client):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    org, profile, coordinator = _plant(client)
    second = MembershipFactory(organization=org, role=Role.COORDINATOR).user

    def erase(actor):
        return lambda: erase_client(
            organization=org,
            profile_pk=profile.pk,
            actor=actor,
            confirmation=f"{FAMILY} {GIVEN}",
            reason="本人からの削除依頼",
        )

    results = in_parallel(org, {"a": erase(coordinator), "b": erase(second), "c": erase(second)})
    assert sorted(results.values()) == ["ValidationError", "ValidationError", "ok"]
    with scopes_disabled():
        assert AuditEntry.objects.filter(organization=org, action="client_erased").count() == 1
    assert _dump_hits() == []


def test_a_second_erasure_request_says_it_was_already_done(client):
    org, profile, coordinator = _plant(client)
    data = {"confirmation": f"{FAMILY} {GIVEN}", "reason": "本人からの削除依頼"}
    _erase(client, org, profile, coordinator, **data)
    with pytest.raises(ValidationError) as refused:
        erase_client(organization=org, profile_pk=profile.pk, actor=coordinator, **data)
    assert refused.value.code == ALREADY_ERASED
    response = _erase(client, org, profile, coordinator, **data)
    assert response.status_code == 302
    with translation.override("ja"):
        said = translation.gettext("This client has already been erased.")
    assert said == "この相談者はすでに削除されています。"
    assert [str(m) for m in response.wsgi_request._messages][-1] == said


def test_open_work_stops_and_the_pages_still_render_after_erasure(client):
    org, profile, coordinator = _plant(client)
    with scopes_disabled():
        engagement = Engagement.objects.get(organization=org, client=profile.user)
        upcoming = SessionFactory(
            engagement=engagement,
            status=Session.Status.SCHEDULED,
            starts_at=timezone.now() + datetime.timedelta(days=3),
            blocks=True,
        )
        assert CalendarBlock.objects.filter(session=upcoming, is_active=True).exists()
    _erase(client, org, profile, coordinator, confirmation=f"{FAMILY}{GIVEN}", reason="本人の依頼")
    with scopes_disabled():
        upcoming.refresh_from_db()
        engagement.refresh_from_db()
        assert upcoming.status == Session.Status.CANCELLED
        assert not CalendarBlock.objects.filter(session=upcoming, is_active=True).exists()
        assert engagement.status == Engagement.Status.INTERRUPTED
    client.force_login(coordinator)
    page = client.get(reverse("engagements:detail", args=[org.slug, engagement.pk]))
    assert page.status_code == 200
    assert "ZQX" not in page.content.decode()
    clients = client.get(reverse("people:clients", args=[org.slug]))
    assert clients.status_code == 200 and "ZQX" not in clients.content.decode()
