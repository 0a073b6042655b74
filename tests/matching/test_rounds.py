"""Matching rounds through the services and views: adapter mapping, run, lock, exclude,
swap, confirm (all or nothing), explanations, query counts."""

from dataclasses import dataclass

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, RematchRequest
from bansou.matching import engine
from bansou.matching.adapter import SLOTS, build_pool, unit_id_for
from bansou.matching.explain import reason_sentence, unmatched_summary
from bansou.matching.models import MatchingCriteria, MatchingProfile, MatchRound
from bansou.matching.services.criteria import criteria_save
from bansou.matching.services.rounds import (
    round_change_pair,
    round_confirm,
    round_create,
    round_run,
)
from bansou.orgs.models import Organization
from bansou.programs.models import Program, Side
from tests.factories import (
    ClientProfileFactory,
    EngagementFactory,
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SupporterProfileFactory,
    TeamFactory,
    TeamMemberFactory,
    TrainingFactory,
    UserFactory,
)


@dataclass
class Pool:
    org: Organization
    program: Program
    coordinator: User
    clients: list[User]
    supporters: list[User]


def _supporter(org, program, *, languages=("ja",), specialties=("就職支援",), **profile):
    user = UserFactory()
    MembershipFactory(organization=org, user=user, role=Role.SUPPORTER)
    EnrollmentFactory(program=program, user=user, side=Side.SUPPORTER)
    SupporterProfileFactory(
        organization=org,
        user=user,
        languages=list(languages),
        specialties=list(specialties),
        **profile,
    )
    return user


def _client(org, program, *, languages=("ja",), wants="就職支援"):
    user = UserFactory()
    MembershipFactory(organization=org, user=user, role=Role.CLIENT)
    EnrollmentFactory(program=program, user=user, side=Side.CLIENT)
    ClientProfileFactory(
        organization=org, user=user, languages=list(languages), wants_help_with=wants
    )
    return user


@pytest.fixture
def pool(db) -> Pool:
    org = OrganizationFactory()
    coordinator = UserFactory()
    MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)
    program = ProgramFactory(organization=org)
    supporters = [
        _supporter(org, program, languages=("ja", "en"), specialties=("留学生の就職支援",)),
        _supporter(org, program, languages=("ja",), specialties=("面接練習",)),
    ]
    clients = [
        _client(org, program, languages=("en",), wants="留学生の就職支援をお願いしたい"),
        _client(org, program, languages=("ja",), wants="面接練習"),
    ]
    return Pool(org, program, coordinator, clients, supporters)


def _units(p: Pool) -> list[int]:
    return [unit_id_for(supporter_id=s.pk) for s in p.supporters]


def _round(p: Pool) -> MatchRound:
    return round_create(
        program=p.program,
        actor=p.coordinator,
        client_ids=[c.pk for c in p.clients],
        unit_ids=_units(p),
    )


def _pairs(r: MatchRound) -> set[tuple[int, int]]:
    return {(x["client_id"], x["unit_id"]) for x in r.result["pairs"]}


def test_adapter_maps_needs_languages_slots_and_capacity(pool):
    s0, _s1 = pool.supporters
    MatchingProfile.objects.create(
        organization=pool.org, user=s0, slots=["tue-evening", "sat-morning"], modes=["online"]
    )
    MatchingProfile.objects.create(
        organization=pool.org,
        user=pool.clients[0],
        slots=["tue-evening"],
        preferred_gender="female",
    )
    EngagementFactory(program=ProgramFactory(organization=pool.org), supporter=s0)
    built = build_pool(
        program=pool.program, client_ids=[c.pk for c in pool.clients], unit_ids=_units(pool)
    )
    unit = built.unit(unit_id_for(supporter_id=s0.pk))
    client = built.client(pool.clients[0].pk)
    assert unit is not None and client is not None
    assert unit.languages == frozenset({"ja", "en"})
    assert unit.available_slots == frozenset({SLOTS["tue-evening"], SLOTS["sat-morning"]})
    assert unit.modes == frozenset({"online"})
    # max_concurrent 5 − 1 active, capped by monthly_capacity 4
    assert unit.capacity == 4
    assert client.preferred_slots == frozenset({SLOTS["tue-evening"]})
    assert client.preferred_gender == "female"
    assert [built.need_vocab[n] for n in client.needs] == ["留学生の就職支援"]
    assert client.languages == frozenset({"en"})


