"""Bad input and unmatched reasons: structured issues and results, never a crash."""

from __future__ import annotations

import numpy as np

from bansou.matching.engine import (
    ClientProfile,
    Criterion,
    HardRule,
    IndexPairs,
    IssueCode,
    Notice,
    PairRef,
    ProgramRules,
    RuleCount,
    UnitProfile,
    UnmatchedReason,
    Weights,
    encode,
    solve,
    solve_arrays,
)

JA = frozenset({"ja"})
PROGRAM = ProgramRules(weights=Weights(need=5, language=3), required_training_ids=frozenset({1}))


def _unit(uid: int, capacity: int = 1, **kw: object) -> UnitProfile:
    fields: dict[str, object] = {"languages": JA, "completed_training_ids": frozenset({1})}
    fields.update(kw)
    return UnitProfile(unit_id=uid, capacity=capacity, **fields)  # type: ignore[arg-type]


def _client(cid: int, **kw: object) -> ClientProfile:
    fields: dict[str, object] = {"languages": JA, "needs": frozenset({1})}
    fields.update(kw)
    return ClientProfile(client_id=cid, **fields)  # type: ignore[arg-type]


def test_no_ready_units_gives_no_candidate_with_not_ready_for_everyone() -> None:
    units = [
        _unit(10, completed_training_ids=frozenset()),
        _unit(11, completed_training_ids=frozenset()),
    ]
    result = solve(clients=[_client(1), _client(2)], units=units, program=PROGRAM)
    assert result.ok and result.pairs == ()
    assert Notice.NO_READY_UNITS in result.notices
    for u in result.unmatched:
        assert u.reason is UnmatchedReason.NO_CANDIDATE
        assert u.rule_counts == (RuleCount(HardRule.NOT_READY, 2),)
        assert u.blocking_rules == (HardRule.NOT_READY,)


def test_no_units_at_all_gives_no_candidate_and_notices() -> None:
    result = solve(clients=[_client(1)], units=[], program=PROGRAM)
    assert result.ok and result.certified
    assert result.unmatched[0].reason is UnmatchedReason.NO_CANDIDATE
    assert result.unmatched[0].rule_counts == ()
    assert {Notice.NO_READY_UNITS, Notice.NO_CAPACITY} <= set(result.notices)


def test_pool_larger_than_capacity_fills_every_place_and_says_who_lost() -> None:
    clients = [_client(i, needs=frozenset({i % 2})) for i in range(5)]
    units = [_unit(10, capacity=1, specialties=frozenset({0})), _unit(11, capacity=1)]
    result = solve(clients=clients, units=units, program=PROGRAM)
    assert Notice.DEMAND_EXCEEDS_CAPACITY in result.notices
    assert result.matched_count == 2
    assert {u.reason for u in result.unmatched} == {UnmatchedReason.LOST_TO_HIGHER_TOTAL}
    assert len(result.unmatched) == 3
    # the unit with the matching specialty went to a client needing tag 0
    assert next(p.client_id for p in result.pairs if p.unit_id == 10) % 2 == 0


def test_all_weights_zero_scores_zero_but_still_matches_the_most_clients() -> None:
    program = ProgramRules(weights=Weights())
    clients = [_client(1), _client(2), _client(3, languages=frozenset({"en"}))]
    units = [_unit(10, capacity=1), _unit(11, capacity=1, languages=frozenset({"ja", "en"}))]
    first = solve(clients=clients, units=units, program=program)
    second = solve(clients=list(reversed(clients)), units=units, program=program)
    assert Notice.ALL_WEIGHTS_ZERO in first.notices
    assert first.matched_count == 2
    assert all(p.score == 0 and p.breakdown == () for p in first.pairs)
    assert first == second


def test_client_without_common_language_is_no_candidate_by_language() -> None:
    clients = [_client(1), _client(2, languages=frozenset({"pt"}))]
    units = [_unit(10, capacity=2), _unit(11, capacity=1, completed_training_ids=frozenset())]
    result = solve(clients=clients, units=units, program=PROGRAM)
    [lost] = result.unmatched
    assert lost.client_id == 2
    assert lost.reason is UnmatchedReason.NO_CANDIDATE
    assert lost.rule_counts == (
        RuleCount(HardRule.LANGUAGE, 2),
        RuleCount(HardRule.NOT_READY, 1),
    )
    assert lost.blocking_rules == (HardRule.LANGUAGE,)


def test_candidates_without_capacity_give_all_full() -> None:
    clients = [_client(1), _client(2, languages=frozenset({"en"}))]
    units = [_unit(10, capacity=1), _unit(11, capacity=0, languages=frozenset({"en"}))]
    result = solve(clients=clients, units=units, program=PROGRAM)
    [full] = result.unmatched
    assert (full.client_id, full.reason, full.candidates) == (2, UnmatchedReason.ALL_FULL, 1)


def test_capacity_taken_by_locks_counts_as_all_full() -> None:
    clients = [_client(1), _client(2)]
    result = solve(
        clients=clients, units=[_unit(10, capacity=1)], program=PROGRAM, locks=[PairRef(1, 10)]
    )
    assert [p.locked for p in result.pairs] == [True]
    assert result.unmatched[0].reason is UnmatchedReason.ALL_FULL


