"""Rankings in self-match programs: the stable mode, and the blocking-pair count shown for
optimal rounds when both sides ranked each other."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bansou.core.roles import Role
from bansou.matching.adapter import unit_id_for
from bansou.matching.models import MatchingCriteria, MatchRanking
from bansou.matching.services.rounds import round_create
from bansou.matching.services.self_match import ranking_save
from bansou.programs.models import Side
from tests.factories import (
    ClientProfileFactory,
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SupporterProfileFactory,
    UserFactory,
)


def _person(org, program, role, side, **profile):
    user = UserFactory()
    MembershipFactory(organization=org, user=user, role=role)
    EnrollmentFactory(program=program, user=user, side=side)
    factory = SupporterProfileFactory if side == Side.SUPPORTER else ClientProfileFactory
    factory(organization=org, user=user, **profile)
    return user


@pytest.fixture
def ranked(db):
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    MatchingCriteria.objects.create(organization=org, program=program, allow_self_match=True)
    coordinator = UserFactory()
    MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)
    # One place each. By fit, c0 fits s0 (need) best and c1 fits nobody in particular.
    s0 = _person(org, program, Role.SUPPORTER, Side.SUPPORTER, max_concurrent=1)
    s1 = _person(
        org, program, Role.SUPPORTER, Side.SUPPORTER, max_concurrent=1, specialties=["起業"]
    )
    c0 = _person(org, program, Role.CLIENT, Side.CLIENT, wants_help_with="就職支援")
    c1 = _person(org, program, Role.CLIENT, Side.CLIENT, wants_help_with="")
    # Both clients want s1 first; s1 prefers c0; s0 prefers c1.
    ranking_save(program=program, user=c0, side="client", ranked_user_ids=[s1.pk, s0.pk])
    ranking_save(program=program, user=c1, side="client", ranked_user_ids=[s1.pk, s0.pk])
    ranking_save(program=program, user=s0, side="supporter", ranked_user_ids=[c1.pk, c0.pk])
    ranking_save(program=program, user=s1, side="supporter", ranked_user_ids=[c0.pk, c1.pk])
    return org, program, coordinator, (s0, s1), (c0, c1)


def _run(ranked, mode):
    _org, program, coordinator, supporters, clients = ranked
    return round_create(
        program=program,
        actor=coordinator,
        client_ids=[c.pk for c in clients],
        unit_ids=[unit_id_for(supporter_id=s.pk) for s in supporters],
        mode=mode,
    )


def test_stable_mode_follows_rankings(ranked):
    _org, _program, _coordinator, (s0, s1), (c0, c1) = ranked
    r = _run(ranked, "stable")
    assert r.inputs["mode"] == "stable"
    pairs = {(p["client_id"], p["unit_id"]) for p in r.result["pairs"]}
    assert pairs == {(c0.pk, s1.pk * 2), (c1.pk, s0.pk * 2)}
    assert r.result["blocking_pairs"] == 0


def test_optimal_round_reports_blocking_pairs(ranked):
    _org, _program, _coordinator, (s0, s1), (c0, c1) = ranked
    r = _run(ranked, "optimal")
    pairs = {(p["client_id"], p["unit_id"]) for p in r.result["pairs"]}
    # Fit puts c0 with s0 (need), leaving c1 with s1: c0 and s1 would both rather switch.
    assert pairs == {(c0.pk, s0.pk * 2), (c1.pk, s1.pk * 2)}
    assert r.result["blocking_pairs"] == 1


def test_stable_mode_refused_without_rankings(ranked):
    _org, program, _coordinator, _s, _c = ranked
    MatchRanking.objects.filter(program=program, side="supporter").delete()
    with pytest.raises(ValidationError):
        _run(ranked, "stable")


def test_rank_view_saves_order(ranked, client_for):
    org, program, _coordinator, (s0, s1), (c0, _c1) = ranked
    url = reverse("matching:rank", args=[org.slug, program.slug])
    browser = client_for(c0)
    assert browser.get(url).status_code == 200
    response = browser.post(url, {f"rank_{s0.pk}": "1", f"rank_{s1.pk}": ""})
    assert response.status_code == 302
    ranking = MatchRanking.objects.get(program=program, user=c0, side="client")
    assert ranking.ranked_user_ids == [s0.pk]
