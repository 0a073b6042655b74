"""Self-match: a client browses ready supporters sorted by fit, requests one; the supporter
accepts (engagement created) or declines; capacity is enforced under concurrency."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext

from bansou.core.roles import Role
from bansou.engagements.models import Engagement
from bansou.matching.models import MatchingCriteria, MatchingProfile, MatchRequest
from bansou.matching.selectors import self_match_options
from bansou.matching.services.self_match import match_request_create, match_request_decide
from bansou.people.models import SupporterProfile
from bansou.programs.models import Side
from tests.concurrency import one_race_at_a_time
from tests.factories import (
    ClientProfileFactory,
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SupporterProfileFactory,
    TrainingFactory,
    UserFactory,
)


def _person(org, program, role, side, **profile):
    user = UserFactory()
    MembershipFactory(organization=org, user=user, role=role)
    EnrollmentFactory(program=program, user=user, side=side)
    if side == Side.SUPPORTER:
        SupporterProfileFactory(organization=org, user=user, **profile)
    else:
        ClientProfileFactory(organization=org, user=user, **profile)
    return user


@pytest.fixture
def setup(db):
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    MatchingCriteria.objects.create(organization=org, program=program, allow_self_match=True)
    good = _person(
        org, program, Role.SUPPORTER, Side.SUPPORTER, specialties=["面接練習"], languages=["ja"]
    )
    other = _person(
        org, program, Role.SUPPORTER, Side.SUPPORTER, specialties=["起業"], languages=["ja"]
    )
    english = _person(
        org, program, Role.SUPPORTER, Side.SUPPORTER, specialties=["面接練習"], languages=["en"]
    )
    client = _person(
        org, program, Role.CLIENT, Side.CLIENT, wants_help_with="面接練習", languages=["ja"]
    )
    return org, program, good, other, english, client


def test_options_sorted_by_fit_and_hard_rules_applied(setup):
    _org, program, good, other, _english, client = setup
    options = self_match_options(program=program, client=client)
    assert [o.user for o in options] == [good, other]
    assert options[0].score > options[1].score
    assert any("面接練習" in s for s in options[0].sentences)


def test_options_filter_by_keyword(setup):
    _org, program, _good, other, _english, client = setup
    assert [o.user for o in self_match_options(program=program, client=client, text="起業")] == [
        other
    ]


def test_not_ready_supporter_hidden_and_request_refused(setup):
    _org, program, good, _other, _english, client = setup
    TrainingFactory(program=program)
    assert self_match_options(program=program, client=client) == []
    with pytest.raises(ValidationError):
        match_request_create(program=program, client=client, supporter=good)


def test_request_refused_when_program_has_no_self_match(setup):
    _org, program, good, _other, _english, client = setup
    MatchingCriteria.objects.filter(program=program).update(allow_self_match=False)
    with pytest.raises(ValidationError):
        match_request_create(program=program, client=client, supporter=good)


def test_accept_creates_active_engagement(setup):
    _org, program, good, _other, _english, client = setup
    request = match_request_create(program=program, client=client, supporter=good)
    decided = match_request_decide(match_request=request, supporter=good, accept=True)
    assert decided.status == MatchRequest.Status.ACCEPTED
    engagement = Engagement.objects.get(program=program, client=client)
    assert engagement.supporter == good
    assert engagement.status == Engagement.Status.ACTIVE
    assert decided.engagement == engagement


def test_decline_creates_nothing(setup):
    _org, program, good, _other, _english, client = setup
    request = match_request_create(program=program, client=client, supporter=good)
    match_request_decide(match_request=request, supporter=good, accept=False)
    assert not Engagement.objects.filter(program=program).exists()


def test_second_accept_over_capacity_is_refused(setup):
    org, program, good, _other, _english, client = setup
    SupporterProfile.objects.filter(user=good).update(max_concurrent=1)
    second = _person(org, program, Role.CLIENT, Side.CLIENT, wants_help_with="面接練習")
    r1 = match_request_create(program=program, client=client, supporter=good)
    r2 = match_request_create(program=program, client=second, supporter=good)
    match_request_decide(match_request=r1, supporter=good, accept=True)
    with pytest.raises(ValidationError):
        match_request_decide(match_request=r2, supporter=good, accept=True)
    r2.refresh_from_db()
    assert r2.status == MatchRequest.Status.PENDING
    assert Engagement.objects.filter(supporter=good).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_accepts_only_one_fits(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    MatchingCriteria.objects.create(organization=org, program=program, allow_self_match=True)
    supporter = _person(org, program, Role.SUPPORTER, Side.SUPPORTER, max_concurrent=1)
    clients = [_person(org, program, Role.CLIENT, Side.CLIENT) for _ in range(2)]
    requests = [
        match_request_create(program=program, client=c, supporter=supporter) for c in clients
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(request: MatchRequest) -> None:
        from django_scopes import scopes_disabled

        try:
            with scopes_disabled():
                barrier.wait()
                match_request_decide(match_request=request, supporter=supporter, accept=True)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(r,)) for r in requests]
    with one_race_at_a_time():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Engagement.objects.filter(supporter=supporter).count() == 1


def test_choose_pages_and_request_flow(setup, client_for):
    org, program, good, _other, english, client = setup
    browser = client_for(client)
    page = browser.get(reverse("matching:choose", args=[org.slug, program.slug]))
    assert page.status_code == 200
    assert good.display_name in page.content.decode()
    assert english.display_name not in page.content.decode()
    profile = SupporterProfile.objects.get(user=good)
    response = browser.post(
        reverse("matching:choose_request", args=[org.slug, program.slug, profile.pk]),
        {"message": "よろしくお願いします"},
    )
    assert response.status_code == 302
    request = MatchRequest.objects.get(client=client)
    answer = client_for(good).post(
        reverse("matching:request", args=[org.slug, request.pk]), {"decision": "accept"}
    )
    assert answer.status_code == 302
    assert Engagement.objects.filter(client=client, supporter=good).exists()


def test_other_supporter_cannot_see_request(setup, client_for):
    org, program, good, other, _english, client = setup
    request = match_request_create(program=program, client=client, supporter=good)
    response = client_for(other).get(reverse("matching:request", args=[org.slug, request.pk]))
    assert response.status_code == 404


def test_choose_page_when_program_closed(setup, client_for):
    org, program, good, _other, _english, client = setup
    MatchingCriteria.objects.filter(program=program).update(allow_self_match=False)
    response = client_for(client).get(reverse("matching:choose", args=[org.slug, program.slug]))
    assert response.status_code == 200
    assert good.display_name not in response.content.decode()
    assert gettext("This program does not let clients choose a supporter.")


def test_preferences_page_saves_times_and_preferences(setup, client_for):
    org, _program, good, _other, _english, client = setup
    url = reverse("matching:preferences", args=[org.slug])
    browser = client_for(client)
    assert browser.get(url).status_code == 200
    response = browser.post(
        url,
        {
            "slots": ["tue-evening", "sat-morning"],
            "areas": "東京都, 横浜市",
            "preferred_mode": "online",
            "preferred_gender": "female",
            "keep_previous": "on",
            "experience_level": "2",
        },
    )
    assert response.status_code == 302
    saved = MatchingProfile.objects.get(organization=org, user=client)
    assert saved.slots == ["tue-evening", "sat-morning"]
    assert saved.areas == ["東京都", "横浜市"]
    assert (saved.preferred_mode, saved.preferred_gender, saved.keep_previous) == (
        "online",
        "female",
        True,
    )
    assert saved.experience_level == 2
    supporter_page = client_for(good).post(url, {"modes": ["online"], "slots": ["tue-evening"]})
    assert supporter_page.status_code == 302
    assert MatchingProfile.objects.get(organization=org, user=good).modes == ["online"]
