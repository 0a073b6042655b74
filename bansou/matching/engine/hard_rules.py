"""Hard rules: which pairs may be matched at all, and why not."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .criteria import PAIR_RULES, Criterion, HardRule
from .encoding import ProfileArrays, rule_code
from .keys import unique
from .result import InputIssue, IssueCode

Int64s = NDArray[np.int64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class RuleIndex:
    """Hard-rule data arranged for fast checks.

    Clients with the same language set share a row of ``lang_ok``; the sparse forbidden
    pairs (conflicts, exclusions) are sorted by client with CSR offsets.
    """

    n_units: int
    lang_set: Int64s
    lang_ok: Bools
    lang_bad: Bools  # ~lang_ok
    unit_ready: Bools
    forbidden_unit: Int64s
    forbidden_rule: NDArray[np.int8]
    forbidden_start: Int64s
    forbidden_key: Int64s  # sorted unique client * n_units + unit


def build_rule_index(
    *, arrays: ProfileArrays, excluded_client: Int64s, excluded_unit: Int64s
) -> RuleIndex:
    """``excluded_*``: pairs the caller excludes for this run, on top of the arrays' own."""
    nu = arrays.n_units
    client_lang = arrays.bits[Criterion.LANGUAGE].client
    unit_lang = arrays.bits[Criterion.LANGUAGE].unit
    if client_lang.shape[1] == 1:
        flat = client_lang[:, 0]
        values = np.sort(flat)
        values = (
            values[np.concatenate([[True], values[1:] != values[:-1]])] if flat.size else values
        )
        sets, inverse = values[:, None], np.searchsorted(values, flat)
    elif arrays.n_clients:
        sets, inverse = np.unique(client_lang, axis=0, return_inverse=True)
    else:
        sets, inverse = client_lang, np.zeros(0, dtype=np.int64)
    lang_ok = np.zeros((sets.shape[0], nu), dtype=np.bool_)
    step = max(1, (1 << 22) // max(1, nu * sets.shape[1]))
    for lo in range(0, sets.shape[0], step):
        both = sets[lo : lo + step, None, :] & unit_lang[None, :, :]
        lang_ok[lo : lo + step] = both.any(axis=2)
    fc = np.concatenate([arrays.forbidden_client, excluded_client.astype(np.int64)])
    fu = np.concatenate([arrays.forbidden_unit, excluded_unit.astype(np.int64)])
    fr = np.concatenate(
        [
            arrays.forbidden_rule,
            np.full(excluded_client.shape[0], rule_code(rule=HardRule.EXCLUDED), dtype=np.int8),
        ]
    )
    order = np.lexsort((fr, fu, fc))
    fc, fu, fr = fc[order], fu[order], fr[order]
    start = np.searchsorted(fc, np.arange(arrays.n_clients + 1)).astype(np.int64)
    return RuleIndex(
        n_units=nu,
        lang_set=inverse.reshape(-1).astype(np.int64),
        lang_ok=lang_ok,
        lang_bad=~lang_ok,
        unit_ready=arrays.unit_ready.copy(),
        forbidden_unit=fu,
        forbidden_rule=fr,
        forbidden_start=start,
        forbidden_key=unique(keys=fc * nu + fu),
    )


def blocked_block(*, index: RuleIndex, start: int, stop: int) -> Bools:
    """(stop - start, units): True where a pair rule forbids the pair."""
    bad: Bools = np.take(index.lang_bad, index.lang_set[start:stop], axis=0)
    bad |= ~index.unit_ready[None, :]
    lo, hi = int(index.forbidden_start[start]), int(index.forbidden_start[stop])
    if hi > lo:
        rows = np.repeat(np.arange(stop - start), np.diff(index.forbidden_start[start : stop + 1]))
        bad[rows, index.forbidden_unit[lo:hi]] = True
    return bad


def candidate_flags(
    *,
    index: RuleIndex,
    n_clients: int,
    open_units: Bools,
    active: Bools,
    client: Int64s | None = None,
    unit: Int64s | None = None,
) -> tuple[Bools, Bools]:
    """Per client: some unit passes every pair rule / one of those has capacity left
    (active clients only). ``client``/``unit``: restrict to these pairs (sorted keys)."""
    has = np.zeros(n_clients, dtype=np.bool_)
    has_open = np.zeros(n_clients, dtype=np.bool_)
    if client is not None and unit is not None:
        ok = feasible_pairs(index=index, client=client, unit=unit)
        has[client[ok]] = True
        has_open[client[ok & open_units[unit]]] = True
        return has, has_open & active
    step = max(1, (1 << 22) // max(1, index.n_units))
    for start in range(0, n_clients, step):
        stop = min(n_clients, start + step)
        ok = ~blocked_block(index=index, start=start, stop=stop)
        has[start:stop] = ok.any(axis=1)
        has_open[start:stop] = (ok & open_units[None, :]).any(axis=1)
    return has, has_open & active


def feasible_pairs(*, index: RuleIndex, client: Int64s, unit: Int64s) -> Bools:
    """Pairs passing every pair rule; keys client * n_units + unit must be sorted."""
    ok: Bools = index.lang_ok[index.lang_set[client], unit] & index.unit_ready[unit]
    if index.forbidden_key.size and client.size:
        keys = client * index.n_units + unit
        pos = np.searchsorted(keys, index.forbidden_key)
        pos = pos[pos < keys.size]
        hit = pos[keys[pos] == index.forbidden_key[: pos.size]]
        ok[hit] = False
    return ok


def rule_table(*, index: RuleIndex, client: int) -> Bools:
    """(units, len(PAIR_RULES)): which pair rules each unit breaks for one client."""
    table = np.zeros((index.n_units, len(PAIR_RULES)), dtype=np.bool_)
    table[:, rule_code(rule=HardRule.LANGUAGE)] = ~index.lang_ok[index.lang_set[client]]
    table[:, rule_code(rule=HardRule.NOT_READY)] = ~index.unit_ready
    lo, hi = int(index.forbidden_start[client]), int(index.forbidden_start[client + 1])
    table[index.forbidden_unit[lo:hi], index.forbidden_rule[lo:hi]] = True
    return table


def pair_rules(*, index: RuleIndex, client: int, unit: int) -> tuple[HardRule, ...]:
    """Pair rules one pair breaks, in ``PAIR_RULES`` order."""
    row = rule_table(index=index, client=client)[unit]
    return tuple(rule for rule, broken in zip(PAIR_RULES, row.tolist(), strict=True) if broken)


def lock_issues(
    *,
    index: RuleIndex,
    client_ids: Int64s,
    unit_ids: Int64s,
    capacity: Int64s,
    client: Int64s,
    unit: Int64s,
) -> tuple[InputIssue, ...]:
    """Everything wrong with a set of locked pairs (indices), as structured issues."""
    issues: list[InputIssue] = []
    nc, nu = client_ids.shape[0], unit_ids.shape[0]
    seen: dict[int, int] = {}
    load: dict[int, int] = {}
    for c, u in zip(client.tolist(), unit.tolist(), strict=True):
        cid = int(client_ids[c]) if 0 <= c < nc else None
        uid = int(unit_ids[u]) if 0 <= u < nu else None
        if cid is None or uid is None:
            code = IssueCode.UNKNOWN_CLIENT if cid is None else IssueCode.UNKNOWN_UNIT
            issues.append(InputIssue(code=code, client_id=cid, unit_id=uid, detail="lock"))
            continue
        if c in seen:
            if seen[c] != u:
                issues.append(
                    InputIssue(code=IssueCode.LOCK_CLIENT_TWICE, client_id=cid, unit_id=uid)
                )
            continue
        seen[c] = u
        load[u] = load.get(u, 0) + 1
        broken = pair_rules(index=index, client=c, unit=u)
        if broken:
            issues.append(
                InputIssue(
                    code=IssueCode.LOCK_BREAKS_HARD_RULE, client_id=cid, unit_id=uid, rules=broken
                )
            )
    for u, n in sorted(load.items()):
        if n > int(capacity[u]):
            issues.append(
                InputIssue(
                    code=IssueCode.LOCK_OVER_CAPACITY,
                    unit_id=int(unit_ids[u]),
                    rules=(HardRule.CAPACITY,),
                    detail=f"{n} locked, capacity {int(capacity[u])}",
                )
            )
    return tuple(issues)