def test_conflict_of_interest_and_exclusions_are_never_matched() -> None:
    clients = [
        _client(1, school_id=7),
        _client(2, excluded_unit_ids=frozenset({10})),
        _client(3),
    ]
    units = [_unit(10, capacity=3, conflict_school_ids=frozenset({7}))]
    result = solve(clients=clients, units=units, program=PROGRAM, exclusions=[PairRef(3, 10)])
    assert result.pairs == ()
    counts = {u.client_id: u.rule_counts for u in result.unmatched}
    assert counts == {
        1: (RuleCount(HardRule.CONFLICT, 1),),
        2: (RuleCount(HardRule.EXCLUDED, 1),),
        3: (RuleCount(HardRule.EXCLUDED, 1),),
    }


def test_lock_breaking_hard_rules_is_rejected_with_rules_listed() -> None:
    clients = [_client(1, languages=frozenset({"en"}), school_id=3)]
    units = [
        _unit(10, conflict_school_ids=frozenset({3}), completed_training_ids=frozenset()),
    ]
    result = solve(clients=clients, units=units, program=PROGRAM, locks=[PairRef(1, 10)])
    assert not result.ok and result.pairs == ()
    [issue] = result.issues
    assert issue.code is IssueCode.LOCK_BREAKS_HARD_RULE
    assert (issue.client_id, issue.unit_id) == (1, 10)
    assert issue.rules == (HardRule.LANGUAGE, HardRule.CONFLICT, HardRule.NOT_READY)


def test_lock_on_excluded_pair_is_rejected() -> None:
    result = solve(
        clients=[_client(1)],
        units=[_unit(10)],
        program=PROGRAM,
        locks=[PairRef(1, 10)],
        exclusions=[PairRef(1, 10)],
    )
    assert [(i.code, i.rules) for i in result.issues] == [
        (IssueCode.LOCK_BREAKS_HARD_RULE, (HardRule.EXCLUDED,))
    ]


def test_locks_over_capacity_and_double_locks_are_rejected() -> None:
    clients = [_client(1), _client(2)]
    units = [_unit(10, capacity=1), _unit(11, capacity=1)]
    result = solve(
        clients=clients,
        units=units,
        program=PROGRAM,
        locks=[PairRef(1, 10), PairRef(2, 10), PairRef(1, 11)],
    )
    codes = {(i.code, i.client_id, i.unit_id, i.rules) for i in result.issues}
    assert codes == {
        (IssueCode.LOCK_CLIENT_TWICE, 1, 11, ()),
        (IssueCode.LOCK_OVER_CAPACITY, None, 10, (HardRule.CAPACITY,)),
    }


def test_unknown_ids_in_locks_are_rejected_but_ignored_in_exclusions() -> None:
    bad = solve(clients=[_client(1)], units=[_unit(10)], program=PROGRAM, locks=[PairRef(9, 10)])
    assert [(i.code, i.client_id) for i in bad.issues] == [(IssueCode.UNKNOWN_CLIENT, 9)]
    ok = solve(
        clients=[_client(1)], units=[_unit(10)], program=PROGRAM, exclusions=[PairRef(1, 99)]
    )
    assert ok.ok and ok.matched_count == 1


def test_duplicate_ids_negative_capacity_and_bad_weights_are_reported() -> None:
    program = ProgramRules(weights=Weights(need=11, time=-1))
    result = solve(
        clients=[_client(1), _client(1)],
        units=[_unit(10, capacity=-2)],
        program=program,
    )
    assert not result.ok
    found = {(i.code, i.client_id, i.unit_id, i.criterion) for i in result.issues}
    assert found == {
        (IssueCode.WEIGHT_OUT_OF_RANGE, None, None, Criterion.NEED),
        (IssueCode.WEIGHT_OUT_OF_RANGE, None, None, Criterion.TIME),
        (IssueCode.DUPLICATE_CLIENT_ID, 1, None, None),
        (IssueCode.NEGATIVE_CAPACITY, None, 10, None),
    }


def test_stable_mode_without_rankings_is_rejected() -> None:
    result = solve(clients=[_client(1)], units=[_unit(10)], program=PROGRAM, mode="stable")
    assert [i.code for i in result.issues] == [IssueCode.MISSING_RANKINGS]


def test_no_clients_is_an_empty_certified_result() -> None:
    result = solve(clients=[], units=[_unit(10)], program=PROGRAM)
    assert result.ok and result.certified and result.pairs == () and result.unmatched == ()
    assert Notice.NO_CLIENTS in result.notices


def test_solve_arrays_reports_malformed_arrays_instead_of_crashing() -> None:
    arrays, _ = encode(clients=[_client(1)], units=[_unit(10)], program=PROGRAM)
    assert arrays is not None
    bad_candidates = IndexPairs(client=np.array([0]), unit=np.array([5]))
    result = solve_arrays(arrays=arrays, weights=PROGRAM.weights, candidates=bad_candidates)
    assert [i.code for i in result.issues] == [IssueCode.BAD_ARRAYS]
    assert result.matched == 0


def test_unknown_mode_is_rejected() -> None:
    result = solve(
        clients=[_client(1)],
        units=[_unit(10)],
        program=PROGRAM,
        mode="fastest",  # type: ignore[arg-type]
    )
    assert [i.code for i in result.issues] == [IssueCode.UNKNOWN_MODE]
