"""Benchmark of the coordinators' program list counts, before and after the fix.

    python bench/program_list.py [--enrollments 10000] [--applications 5000] [--runs 5]
                                 [--database-url URL] [--skip-before] --json

Builds a fresh test database (Django's test-database creation: an in-memory SQLite
database by default, or ``test_<name>`` next to the PostgreSQL database named by
``--database-url``, dropped afterwards) with one organisation and one program holding
``--enrollments`` active enrolments (a fifth supporters) and ``--applications`` pending
applications, plus a few small programs. It then times, on the same data, the query the
list used before (three ``Count(distinct=True)`` over two joined relations: the database
builds enrolments × applications rows per program before counting) once, and
``programs_for_coordinator`` (one correlated subquery per count) over ``--runs`` runs,
and checks both give the same counts. Data generation is excluded from every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a script from a checkout: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


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


def build(*, enrollments: int, applications: int) -> Any:
    import datetime

    from bansou.accounts.models import User
    from bansou.orgs.models import Organization
    from bansou.programs.models import Application, Enrollment, Program, Side

    organization = Organization.objects.create(name="ベンチ法人", slug="bench")
    today = datetime.date(2027, 4, 1)

    def program(slug: str) -> Program:
        return Program.objects.create(
            organization=organization,
            name=slug,
            slug=slug,
            starts_on=today,
            ends_on=today + datetime.timedelta(days=365),
        )

    big = program("big")
    small = [program(f"small-{i}") for i in range(5)]
    people = User.objects.bulk_create(
        (
            User(email=f"p{i}@bench.test", family_name="山田", given_name=str(i))
            for i in range(enrollments)
        ),
        batch_size=2000,
    )
    Enrollment.objects.bulk_create(
        (
            Enrollment(
                organization=organization,
                program=big if i >= 20 else small[i % 5],
                user=person,
                side=Side.SUPPORTER if i % 5 == 0 else Side.CLIENT,
            )
            for i, person in enumerate(people)
        ),
        batch_size=2000,
    )
    Application.objects.bulk_create(
        (
            Application(
                organization=organization,
                program=big if i >= 20 else small[i % 5],
                side=Side.CLIENT,
                email=f"a{i}@bench.test",
                family_name="応募",
                given_name=str(i),
            )
            for i in range(applications)
        ),
        batch_size=2000,
    )
    return organization


def before(organization: Any) -> Any:
    """The list's query as it was: counts over joined enrolments and applications."""
    from django.db.models import Count, Q

    from bansou.programs.models import Application, Program, Side

    return Program.objects.filter(organization=organization).annotate(
        supporter_count=Count(
            "enrollments",
            filter=Q(enrollments__side=Side.SUPPORTER, enrollments__is_active=True),
            distinct=True,
        ),
        client_count=Count(
            "enrollments",
            filter=Q(enrollments__side=Side.CLIENT, enrollments__is_active=True),
            distinct=True,
        ),
        pending_count=Count(
            "applications",
            filter=Q(applications__status=Application.Status.PENDING),
            distinct=True,
        ),
    )


def _counts(programs: Any) -> dict[str, tuple[int, int, int]]:
    return {p.slug: (p.supporter_count, p.client_count, p.pending_count) for p in programs}


def _timed(run: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = run()
    return (time.perf_counter() - t0) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enrollments", type=int, default=10_000)
    parser.add_argument("--applications", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--database-url",
        default=None,
        help="where the throwaway test database goes (default: in-memory SQLite)",
    )
    parser.add_argument("--skip-before", action="store_true", help="time only the new query")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    _setup(args.database_url)

    from django.db import connection
    from django_scopes import scopes_disabled

    from bansou.programs.selectors import programs_for_coordinator

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with scopes_disabled():
            t0 = time.perf_counter()
            organization = build(enrollments=args.enrollments, applications=args.applications)
            out: dict[str, Any] = {
                "database": connection.vendor,
                "enrollments": args.enrollments,
                "applications": args.applications,
                "build_s": round(time.perf_counter() - t0, 1),
            }
            after_ms = []
            for _ in range(args.runs + 1):  # the first run warms up
                ms, after = _timed(
                    lambda: _counts(programs_for_coordinator(organization=organization))
                )
                after_ms.append(ms)
            out["after_median_ms"] = round(statistics.median(after_ms[1:]), 1)
            out["after_max_ms"] = round(max(after_ms[1:]), 1)
            out["big_program_counts"] = after["big"]
            if not args.skip_before:
                ms, old = _timed(lambda: _counts(before(organization)))
                out["before_ms"] = round(ms, 1)
                out["same_counts"] = old == after
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for key, value in out.items():
            print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