def test_adapter_team_unit_and_readiness(pool):
    s0, s1 = pool.supporters
    team = TeamFactory(organization=pool.org)
    TeamMemberFactory(team=team, user=s0)
    TeamMemberFactory(team=team, user=s1)
    training = TrainingFactory(program=pool.program)
    built = build_pool(
        program=pool.program,
        client_ids=[],
        unit_ids=[unit_id_for(team_id=team.pk), unit_id_for(supporter_id=s0.pk)],
    )
    unit = built.unit(unit_id_for(team_id=team.pk))
    assert unit is not None
    assert unit.member_ids == tuple(sorted([s0.pk, s1.pk]))
    assert unit.languages == frozenset({"ja", "en"})
    assert built.rules.required_training_ids == frozenset({training.pk})
    assert built.ready[unit.unit_id] is False


def test_adapter_excludes_previous_supporter_after_rematch_request(pool):
    client = pool.clients[1]
    old = EngagementFactory(
        program=pool.program,
        client=client,
        supporter=pool.supporters[1],
        status=Engagement.Status.ENDED,
    )
    RematchRequest.objects.create(organization=pool.org, engagement=old, requested_by=client)
    built = build_pool(program=pool.program, client_ids=[client.pk], unit_ids=_units(pool))
    profile = built.client(client.pk)
    assert profile is not None
    assert profile.excluded_unit_ids == frozenset({unit_id_for(supporter_id=pool.supporters[1].pk)})
    r = _round(pool)
    assert (client.pk, unit_id_for(supporter_id=pool.supporters[1].pk)) not in _pairs(r)


def test_round_run_matches_on_language_and_need(pool):
    r = _round(pool)
    assert r.result["ok"] is True
    assert _pairs(r) == {
        (pool.clients[0].pk, unit_id_for(supporter_id=pool.supporters[0].pk)),
        (pool.clients[1].pk, unit_id_for(supporter_id=pool.supporters[1].pk)),
    }
    assert r.inputs["client_ids"] == sorted(c.pk for c in pool.clients)
    assert r.runs == 1


def test_round_exclusion_respected_on_rerun(pool):
    r = _round(pool)
    c1, u1 = pool.clients[1].pk, unit_id_for(supporter_id=pool.supporters[1].pk)
    r = round_change_pair(
        match_round=r, actor=pool.coordinator, client_id=c1, unit_id=u1, action="exclude"
    )
    assert (c1, u1) not in _pairs(r)
    r = round_run(match_round=r, actor=pool.coordinator)
    assert (c1, u1) not in _pairs(r)
    assert r.runs == 3


def test_round_lock_kept_on_rerun_and_swap_replaces_it(pool):
    r = _round(pool)
    c1 = pool.clients[1].pk
    u0, u1 = (unit_id_for(supporter_id=s.pk) for s in pool.supporters)
    r = round_change_pair(
        match_round=r, actor=pool.coordinator, client_id=c1, unit_id=u0, action="lock"
    )
    assert r.inputs["locks"] == [[c1, u0]]
    r = round_run(match_round=r, actor=pool.coordinator)
    locked = [x for x in r.result["pairs"] if x["locked"]]
    assert [(x["client_id"], x["unit_id"]) for x in locked] == [(c1, u0)]
    r = round_change_pair(
        match_round=r, actor=pool.coordinator, client_id=c1, unit_id=u1, action="lock"
    )
    assert r.inputs["locks"] == [[c1, u1]]


def test_swap_breaking_a_hard_rule_is_refused(pool):
    r = _round(pool)
    english_only = pool.clients[0].pk
    japanese_only = unit_id_for(supporter_id=pool.supporters[1].pk)
    with pytest.raises(ValidationError) as info:
        round_change_pair(
            match_round=r,
            actor=pool.coordinator,
            client_id=english_only,
            unit_id=japanese_only,
            action="lock",
        )
    assert gettext("no shared language") in " ".join(info.value.messages)
    r.refresh_from_db()
    assert r.inputs["locks"] == []


