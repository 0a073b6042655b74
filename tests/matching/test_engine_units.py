"""Teams as one unit: how member profiles combine, and what that does to matching."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bansou.matching.engine import (
    ClientProfile,
    Criterion,
    ProgramRules,
    SupporterProfile,
    Weights,
    build_unit,
    explain_pair,
    solve,
)
from tests.matching.test_engine_instances import supporters

ANNA = SupporterProfile(
    member_id=1,
    specialties=frozenset({1, 2}),
    languages=frozenset({"ja", "en"}),
    available_slots=frozenset({10, 11, 12}),
    gender="female",
    modes=frozenset({"online", "in_person"}),
    experience_level=1,
    area_ids=frozenset({13}),
    school_ids=frozenset({5}),
    conflict_school_ids=frozenset({8}),
    completed_training_ids=frozenset({1, 2}),
)
BEN = SupporterProfile(
    member_id=2,
    specialties=frozenset({3}),
    languages=frozenset({"vi"}),
    available_slots=frozenset({11, 12, 20}),
    gender="male",
    modes=frozenset({"online"}),
    experience_level=3,
    area_ids=frozenset({14}),
    conflict_client_ids=frozenset({77}),
    completed_training_ids=frozenset({1}),
)


def test_build_unit_pools_skills_and_intersects_availability() -> None:
    team = build_unit(unit_id=9, members=[BEN, ANNA], capacity=2)
    assert team.member_ids == (1, 2)
    assert team.specialties == {1, 2, 3}
    assert team.languages == {"ja", "en", "vi"}
    assert team.available_slots == {11, 12}
    assert team.genders == {"female", "male"}
    assert team.modes == {"online"}
    assert team.experience_level == 3
    assert team.area_ids == {13, 14}
    assert team.school_ids == {5}
    assert team.conflict_school_ids == {8}
    assert team.conflict_client_ids == {77}
    assert team.completed_training_ids == {1}


def test_build_unit_of_one_member_keeps_the_profile() -> None:
    solo = build_unit(unit_id=3, members=[ANNA], capacity=4)
    assert (solo.capacity, solo.available_slots, solo.modes) == (
        4,
        ANNA.available_slots,
        ANNA.modes,
    )
    assert solo.genders == {"female"}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 50), min_size=1, max_size=4, unique=True).flatmap(
        lambda ids: st.tuples(*[supporters(i) for i in ids])
    )
)
def test_build_unit_is_order_free_and_no_wider_than_any_member_for_time(
    members: tuple[SupporterProfile, ...],
) -> None:
    team = build_unit(unit_id=1, members=list(members), capacity=1)
    again = build_unit(unit_id=1, members=list(reversed(members)), capacity=1)
    assert team == again
    for m in members:
        assert team.available_slots <= m.available_slots
        assert team.modes <= m.modes
        assert m.languages <= team.languages
        assert m.specialties <= team.specialties


def test_team_time_fit_uses_only_slots_both_members_have() -> None:
    client = ClientProfile(
        client_id=1, languages=frozenset({"ja"}), preferred_slots=frozenset({10, 20})
    )
    program = ProgramRules(weights=Weights(time=1))
    team = build_unit(unit_id=9, members=[ANNA, BEN], capacity=1)
    solo = build_unit(unit_id=8, members=[ANNA], capacity=1)
    assert explain_pair(client=client, unit=team, program=program).score == 0
    time_reason = explain_pair(client=client, unit=solo, program=program).reasons[-1]
    assert (time_reason.criterion, time_reason.items) == (Criterion.TIME, (10,))


def test_team_needs_every_member_trained_to_be_ready() -> None:
    client = ClientProfile(client_id=1, languages=frozenset({"en"}))
    program = ProgramRules(weights=Weights(language=1), required_training_ids=frozenset({2}))
    team = build_unit(unit_id=9, members=[ANNA, BEN], capacity=1)
    result = solve(clients=[client], units=[team], program=program)
    assert result.pairs == ()
    assert [r.rule.value for r in result.unmatched[0].rule_counts] == ["not_ready"]
