"""Benchmark of the matching engine against a full min-cost flow and a greedy baseline.

    python bench/matching.py --clients N --supporters M [--candidates K] [--seed S] --json

Generates a feature-based instance (see ``generate``), writes it to a temporary file, then
runs the engine, the reference and the greedy baseline each in its own subprocess so that
``peak_mb`` (ru_maxrss of that subprocess: interpreter, libraries, the loaded instance and
the run) belongs to one method only. Times start from the loaded profile arrays and include
scoring; instance generation and loading are excluded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

if __package__ in (None, ""):
    # run as a script from a checkout: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bansou.matching.engine.bitsets import pack_bool
from bansou.matching.engine.criteria import (
    BITSET_CRITERIA,
    MAX_SCORE,
    Criterion,
    HardRule,
    Weights,
)
from bansou.matching.engine.encoding import CriterionBits, ProfileArrays, rule_code

REFERENCE_MAX_PAIRS = 100_000_000
WEIGHTS = Weights(
    need=8, language=5, time=6, gender=3, mode=4, continuity=6, experience=5, school=4, area=3
)
LANGUAGES = ("ja", "en", "zh", "ko", "vi", "ne", "pt", "tl")
N_TAGS, N_SLOTS, N_AREAS, N_SCHOOLS, N_LEVELS = 40, 21, 47, 300, 4
GENDERS = ("female", "male", "other")
MODES = ("in_person", "online")

Bools = NDArray[np.bool_]
Int64s = NDArray[np.int64]


def _zipf(n: int, s: float) -> NDArray[np.float64]:
    p = 1.0 / np.arange(1, n + 1) ** s
    return np.asarray(p / p.sum(), dtype=np.float64)


def _pick(rng: np.random.Generator, rows: int, n: int, p: NDArray[np.float64], k: Int64s) -> Bools:
    """Each row gets k[row] draws (with replacement) from a categorical p."""
    draws = rng.choice(n, size=(rows, int(k.max(initial=1))), p=p)
    out = np.zeros((rows, n), dtype=np.bool_)
    r = np.repeat(np.arange(rows), draws.shape[1]).reshape(draws.shape)
    mask = np.arange(draws.shape[1])[None, :] < k[:, None]
    out[r[mask], draws[mask]] = True
    return out


def _slots(rng: np.random.Generator, rows: int, kind: Int64s, lo: int, hi: int) -> Bools:
    # kinds: 0 evenings and weekends, 1 weekday daytime, 2 anytime
    day = np.arange(N_SLOTS) // 3
    period = np.arange(N_SLOTS) % 3
    weekend = day >= 5
    base = np.stack(
        [
            np.where(weekend | (period == 2), 1.0, 0.08),
            np.where(~weekend & (period < 2), 1.0, 0.1),
            np.full(N_SLOTS, 0.6),
        ]
    )
    out = np.zeros((rows, N_SLOTS), dtype=np.bool_)
    n = rng.integers(lo, hi + 1, size=rows)
    for t in range(3):
        idx = np.flatnonzero(kind == t)
        if idx.size == 0:
            continue
        keys = rng.random((idx.size, N_SLOTS)) ** (1.0 / base[t])
        order = np.argsort(-keys, axis=1)
        take = np.arange(N_SLOTS)[None, :] < n[idx, None]
        out[np.repeat(idx, N_SLOTS).reshape(-1, N_SLOTS)[take], order[take]] = True
    return out


def generate(
    *, n_clients: int, n_units: int, seed: int, k: int | None
) -> tuple[ProfileArrays, tuple[Int64s, Int64s] | None, int]:
    """A feature-based instance: clients and supporters drawn from skewed populations
    (areas by population, popular needs, Japanese plus other languages, evening or daytime
    availability), 20% of units are pairs, capacities 1..10, and the hard rules of a real
    program (languages, conflicts at schools, missing trainings, excluded pairs)."""
    rng = np.random.default_rng(seed)
    area_p = _zipf(N_AREAS, 1.0)
    school_area = rng.choice(N_AREAS, size=N_SCHOOLS, p=area_p)
    tag_p = _zipf(N_TAGS, 0.8)
    intl_tags = np.zeros(N_TAGS)
    intl_tags[:6] = 1.0
    intl_p = 0.5 * tag_p + 0.5 * intl_tags / intl_tags.sum()

    # clients
    nc = n_clients
    intl = rng.random(nc) < 0.2
    needs = np.zeros((nc, N_TAGS), dtype=np.bool_)
    nk = rng.integers(1, 4, size=nc)
    needs[~intl] = _pick(rng, int((~intl).sum()), N_TAGS, tag_p, nk[~intl])
    needs[intl] = _pick(rng, int(intl.sum()), N_TAGS, intl_p, nk[intl])
    c_lang = np.zeros((nc, len(LANGUAGES)), dtype=np.bool_)
    own = rng.choice([1, 2, 3, 4, 5], size=nc, p=[0.15, 0.4, 0.1, 0.2, 0.15])
    c_lang[intl, own[intl]] = True
    c_lang[:, 0] = ~intl | (rng.random(nc) < 0.6)
    c_lang[:, 1] |= (intl & (rng.random(nc) < 0.3)) | (~intl & (rng.random(nc) < 0.05))
    c_slots = _slots(rng, nc, rng.choice(3, size=nc, p=[0.6, 0.25, 0.15]), 2, 6)
    c_gender = np.zeros((nc, len(GENDERS)), dtype=np.bool_)
    wants = rng.random(nc) < 0.25
    c_gender[wants, np.where(rng.random(nc) < 0.8, 0, 1)[wants]] = True
    c_mode = np.zeros((nc, 2), dtype=np.bool_)
    mode_draw = rng.random(nc)
    c_mode[mode_draw < 0.25, 0] = True
    c_mode[(mode_draw >= 0.25) & (mode_draw < 0.6), 1] = True
    level = rng.choice(5, size=nc, p=[0.4, 0.3, 0.15, 0.1, 0.05])
    c_exp = np.arange(1, N_LEVELS + 1)[None, :] <= level[:, None]
    c_area_id = rng.choice(N_AREAS, size=nc, p=area_p)
    c_area = np.zeros((nc, N_AREAS), dtype=np.bool_)
    c_area[np.arange(nc), c_area_id] = rng.random(nc) < 0.9
    student = rng.random(nc) < 0.25
    c_school_id = np.full(nc, -1)
    schools_by_area = [np.flatnonzero(school_area == a) for a in range(N_AREAS)]
    for a in range(N_AREAS):
        idx = np.flatnonzero(student & (c_area_id == a))
        if idx.size and schools_by_area[a].size:
            c_school_id[idx] = rng.choice(schools_by_area[a], size=idx.size)
    c_school = np.zeros((nc, N_SCHOOLS), dtype=np.bool_)
    has_school = c_school_id >= 0
    c_school[np.flatnonzero(has_school), c_school_id[has_school]] = True

    # members, then units (20% are pairs of members from one area)
    nu = n_units
    pair = rng.random(nu) < 0.2
    nm = nu + int(pair.sum())
    spec = _pick(rng, nm, N_TAGS, 0.6 * tag_p + 0.4 / N_TAGS, rng.integers(2, 7, size=nm))
    intl_spec = rng.random(nm) < 0.15
    spec[intl_spec, rng.integers(0, 6, size=nm)[intl_spec]] = True
    m_lang = rng.random((nm, len(LANGUAGES))) < np.array(
        [0.97, 0.3, 0.08, 0.04, 0.03, 0.01, 0.02, 0.01]
    )
    m_lang[~m_lang.any(axis=1), 0] = True
    m_slots = _slots(rng, nm, rng.choice(3, size=nm, p=[0.5, 0.35, 0.15]), 3, 10)
    m_gender = rng.choice(3, size=nm, p=[0.65, 0.33, 0.02])
    m_mode = rng.random((nm, 2)) < np.array([0.65, 0.9])
    m_mode[~m_mode.any(axis=1), 1] = True
    m_level = rng.choice(5, size=nm, p=[0.1, 0.3, 0.3, 0.2, 0.1])
    m_area_id = rng.choice(N_AREAS, size=nm, p=area_p)
    m_area = np.zeros((nm, N_AREAS), dtype=np.bool_)
    m_area[np.arange(nm), m_area_id] = True
    second = rng.random(nm) < 0.2
    m_area[
        np.flatnonzero(second), np.clip(m_area_id + rng.choice([-1, 1], size=nm), 0, 46)[second]
    ] = True
    m_school = np.zeros((nm, N_SCHOOLS), dtype=np.bool_)
    m_conflict = np.full(nm, -1)
    for a in range(N_AREAS):
        idx = np.flatnonzero(m_area_id == a)
        if idx.size == 0 or schools_by_area[a].size == 0:
            continue
        serve = idx[rng.random(idx.size) < 0.1]
        for j in range(3):
            pick = serve[rng.random(serve.size) < (1.0 if j == 0 else 0.4)]
            m_school[pick, rng.choice(schools_by_area[a], size=pick.size)] = True
        teach = idx[rng.random(idx.size) < 0.03]
        m_conflict[teach] = rng.choice(schools_by_area[a], size=teach.size)
    m_ready = rng.random(nm) < 0.95
    # pair partners: the second member takes the first's home area
    first = np.arange(nu)
    partner = np.full(nu, -1)
    partner[pair] = nu + np.arange(int(pair.sum()))
    m_area[partner[pair]] = m_area[first[pair]]

    def pool(x: Bools) -> Bools:
        out = x[first].copy()
        out[pair] |= x[partner[pair]]
        return out

    def common(x: Bools) -> Bools:
        out = x[first].copy()
        out[pair] &= x[partner[pair]]
        return out

    g1 = np.eye(3, dtype=np.bool_)[m_gender]
    u_exp_level = m_level[first].copy()
    u_exp_level[pair] = np.maximum(u_exp_level[pair], m_level[partner[pair]])
    units_bits = {
        Criterion.NEED: pool(spec),
        Criterion.LANGUAGE: pool(m_lang),
        Criterion.TIME: common(m_slots),
        Criterion.GENDER: pool(g1),
        Criterion.MODE: common(m_mode),
        Criterion.EXPERIENCE: np.arange(1, N_LEVELS + 1)[None, :] <= u_exp_level[:, None],
        Criterion.SCHOOL: pool(m_school),
        Criterion.AREA: pool(m_area),
    }
    client_bits = {
        Criterion.NEED: needs,
        Criterion.LANGUAGE: c_lang,
        Criterion.TIME: c_slots,
        Criterion.GENDER: c_gender,
        Criterion.MODE: c_mode,
        Criterion.EXPERIENCE: c_exp,
        Criterion.SCHOOL: c_school,
        Criterion.AREA: c_area,
    }
    ready = m_ready[first].copy()
    ready[pair] &= m_ready[partner[pair]]
    capacity = rng.integers(1, 11, size=nu)
    unit_area = m_area_id[first]

    # conflicts: a unit with a member teaching at a client's school
    conflict_school = np.full((nu, 2), -1)
    conflict_school[:, 0] = m_conflict[first]
    conflict_school[pair, 1] = m_conflict[partner[pair]]
    f_client: list[Int64s] = []
    f_unit: list[Int64s] = []
    f_rule: list[Int64s] = []
    for col in range(2):
        for u in np.flatnonzero(conflict_school[:, col] >= 0):
            cs = np.flatnonzero(c_school_id == conflict_school[u, col])
            f_client.append(cs)
            f_unit.append(np.full(cs.size, u))
            f_rule.append(np.full(cs.size, rule_code(rule=HardRule.CONFLICT)))
    # previous supporters: some kept, some excluded after a quiet re-match request
    previous = np.full(nc, -1)
    has_prev = rng.random(nc) < 0.1
    units_by_area = [np.flatnonzero(unit_area == a) for a in range(N_AREAS)]
    for a in range(N_AREAS):
        idx = np.flatnonzero(has_prev & (c_area_id == a))
        if idx.size and units_by_area[a].size:
            previous[idx] = rng.choice(units_by_area[a], size=idx.size)
    keep = (previous >= 0) & (rng.random(nc) < 0.6)
    quiet = (previous >= 0) & ~keep & (rng.random(nc) < 0.3)
    f_client.append(np.flatnonzero(quiet))
    f_unit.append(previous[quiet])
    f_rule.append(np.full(int(quiet.sum()), rule_code(rule=HardRule.EXCLUDED)))

    bits = {
        c: CriterionBits(
            client=pack_bool(matrix=client_bits[c]),
            unit=pack_bool(matrix=units_bits[c]),
            vocabulary=tuple(range(client_bits[c].shape[1])),
        )
        for c in BITSET_CRITERIA
    }
    arrays = ProfileArrays(
        client_ids=np.arange(1, nc + 1, dtype=np.int64),
        unit_ids=np.arange(1, nu + 1, dtype=np.int64),
        capacity=capacity.astype(np.int64),
        bits=bits,
        previous_unit=previous.astype(np.int64),
        keep_previous=keep,
        unit_ready=ready,
        forbidden_client=np.concatenate(f_client).astype(np.int64),
        forbidden_unit=np.concatenate(f_unit).astype(np.int64),
        forbidden_rule=np.concatenate(f_rule).astype(np.int8),
    )
    teams = int(pair.sum())
    if k is None:
        return arrays, None, teams
    # candidate lists: K units among the 3K nearest by area (areas ordered north to south)
    cand_c: list[Int64s] = []
    cand_u: list[Int64s] = []
    k_eff = min(k, nu)
    pool_n = min(nu, 3 * k_eff)
    for a in range(N_AREAS):
        idx = np.flatnonzero(c_area_id == a)
        if idx.size == 0:
            continue
        near = np.argsort(np.abs(unit_area - a) + rng.random(nu), kind="stable")[:pool_n]
        choice = np.argsort(rng.random((idx.size, pool_n)), axis=1)[:, :k_eff]
        cand_c.append(np.repeat(idx, k_eff))
        cand_u.append(near[choice].reshape(-1))
    return arrays, (np.concatenate(cand_c), np.concatenate(cand_u)), teams


def save(path: Path, arrays: ProfileArrays, cand: tuple[Int64s, Int64s] | None) -> None:
    data: dict[str, Any] = {
        "client_ids": arrays.client_ids,
        "unit_ids": arrays.unit_ids,
        "capacity": arrays.capacity,
        "previous_unit": arrays.previous_unit,
        "keep_previous": arrays.keep_previous,
        "unit_ready": arrays.unit_ready,
        "forbidden_client": arrays.forbidden_client,
        "forbidden_unit": arrays.forbidden_unit,
        "forbidden_rule": arrays.forbidden_rule,
    }
    for c in BITSET_CRITERIA:
        data[f"{c.value}_client"] = arrays.bits[c].client
        data[f"{c.value}_unit"] = arrays.bits[c].unit
        data[f"{c.value}_items"] = np.array(len(arrays.bits[c].vocabulary))
    if cand is not None:
        data["cand_client"], data["cand_unit"] = cand
    np.savez(path, **data)


def load(path: Path) -> tuple[ProfileArrays, tuple[Int64s, Int64s] | None]:
    d = np.load(path)
    bits = {
        c: CriterionBits(
            client=d[f"{c.value}_client"],
            unit=d[f"{c.value}_unit"],
            vocabulary=tuple(range(int(d[f"{c.value}_items"]))),
        )
        for c in BITSET_CRITERIA
    }
    arrays = ProfileArrays(
        client_ids=d["client_ids"],
        unit_ids=d["unit_ids"],
        capacity=d["capacity"],
        bits=bits,
        previous_unit=d["previous_unit"],
        keep_previous=d["keep_previous"],
        unit_ready=d["unit_ready"],
        forbidden_client=d["forbidden_client"],
        forbidden_unit=d["forbidden_unit"],
        forbidden_rule=d["forbidden_rule"],
    )
    cand = (d["cand_client"], d["cand_unit"]) if "cand_client" in d else None
    return arrays, cand


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_engine(arrays: ProfileArrays, cand: tuple[Int64s, Int64s] | None) -> dict[str, Any]:
    from bansou.matching.engine import IndexPairs, solve_arrays

    candidates = None if cand is None else IndexPairs(client=cand[0], unit=cand[1])
    t0 = time.perf_counter()
    result = solve_arrays(arrays=arrays, weights=WEIGHTS, candidates=candidates)
    elapsed = time.perf_counter() - t0
    return {
        "matched": result.matched,
        "score": result.total_score,
        "time_s": round(elapsed, 3),
        "certified": result.certified,
        "rounds": result.stats.rounds,
        "pairs_scored": result.stats.pairs_scored,
        "usable_pairs": result.stats.candidate_pairs,
        "solved_pairs": result.stats.pruned_pairs,
    }


def _usable_pairs(
    arrays: ProfileArrays, cand: tuple[Int64s, Int64s] | None
) -> tuple[Int64s, Int64s, Int64s]:
    """All pairs passing the hard rules with capacity, scored by the bitset kernel
    (not the engine's matrix-product path)."""
    from bansou.matching.engine import score_pairs
    from bansou.matching.engine.hard_rules import build_rule_index, feasible_pairs
    from bansou.matching.engine.scoring import build_score_model

    none = np.zeros(0, dtype=np.int64)
    index = build_rule_index(arrays=arrays, excluded_client=none, excluded_unit=none)
    model = build_score_model(arrays=arrays, weights=WEIGHTS)
    nu = arrays.n_units
    open_units = arrays.capacity > 0
    cs: list[Int64s] = []
    us: list[Int64s] = []
    ss: list[Int64s] = []
    if cand is None:
        step = max(1, (1 << 22) // nu)
        blocks = [
            np.divmod(np.arange(lo * nu, min(arrays.n_clients, lo + step) * nu), nu)
            for lo in range(0, arrays.n_clients, step)
        ]
    else:
        keys = np.sort(cand[0] * nu + cand[1])
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
        blocks = [np.divmod(keys, nu)]
    for c, u in blocks:
        ok = feasible_pairs(index=index, client=c, unit=u) & open_units[u]
        c, u = c[ok], u[ok]
        cs.append(c)
        us.append(u)
        ss.append(score_pairs(model=model, client=c, unit=u))
    return np.concatenate(cs), np.concatenate(us), np.concatenate(ss)


def run_reference(arrays: ProfileArrays, cand: tuple[Int64s, Int64s] | None) -> dict[str, Any]:
    """One OR-Tools min-cost flow over every usable pair: max flow, then min cost."""
    from ortools.graph.python import min_cost_flow

    t0 = time.perf_counter()
    c, u, s = _usable_pairs(arrays, cand)
    nc, nu = arrays.n_clients, arrays.n_units
    source, sink = nc + nu, nc + nu + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([np.full(nc, source), c, nc + np.arange(nu)]).astype(np.int32)
    heads = np.concatenate([np.arange(nc), nc + u, np.full(nu, sink)]).astype(np.int32)
    caps = np.concatenate([np.ones(nc + c.size, dtype=np.int64), arrays.capacity])
    costs = np.concatenate([np.zeros(nc), MAX_SCORE - s, np.zeros(nu)]).astype(np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(source, nc)
    flow.set_node_supply(sink, -nc)
    status = flow.solve_max_flow_with_min_cost()
    used = flow.flows(np.arange(nc, nc + c.size, dtype=np.int32)) > 0
    elapsed = time.perf_counter() - t0
    assert status == flow.OPTIMAL, status
    return {
        "matched": int(used.sum()),
        "score": int(s[used].sum()),
        "time_s": round(elapsed, 3),
        "pairs": int(c.size),
    }


def run_greedy(arrays: ProfileArrays, cand: tuple[Int64s, Int64s] | None) -> dict[str, Any]:
    """Best pairs first (ties by client, then unit), skipping full units and taken clients.
    Scored with the engine's dense path (all pairs) or the bitset kernel (candidates)."""
    from bansou.matching.engine.hard_rules import blocked_block, build_rule_index
    from bansou.matching.engine.scoring import (
        build_score_model,
        dense_plan,
        fine_block,
        round_into,
    )

    t0 = time.perf_counter()
    nc, nu = arrays.n_clients, arrays.n_units
    if cand is None:
        none = np.zeros(0, dtype=np.int64)
        index = build_rule_index(arrays=arrays, excluded_client=none, excluded_unit=none)
        model = build_score_model(arrays=arrays, weights=WEIGHTS)
        plan = dense_plan(model=model, n_units=nu)
        matrix = np.empty((nc, nu), dtype=np.int16)
        step = max(1, (1 << 20) // nu)
        for lo in range(0, nc, step):
            hi = min(nc, lo + step)
            block = matrix[lo:hi]
            round_into(plan=plan, fine=fine_block(plan=plan, start=lo, stop=hi), out=block)
            block[blocked_block(index=index, start=lo, stop=hi)] = -1
            block[:, arrays.capacity <= 0] = -1
        pairs = None
    else:
        matrix = None
        pairs = _usable_pairs(arrays, cand)
    free = np.ones(nc, dtype=np.bool_)
    left = arrays.capacity.copy()
    matched = score = 0
    band = 50
    for top in range(MAX_SCORE, -1, -band):
        if not free.any() or not (left > 0).any():
            break
        lo_score = max(0, top - band + 1)
        if matrix is not None:
            cs: list[Int64s] = []
            us: list[Int64s] = []
            step = max(1, (1 << 22) // nu)
            for lo in range(0, nc, step):
                blk = matrix[lo : lo + step]
                hit = (blk >= lo_score) & (blk <= top) & free[lo : lo + step, None]
                hit &= (left > 0)[None, :]
                r, q = np.nonzero(hit)
                cs.append(r + lo)
                us.append(q)
            c = np.concatenate(cs)
            u = np.concatenate(us)
            s = matrix[c, u].astype(np.int64)
        else:
            assert pairs is not None
            pc, pu, ps = pairs
            sel = (ps >= lo_score) & (ps <= top) & free[pc] & (left[pu] > 0)
            c, u, s = pc[sel], pu[sel], ps[sel]
        order = np.lexsort((u, c, -s))
        c, u, s = c[order], u[order], s[order]
        for lo in range(0, c.size, 4096):
            cc, uu, sc = c[lo : lo + 4096], u[lo : lo + 4096], s[lo : lo + 4096]
            ok = free[cc] & (left[uu] > 0)
            for ci, ui, si in zip(cc[ok].tolist(), uu[ok].tolist(), sc[ok].tolist(), strict=True):
                if free[ci] and left[ui] > 0:
                    free[ci] = False
                    left[ui] -= 1
                    matched += 1
                    score += si
    elapsed = time.perf_counter() - t0
    return {"matched": matched, "score": score, "time_s": round(elapsed, 3)}


def child(role: str, path: Path) -> None:
    arrays, cand = load(path)
    baseline = _peak_mb()
    run = {"engine": run_engine, "reference": run_reference, "greedy": run_greedy}[role]
    out = run(arrays, cand)
    out["peak_mb"] = _peak_mb()
    out["baseline_mb"] = baseline
    print(json.dumps(out))


def _spawn(role: str, path: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--role", role, "--instance", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int)
    parser.add_argument("--supporters", type=int, help="matching units (20%% are pairs)")
    parser.add_argument("--candidates", type=int, default=None, help="K nearby units per client")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--skip", default="", help="comma list of reference,greedy to skip")
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--instance", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        child(args.role, args.instance)
        return
    if args.clients is None or args.supporters is None:
        parser.error("--clients and --supporters are required")
    arrays, cand, teams = generate(
        n_clients=args.clients, n_units=args.supporters, seed=args.seed, k=args.candidates
    )
    pairs = args.clients * args.supporters if cand is None else int(cand[0].size)
    skip = set(filter(None, args.skip.split(",")))
    out: dict[str, Any] = {
        "clients": args.clients,
        "supporters": args.supporters,
        "teams": teams,
        "slots": int(arrays.capacity.sum()),
        "candidates": args.candidates,
        "seed": args.seed,
        "pairs": pairs,
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "instance.npz"
        save(path, arrays, cand)
        engine = _spawn("engine", path)
        out.update(engine)
        ref: dict[str, Any] | None = None
        if pairs <= REFERENCE_MAX_PAIRS and "reference" not in skip:
            ref = _spawn("reference", path)
        for key in ("matched", "score", "time_s", "peak_mb"):
            out[f"reference_{key}"] = None if ref is None else ref[key]
        greedy = None if "greedy" in skip else _spawn("greedy", path)
        for key in ("matched", "score", "time_s", "peak_mb"):
            out[f"greedy_{key}"] = None if greedy is None else greedy[key]
    out["equal_to_reference"] = (
        None
        if ref is None
        else (ref["matched"], ref["score"]) == (engine["matched"], engine["score"])
    )
    if greedy is not None and engine["score"]:
        out["greedy_gap_pct"] = round(100 * (1 - greedy["score"] / engine["score"]), 2)
    out["peak_mb_method"] = "ru_maxrss of a subprocess per method, incl. imports and instance"
    out["cpu_count"] = os.cpu_count()
    if args.json:
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
