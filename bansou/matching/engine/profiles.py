"""Input dataclasses: supporters, matching units (a supporter or a team), clients, program."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

from .criteria import Weights

ONLINE = "online"
IN_PERSON = "in_person"


@dataclass(frozen=True, slots=True)
class SupporterProfile:
    """One person who can accompany clients, alone or inside a team."""

    member_id: int
    specialties: frozenset[int] = frozenset()
    languages: frozenset[str] = frozenset()
    available_slots: frozenset[int] = frozenset()
    gender: str | None = None
    modes: frozenset[str] = frozenset({ONLINE, IN_PERSON})
    experience_level: int = 0
    area_ids: frozenset[int] = frozenset()
    school_ids: frozenset[int] = frozenset()
    conflict_school_ids: frozenset[int] = frozenset()
    conflict_client_ids: frozenset[int] = frozenset()
    completed_training_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class UnitProfile:
    """What the engine matches: one supporter or a team, with one remaining capacity."""

    unit_id: int
    capacity: int
    member_ids: tuple[int, ...] = ()
    specialties: frozenset[int] = frozenset()
    languages: frozenset[str] = frozenset()
    available_slots: frozenset[int] = frozenset()
    genders: frozenset[str] = frozenset()
    modes: frozenset[str] = frozenset({ONLINE, IN_PERSON})
    experience_level: int = 0
    area_ids: frozenset[int] = frozenset()
    school_ids: frozenset[int] = frozenset()
    conflict_school_ids: frozenset[int] = frozenset()
    conflict_client_ids: frozenset[int] = frozenset()
    completed_training_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class ClientProfile:
    """A person looking for a supporter. Empty sets / None mean "no preference"."""

    client_id: int
    needs: frozenset[int] = frozenset()
    languages: frozenset[str] = frozenset()
    preferred_slots: frozenset[int] = frozenset()
    preferred_gender: str | None = None
    preferred_mode: str | None = None
    previous_unit_id: int | None = None
    keep_previous: bool = False
    situation_level: int = 0
    area_id: int | None = None
    school_id: int | None = None
    excluded_unit_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class ProgramRules:
    weights: Weights
    required_training_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True, order=True)
class PairRef:
    client_id: int
    unit_id: int


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """Speed knobs. Whatever their values the result has the optimal matched count and total
    fit (ties may resolve differently); only a certificate still missing after
    ``max_rounds`` on more than ``fallback_pairs`` pairs leaves ``certified`` False.

    The first solve uses each client's ``top_k`` best pairs (None: 16 over all pairs,
    3 over a given candidate list) and each unit's capacity + ``unit_extra`` best clients;
    each later round adds up to ``added_per_client`` pairs per client among those that
    break the certificate or come within ``slack`` points of it.
    """

    top_k: int | None = None
    unit_extra: int = 16
    added_per_client: int = 4
    slack: int = 20  # below 192 (int16 certificate filter)
    # After the first solve, keep only pairs within keep_slack points of tight.
    keep_slack: int = 50
    # Below this many usable pairs the flow is solved on all of them, without pruning.
    prune_above_pairs: int = 200_000
    max_rounds: int = 50
    # After max_rounds without a certificate, solve on all usable pairs if at most this many.
    fallback_pairs: int = 20_000_000
    chunk_pairs: int = 1 << 22
    # All-pairs scores are kept in memory (int16) up to this size, else recomputed per round.
    dense_budget_bytes: int = 1 << 30


def _union(sets: Sequence[frozenset[int]]) -> frozenset[int]:
    return frozenset().union(*sets)


def build_unit(*, unit_id: int, members: Sequence[SupporterProfile], capacity: int) -> UnitProfile:
    """Combine member profiles into one matching unit.

    Specialties, languages, genders, areas and schools served are pooled (the team brings
    all of them); available slots and modes are intersected (a time or mode works only if
    every member can do it); conflicts are pooled; a training counts only when every member
    has completed it; experience is the most experienced member's.
    """
    if not members:
        return UnitProfile(unit_id=unit_id, capacity=capacity, modes=frozenset())
    slots = reduce(frozenset.intersection, (m.available_slots for m in members))
    modes = reduce(frozenset.intersection, (m.modes for m in members))
    trainings = reduce(frozenset.intersection, (m.completed_training_ids for m in members))
    return UnitProfile(
        unit_id=unit_id,
        capacity=capacity,
        member_ids=tuple(sorted(m.member_id for m in members)),
        specialties=_union([m.specialties for m in members]),
        languages=frozenset().union(*(m.languages for m in members)),
        available_slots=slots,
        genders=frozenset(m.gender for m in members if m.gender is not None),
        modes=modes,
        experience_level=max(m.experience_level for m in members),
        area_ids=_union([m.area_ids for m in members]),
        school_ids=_union([m.school_ids for m in members]),
        conflict_school_ids=_union([m.conflict_school_ids for m in members]),
        conflict_client_ids=_union([m.conflict_client_ids for m in members]),
        completed_training_ids=trainings,
    )
