"""Benchmark of the open-times engine for a pool of counsellors ("any counsellor").

    python bench/availability.py [--counsellors 50] [--sessions 5000] [--runs 20] [--seed S]
                                 [--database-url URL] [--profile N] --json

Builds a fresh test database (Django's test-database creation: an in-memory SQLite
database by default, or ``test_<name>`` next to the PostgreSQL database named by
``--database-url``, dropped afterwards) holding a career centre: counsellors with weekday
office hours and a lunch break, some with evenings or Saturdays, days off, half days off
and extra hours, booking limits, the organisation's closures, Golden Week holidays and
existing sessions with their calendar blocks (10% cancelled) over the eight weeks that
clients can book. It then times ``open_times(mode="pool")`` over those eight weeks
(median and p95 of ``--runs`` runs after one warm-up) with its query count, and in the
same run two baselines: ``Session.objects.count()`` and ``open_times`` for one counsellor
over one week. Data generation is excluded from every figure. ``--profile N`` adds a
cProfile of the pool calls (the N functions with the most cumulative time, on stderr).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a script from a checkout: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TOKYO = datetime.timezone(datetime.timedelta(hours=9))
# Monday 26 April 2027, 09:00: the eight weeks hold Golden Week (29 April, 3–5 May).
NOW = datetime.datetime(2027, 4, 26, 9, 0, tzinfo=TOKYO)
WEEKS = 8


# Django and the models are imported inside the functions below: the database URL and the
# settings module must be chosen before Django loads.
def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansou.settings.test")
    import django

    django.setup()


def _t(hhmm: str) -> datetime.time:
    return datetime.time.fromisoformat(hhmm)


def _weekly_rules(rng: random.Random) -> list[tuple[int, str, str]]:
    """(weekday, from, until) for one counsellor: office hours with a lunch break."""
    profile = rng.random()
    rules: list[tuple[int, str, str]] = []
    if profile < 0.6:  # full time, one weekday off
        off = rng.randrange(5)
        for wd in range(5):
            if wd != off:
                rules += [(wd, "09:00", "12:00"), (wd, "13:00", "17:00")]
    elif profile < 0.85:  # late shift with evenings
        for wd in range(5):
            rules += [(wd, "10:00", "12:30"), (wd, "13:30", "18:00")]
        rules += [(1, "18:30", "21:00"), (3, "18:30", "21:00")]
    else:  # part time and Saturdays
        for wd in rng.sample(range(5), 3):
            rules.append((wd, "13:00", "17:00"))
        rules.append((5, "10:00", "15:00"))
    return rules


def build(*, counsellors: int, sessions: int, seed: int) -> dict[str, Any]:
    """The career centre; returns what the timed runs need."""
    from bansou.accounts.models import User
    from bansou.engagements.models import CalendarBlock, Engagement, Session
    from bansou.orgs.models import Organization
    from bansou.programs.models import Program
    from bansou.scheduling.models import (
        AppointmentType,
        AvailabilityException,
        AvailabilityRule,
        BookingLimits,
        Closure,
    )

    rng = random.Random(seed)
    org = Organization.objects.create(name="キャリアセンター", slug="career-centre")
    program = Program.objects.create(
        organization=org,
        name="個別相談",
        slug="consultations",
        kind=Program.Kind.APPOINTMENTS,
        starts_on=datetime.date(2027, 4, 1),
        ends_on=datetime.date(2028, 3, 31),
    )
    kind = AppointmentType.objects.create(
        organization=org,
        program=program,
        name="30分相談",
        duration_minutes=30,
        mode=AppointmentType.Mode.ONLINE,
        buffer_after_minutes=10,
        min_notice_hours=24,
        max_days_ahead=7 * WEEKS,
    )
    people = User.objects.bulk_create(
        [
            User(email=f"counsellor{n}@example.test", given_name=f"相談員{n}", password="!")
            for n in range(counsellors)
        ]
    )
    clients = User.objects.bulk_create(
        [
            User(email=f"student{n}@example.test", given_name=f"学生{n}", password="!")
            for n in range(max(1, sessions // 5))
        ]
    )
    first_day = NOW.date()
    days = [first_day + datetime.timedelta(days=n) for n in range(7 * WEEKS)]
    rules, exceptions, limits = [], [], []
    weekly: dict[int, list[tuple[int, str, str]]] = {}
    for person in people:
        weekly[person.pk] = _weekly_rules(rng)
        rules += [
            AvailabilityRule(
                organization=org, user=person, weekday=wd, starts_at=_t(a), ends_at=_t(b)
            )
            for wd, a, b in weekly[person.pk]
        ]
        for day in rng.sample(days, 3):
            exceptions.append(
                AvailabilityException(organization=org, user=person, day=day, kind="off")
            )
        for day in rng.sample(days, 2):
            exceptions.append(
                AvailabilityException(
                    organization=org,
                    user=person,
                    day=day,
                    kind="off",
                    starts_at=_t("13:00"),
                    ends_at=_t("17:00"),
                    note="研修",
                )
            )
        for day in rng.sample(days, 2):
            exceptions.append(
                AvailabilityException(
                    organization=org,
                    user=person,
                    day=day,
                    kind="extra",
                    starts_at=_t("18:00"),
                    ends_at=_t("20:00"),
                )
            )
        if rng.random() < 0.8:
            limits.append(
                BookingLimits(
                    organization=org,
                    user=person,
                    per_day=rng.randint(4, 8),
                    per_week=rng.randint(18, 30),
                    per_month=rng.randint(60, 100),
                )
            )
    AvailabilityRule.objects.bulk_create(rules)
    AvailabilityException.objects.bulk_create(exceptions)
    BookingLimits.objects.bulk_create(limits)
    Closure.objects.bulk_create(
        [
            Closure(
                organization=org,
                name="創立記念日",
                starts_on=datetime.date(2027, 5, 21),
                ends_on=datetime.date(2027, 5, 21),
            ),
            Closure(
                organization=org,
                name="学園祭",
                starts_on=datetime.date(2027, 6, 4),
                ends_on=datetime.date(2027, 6, 5),
            ),
        ]
    )
    engagements = Engagement.objects.bulk_create(
        [
            Engagement(
                organization=org,
                program=program,
                client=client,
                supporter=people[n % counsellors],
                status=Engagement.Status.ACTIVE,
            )
            for n, client in enumerate(clients)
        ]
    )
    by_counsellor: dict[int, list[Engagement]] = {}
    for engagement in engagements:
        by_counsellor.setdefault(engagement.supporter_id or 0, []).append(engagement)
    # Sessions on a 30-minute grid inside each counsellor's weekly hours, never overlapping.
    planned: list[tuple[Engagement, datetime.datetime, datetime.datetime, bool]] = []
    per_person = sessions // counsellors
    for index, person in enumerate(people):
        want = per_person + (1 if index < sessions % counsellors else 0)
        candidates = [
            datetime.datetime.combine(day, _t(a), tzinfo=TOKYO) + datetime.timedelta(minutes=m)
            for day in days
            for wd, a, b in weekly[person.pk]
            if wd == day.weekday()
            for m in range(0, (_minutes(b) - _minutes(a)) - 29, 30)
        ]
        rng.shuffle(candidates)
        taken: list[tuple[datetime.datetime, datetime.datetime]] = []
        for start in candidates:
            if len(taken) == want:
                break
            end = start + datetime.timedelta(minutes=rng.choice([30, 30, 40, 60]))
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            planned.append((rng.choice(by_counsellor[person.pk]), start, end, rng.random() < 0.1))
    created = Session.objects.bulk_create(
        [
            Session(
                organization=org,
                engagement=engagement,
                starts_at=start,
                ends_at=end,
                status=Session.Status.CANCELLED if cancelled else Session.Status.SCHEDULED,
            )
            for engagement, start, end, cancelled in planned
        ]
    )
    CalendarBlock.objects.bulk_create(
        [
            CalendarBlock(
                organization=org,
                user_id=session.engagement.supporter_id or 0,
                session=session,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                is_active=session.status != Session.Status.CANCELLED,
            )
            for session in created
        ]
    )
    kind = AppointmentType.objects.select_related("program__organization", "organization").get(
        pk=kind.pk
    )
    return {
        "organization": org,
        "kind": kind,
        "counsellor_ids": [p.pk for p in people],
        "rules": len(rules),
        "exceptions": len(exceptions),
        "sessions": len(created),
    }


def _minutes(hhmm: str) -> int:
    hh, mm = hhmm.split(":")
    return int(hh) * 60 + int(mm)


@contextmanager
def _counting() -> Iterator[dict[str, float]]:
    """Counts the queries run inside and the time the database took for them."""
    from django.db import connection

    stats = {"queries": 0, "db_ms": 0.0}

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            stats["queries"] += 1
            stats["db_ms"] += (time.perf_counter() - t0) * 1000

    with connection.execute_wrapper(wrapper):
        yield stats


def _time(run: Callable[[], object], runs: int) -> dict[str, Any]:
    run()  # warm-up: imports, caches, the database's own caches
    times, queries, db_ms = [], 0, []
    result: object = None
    for _ in range(runs):
        with _counting() as stats:
            t0 = time.perf_counter()
            result = run()
            times.append((time.perf_counter() - t0) * 1000)
        queries = int(stats["queries"])
        db_ms.append(stats["db_ms"])
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(p95, 2),
        "db_median_ms": round(statistics.median(db_ms), 2),
        "queries": queries,
        "result": result,
    }


def profile(data: dict[str, Any], runs: int, top: int) -> str:
    """cProfile of ``runs`` pool calls (after the timed ones): the ``top`` functions by
    cumulative time."""
    from django_scopes import scope

    from bansou.engagements.selectors.booking import open_times

    profiler = cProfile.Profile()
    with scope(organization=data["organization"]):
        for _ in range(runs):
            profiler.enable()
            open_times(
                appointment_type=data["kind"],
                supporter_ids=data["counsellor_ids"],
                mode="pool",
                now=NOW,
                days=7 * WEEKS,
            )
            profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def measure(data: dict[str, Any], runs: int) -> dict[str, Any]:
    from django_scopes import scope

    from bansou.engagements.models import Session
    from bansou.engagements.selectors.booking import open_times

    kind, ids = data["kind"], data["counsellor_ids"]

    def pool(n: int, days: int) -> Callable[[], list[Any]]:
        return lambda: open_times(
            appointment_type=kind, supporter_ids=ids[:n], mode="pool", now=NOW, days=days
        )

    out: dict[str, Any] = {}
    with scope(organization=data["organization"]):
        main = _time(pool(len(ids), 7 * WEEKS), runs)
        slots = main.pop("result")
        out.update({f"pool_{k}": v for k, v in main.items()})
        out["open_times"] = len(slots)
        out["open_days"] = len({s.day for s in slots})
        out["mean_free_per_time"] = round(
            statistics.mean(len(s.supporter_ids) for s in slots) if slots else 0.0, 2
        )
        one = _time(pool(1, 7), runs)
        one.pop("result")
        out.update({f"baseline_one_week_{k}": v for k, v in one.items()})
        count = _time(lambda: Session.objects.count(), runs)
        count.pop("result")
        out.update({f"baseline_count_{k}": v for k, v in count.items()})
        out["queries_by_size"] = {
            f"{n}x{days}d": _time(pool(n, days), 1)["queries"]
            for n in (1, len(ids))
            for days in (7, 7 * WEEKS)
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counsellors", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--database-url",
        default=None,
        help="where the throwaway test database goes (default: in-memory SQLite)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also print (to stderr) the N functions with the most cumulative time under cProfile",
    )
    args = parser.parse_args()
    _setup(args.database_url)

    from django.db import connection
    from django_scopes import scopes_disabled

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        t0 = time.perf_counter()
        with scopes_disabled():
            data = build(counsellors=args.counsellors, sessions=args.sessions, seed=args.seed)
        build_s = time.perf_counter() - t0
        out: dict[str, Any] = {
            "database": connection.vendor,
            "counsellors": args.counsellors,
            "weeks": WEEKS,
            "rules": data["rules"],
            "exceptions": data["exceptions"],
            "sessions": data["sessions"],
            "runs": args.runs,
            "seed": args.seed,
            "build_s": round(build_s, 1),
        }
        out.update(measure(data, args.runs))
        out["goal"] = "pool of 50 over 8 weeks under 200 ms, constant query count"
        out["met"] = out["pool_p95_ms"] < 200 and len(set(out["queries_by_size"].values())) == 1
        out["cpu_count"] = os.cpu_count()
        out["load_average"] = round(os.getloadavg()[0], 2)
        if args.profile:
            print(profile(data, args.runs, args.profile), file=sys.stderr)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for key, value in out.items():
            print(f"{key:>32}: {value}")


if __name__ == "__main__":
    main()