def test_swap_through_view_shows_refusal_without_500(pool, client_for):
    r = _round(pool)
    url = reverse("matching:round_pair", args=[pool.org.slug, r.pk])
    response = client_for(pool.coordinator).post(
        url,
        {
            "client": pool.clients[0].pk,
            "unit": unit_id_for(supporter_id=pool.supporters[1].pk),
            "action": "lock",
        },
    )
    assert response.status_code == 200
    assert gettext("no shared language") in response.content.decode()


def test_confirm_creates_engagements_and_mails_both_sides(pool, django_capture_on_commit_callbacks):
    r = _round(pool)
    with django_capture_on_commit_callbacks(execute=True):
        engagements = round_confirm(match_round=r, actor=pool.coordinator)
    assert len(engagements) == 2
    assert {(e.client_id, e.supporter_id) for e in engagements} == {
        (pool.clients[0].pk, pool.supporters[0].pk),
        (pool.clients[1].pk, pool.supporters[1].pk),
    }
    assert len(mail.outbox) == 4
    r.refresh_from_db()
    assert r.status == MatchRound.Status.CONFIRMED
    assert sorted(r.result["engagement_ids"]) == sorted(e.pk for e in engagements)
    with pytest.raises(ValidationError):
        round_run(match_round=r, actor=pool.coordinator)


def test_confirm_is_all_or_nothing_when_one_pair_became_invalid(pool):
    r = _round(pool)
    # Meanwhile the second supporter's program adds a training they have not attended.
    TrainingFactory(program=pool.program)
    with pytest.raises(ValidationError):
        round_confirm(match_round=r, actor=pool.coordinator)
    assert not Engagement.objects.filter(program=pool.program).exists()
    r.refresh_from_db()
    assert r.status == MatchRound.Status.DRAFT


def test_confirm_fails_whole_when_engagement_create_refuses(pool, monkeypatch):
    from bansou.matching.services import rounds

    calls = []
    real = rounds.engagement_create

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise ValidationError("boom")
        return real(**kwargs)

    monkeypatch.setattr(rounds, "engagement_create", flaky)
    r = _round(pool)
    with pytest.raises(ValidationError):
        round_confirm(match_round=r, actor=pool.coordinator)
    assert len(calls) == 2
    assert not Engagement.objects.filter(program=pool.program).exists()


def test_client_without_common_language_is_reported(pool):
    lonely = _client(pool.org, pool.program, languages=("ne",), wants="")
    r = round_create(
        program=pool.program,
        actor=pool.coordinator,
        client_ids=[c.pk for c in [*pool.clients, lonely]],
        unit_ids=_units(pool),
    )
    [unmatched] = r.result["unmatched"]
    assert unmatched["client_id"] == lonely.pk
    assert unmatched["blocking_rules"] == ["no_shared_language"]
    with translation.override("en"):
        assert unmatched_summary(r.result["unmatched"]) == [
            "1 client has no possible supporter: no shared language"
        ]


def test_no_ready_supporter_gives_notice_not_error(pool):
    TrainingFactory(program=pool.program)
    r = _round(pool)
    assert r.result["ok"] is True
    assert r.result["pairs"] == []
    assert "no_ready_units" in r.result["notices"]


def test_all_weights_zero_still_matches(pool):
    criteria_save(
        program=pool.program,
        actor=pool.coordinator,
        weights=dict.fromkeys(("need", "language", "time"), 0),
        allow_self_match=False,
    )
    r = _round(pool)
    assert len(r.result["pairs"]) == 2
    assert "all_weights_zero" in r.result["notices"]


def test_pool_larger_than_capacity_leaves_clients_unmatched(pool):
    for s in pool.supporters:
        s.supporter_profiles.update(max_concurrent=0)
    r = _round(pool)
    assert r.result["pairs"] == []
    assert "no_capacity" in r.result["notices"]
    with pytest.raises(ValidationError):
        round_confirm(match_round=r, actor=pool.coordinator)


def test_create_round_without_units_refused(pool):
    with pytest.raises(ValidationError):
        round_create(
            program=pool.program,
            actor=pool.coordinator,
            client_ids=[pool.clients[0].pk],
            unit_ids=[],
        )


def test_explanation_sentences_english_source():
    with translation.override("en"):
        assert (
            reason_sentence({"criterion": "language", "items": ["en", "zh"]})
            == "Languages: English, Chinese"
        )
        assert (
            reason_sentence({"criterion": "time", "items": ["tue-evening"]})
            == "Times: Tue evening overlap"
        )
        assert (
            reason_sentence({"criterion": "need", "items": ["留学生の就職支援"]})
            == "Specialty: 留学生の就職支援 matches"
        )


