"""Benchmark of the KPI selectors (reports app) at full size next to a tenth of it.

    python bench/reports.py [--scale 1.0] [--repeat 10] [--json] [--database-url URL]

Builds ``test_<name>`` next to the PostgreSQL database named by ``--database-url`` (or
``DATABASE_URL``; Django's test-database creation, dropped at the end) holding two
organisations from ``bench/reports_seed.py``: the large one at ``--scale`` times 100,000
clients, 300 venues, 500,000 sessions and 500,000 salon visits over three 年度, and the
small one at a tenth of that, then ``ANALYZE``. Data generation is excluded from every
figure. Each call runs in the organisation's scope, as a request would.

Measured on each organisation, for the current 年度 unless said:

- ``kpis``: ``kpi_values`` of the salon program;
- ``monthly``: ``monthly_kpis`` of the salon program;
- ``venues``: ``venue_table`` of the salon program;
- ``targets``: ``target_report`` of the salon program (five targets of one period);
- ``dashboard``: the four above together, what the program dashboard will call (the
  targets reusing the 年度's ``kpi_values``, as their period is the same);
- ``sessions``: ``kpi_values`` of the appointments program (sessions only);
- ``org_3y``: ``kpi_values`` of the whole organisation over the three 年度 (every row);
- ``page``: the salon program's dashboard page itself (``reports:program``, this 年度),
  requested with Django's test ``Client`` in this process as a coordinator: the
  selectors above, the survey figures over the 200,000 answers, the voices and the
  template, request to the whole response.

Goal (the reports issue): the program dashboard under 500 ms at full size, with the same
query count at both sizes (both for ``dashboard`` and for ``page``).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a script from a checkout: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DASHBOARD_MS = 500.0
NAMES = ("kpis", "monthly", "venues", "targets", "dashboard", "sessions", "org_3y", "page")
GOALS = ("dashboard", "page")


def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bansou.settings.test"
    import django

    django.setup()
    from django.conf import settings  # after django.setup()

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    logging.getLogger("django.request").setLevel(logging.CRITICAL)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def _timed(call: Callable[[], Any], repeat: int) -> dict[str, Any]:
    from django.db import connection  # after django.setup()

    executed: list[tuple[float, str]] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            executed.append((time.perf_counter() - t0, sql))

    call()  # warm-up
    with connection.execute_wrapper(count):
        call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "queries": len(executed),
        "db_ms": round(sum(seconds for seconds, _ in executed) * 1000, 1),
        "slowest": [
            f"{seconds * 1000:.0f} ms {sql[:240]}"
            for seconds, sql in sorted(executed, reverse=True)[:2]
        ],
        "p50": round(statistics.median(times), 1),
        "p95": round(_percentile(times, 0.95), 1),
    }


def measure(seeded: Any, repeat: int) -> dict[str, Any]:
    from django.utils import timezone  # after django.setup()
    from django_scopes import scope, scopes_disabled

    from bansou.core.calendar import fiscal_year_bounds, fiscal_year_of
    from bansou.reports.selectors.kpis import kpi_values, monthly_kpis, venue_table
    from bansou.reports.selectors.targets import target_report

    org, salon = seeded.organization, seeded.salon
    year = fiscal_year_of(timezone.localdate())
    start, end = fiscal_year_bounds(year)
    three_years = (fiscal_year_bounds(year - 2)[0], end)
    period = {"organization": org, "start": start, "end": end}

    def dashboard() -> None:
        values = kpi_values(program=salon, **period)
        monthly_kpis(program=salon, **period)
        venue_table(program=salon, **period)
        target_report(program=salon, known=[values], **period)

    from django.test import Client
    from django.urls import reverse

    from bansou.accounts.models import User
    from bansou.core.roles import Role
    from bansou.orgs.models import Membership

    with scopes_disabled():
        coordinator = User.objects.create(
            email=f"coordinator@{org.slug}.reports.test", password="!"
        )
        Membership.objects.create(organization=org, user=coordinator, role=Role.COORDINATOR)
    browser = Client(raise_request_exception=True)
    browser.force_login(coordinator)
    page_url = reverse("reports:program", kwargs={"org_slug": org.slug, "program_slug": salon.slug})

    def page() -> None:
        response = browser.get(page_url)
        assert response.status_code == 200, response.status_code

    calls: dict[str, Callable[[], Any]] = {
        "kpis": lambda: kpi_values(program=salon, **period),
        "monthly": lambda: monthly_kpis(program=salon, **period),
        "venues": lambda: venue_table(program=salon, **period),
        "targets": lambda: target_report(program=salon, **period),
        "dashboard": dashboard,
        "sessions": lambda: kpi_values(program=seeded.appointments, **period),
        "org_3y": lambda: kpi_values(organization=org, start=three_years[0], end=three_years[1]),
        "page": page,
    }
    with scope(organization=org):
        results = {name: _timed(calls[name], repeat) for name in NAMES}
        figures = kpi_values(program=salon, **period)
    results["figures"] = {
        "venues_served": figures.venues_served,
        "salon_sessions_held": figures.salon_sessions_held,
        "visits": figures.visits,
        "unique_clients": figures.unique_clients,
        "repeat_visit_rate": figures.repeat_visit_rate,
        "no_show_rate": figures.no_show_rate,
        "satisfaction_answers": figures.satisfaction.n if figures.satisfaction else 0,
        "nps": figures.nps,
    }
    return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection  # after django.setup()
    from django_scopes import scopes_disabled

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from bench import reports_seed  # models need django.setup() and the database

        t0 = time.perf_counter()
        with scopes_disabled():
            seeded = {}
            for label, size in (("large", args.scale), ("small", args.scale / 10)):
                t1 = time.perf_counter()
                seeded[label] = reports_seed.seed(label=label, size=size)
                print(
                    f"built {label} in {time.perf_counter() - t1:.0f} s: {seeded[label].counts}",
                    file=sys.stderr,
                    flush=True,
                )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        build_s = time.perf_counter() - t0
        results = {label: measure(item, args.repeat) for label, item in seeded.items()}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    misses = []
    for name in GOALS:
        if results["large"][name]["p95"] > DASHBOARD_MS:
            misses.append(f"{name}: p95 {results['large'][name]['p95']} ms > 500 ms")
    for name in NAMES:
        large, small = results["large"][name], results["small"][name]
        if large["queries"] != small["queries"]:
            misses.append(f"{name}: {large['queries']} queries vs {small['queries']}")
    return {
        "database": connection.vendor,
        "scale": args.scale,
        "repeat": args.repeat,
        "organisations": {label: item.counts for label, item in seeded.items()},
        "build_s": round(build_s, 1),
        "load_average": os.getloadavg()[0],
        "results": results,
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 1,000,000 rows")
    parser.add_argument("--repeat", type=int, default=10, help="timed calls each")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="a PostgreSQL URL (its test_ database is used)",
    )
    args = parser.parse_args()
    _setup(args.database_url)
    out = run(args)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        return
    print(f"built in {out['build_s']} s: {out['organisations']}")
    print(f"load average {out['load_average']:.2f}")
    print(
        f"{'':10} {'large p50':>10} {'p95':>7} {'q':>4} {'db':>7} |"
        f" {'small p50':>10} {'p95':>7} {'q':>4} {'db':>7}"
    )
    for name in NAMES:
        a, b = out["results"]["large"][name], out["results"]["small"][name]
        print(
            f"{name:10} {a['p50']:>10} {a['p95']:>7} {a['queries']:>4} {a['db_ms']:>7} |"
            f" {b['p50']:>10} {b['p95']:>7} {b['queries']:>4} {b['db_ms']:>7}"
        )
    print("slowest (large):")
    for name in NAMES:
        for line in out["results"]["large"][name]["slowest"][:1]:
            print(f"  {name}: {line}")
    print(f"figures (large): {out['results']['large']['figures']}")
    print("goals met" if not out["misses"] else "misses: " + "; ".join(out["misses"]))


if __name__ == "__main__":
    main()