def test_round_review_page_shows_reasons(pool, client_for):
    r = _round(pool)
    response = client_for(pool.coordinator).get(
        reverse("matching:round", args=[pool.org.slug, r.pk])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert gettext("Specialty: %(items)s matches") % {"items": "留学生の就職支援"} in body


def test_confirm_view_creates_engagements(pool, client_for):
    r = _round(pool)
    url = reverse("matching:round_confirm", args=[pool.org.slug, r.pk])
    response = client_for(pool.coordinator).post(url)
    assert response.status_code == 302
    assert Engagement.objects.filter(program=pool.program).count() == 2


def test_pool_other_org_round_404(pool, client_for):
    other = OrganizationFactory()
    coordinator = UserFactory()
    MembershipFactory(organization=other, user=coordinator, role=Role.COORDINATOR)
    r = _round(pool)
    response = client_for(coordinator).get(reverse("matching:round", args=[other.slug, r.pk]))
    assert response.status_code == 404
    assert engine.MAX_WEIGHT == 10


def _criteria_post(**overrides):
    data = {name: 5 for name in ("need", "language", "time", "gender", "mode")}
    data.update(continuity=0, experience=0, school=0, area=0)
    data.update(overrides)
    return data


def test_criteria_page_previews_top_candidates(pool, client_for):
    url = reverse("matching:criteria", args=[pool.org.slug, pool.program.slug])
    response = client_for(pool.coordinator).get(url, {"client": pool.clients[1].pk})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview["client"] == pool.clients[1]
    assert preview["rows"][0].unit == pool.supporters[1].display_name


def test_criteria_saved_and_out_of_range_refused(pool, client_for):
    url = reverse("matching:criteria", args=[pool.org.slug, pool.program.slug])
    browser = client_for(pool.coordinator)
    assert browser.post(url, _criteria_post(need=11)).status_code == 200
    assert not MatchingCriteria.objects.filter(program=pool.program).exists()
    assert browser.post(url, _criteria_post(need=9, allow_self_match="on")).status_code == 302
    saved = MatchingCriteria.objects.get(program=pool.program)
    assert (saved.need, saved.allow_self_match, saved.updated_by) == (9, True, pool.coordinator)


def test_confirmed_round_is_read_only_through_views(pool, client_for):
    r = _round(pool)
    round_confirm(match_round=r, actor=pool.coordinator)
    browser = client_for(pool.coordinator)
    url = reverse("matching:round_pair", args=[pool.org.slug, r.pk])
    response = browser.post(
        url,
        {
            "client": pool.clients[0].pk,
            "unit": unit_id_for(supporter_id=pool.supporters[0].pk),
            "action": "exclude",
        },
    )
    assert response.status_code == 200
    r.refresh_from_db()
    assert r.inputs["exclusions"] == []
    assert (
        browser.post(reverse("matching:round_confirm", args=[pool.org.slug, r.pk])).status_code
        == 200
    )
    assert Engagement.objects.filter(program=pool.program).count() == 2


def test_lock_invalidated_by_new_training_shows_issue_and_can_be_unlocked(pool, client_for):
    r = _round(pool)
    c0, u0 = pool.clients[0].pk, unit_id_for(supporter_id=pool.supporters[0].pk)
    r = round_change_pair(
        match_round=r, actor=pool.coordinator, client_id=c0, unit_id=u0, action="lock"
    )
    TrainingFactory(program=pool.program)
    r = round_run(match_round=r, actor=pool.coordinator)
    assert r.result["ok"] is False
    assert r.result["issues"][0]["code"] == "lock_breaks_hard_rule"
    page = client_for(pool.coordinator).get(reverse("matching:round", args=[pool.org.slug, r.pk]))
    assert page.status_code == 200
    assert gettext("Locked pairs") in page.content.decode()
    with pytest.raises(ValidationError):
        round_confirm(match_round=r, actor=pool.coordinator)
    r = round_change_pair(
        match_round=r, actor=pool.coordinator, client_id=c0, unit_id=u0, action="unlock"
    )
    assert r.result["ok"] is True
