"""Benchmark of every page of the permission matrix at full size, next to one tenth of it.

    python bench/pages.py [--scale 1.0] [--repeat 10] [--only SUBSTRING] [--json]
                          [--database-url URL] [--keep] [--show-queries N]

Builds ``test_<name>`` next to the PostgreSQL database named by ``--database-url`` (or
``DATABASE_URL``; Django's test-database creation, dropped at the end unless ``--keep``,
which also reuses the organisations a previous ``--keep`` run left there) holding two
organisations (``bench/pages_seed.py``): the large one at ``--scale`` times 10,000
clients, 500 supporters, 20,000 engagements and 100,000 sessions (the backup benchmark's
builder, with its records, notes, reflections, reminders, calendar blocks and audit
entries, plus ended engagements, applications, trainings, teams, appointment types,
weekly availability, meetings, matching requests and mail), and the small one at a tenth
of that, in the same database, then ``ANALYZE`` (the statistics autovacuum would have).
Data generation is excluded from every figure.

Every URL pattern the permission matrix walks (``tests.access.matrix.collect_routes``)
is requested with Django's test ``Client`` (in this process, no server) as each role its
declared policy allows (a public page as an anonymous visitor, a signed-in page as the
coordinator), signed in with ``force_login``, under ``bansou.settings.test`` (DEBUG off;
its MD5 password hasher plays no part, nobody logs in with a password). The URL keywords
name real objects of each organisation: the busiest supporter (the one with the most
sessions, and who signs in as the supporter), that supporter's busiest engagement (whose
client signs in as the client) and its latest held session, the program with the most
enrolments, and so on. Per URL and role, on each organisation in turn: one warm-up
request, one request whose queries are counted (and their time inside the driver), then
``--repeat`` timed requests (p50, p95 of the wall time of ``Client.get``, request to the
whole response). Response size is the body of the counted request.

Goals (issue 10): p95 under 250 ms (dashboards under 100 ms), no page over 300 KB, the
same query count at both sizes.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a script from a checkout: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

P95_MS, DASHBOARD_P95_MS, MAX_KB = 250.0, 100.0, 300.0
DASHBOARDS = {"orgs:dashboard"}


# Django and the models are imported inside the functions below: the database URL and the
# settings module must be chosen before Django loads.
def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bansou.settings.test"
    import django

    django.setup()
    from django.conf import settings  # after django.setup()

    # What setup_test_environment would add, without its instrumented template rendering
    # (it copies every template context, which real requests do not pay for).
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # A page that fails is reported in the table with its exception, not as a traceback.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def _state_file(name: str) -> Path:
    safe = "".join(c if c.isalnum() else "-" for c in Path(name).name)
    return Path(tempfile.gettempdir()) / f"bansou-pages-{safe}.json"


def _organisations(args: argparse.Namespace, name: str) -> list[Any]:
    """The large and the small organisation: built, or with --keep those of an earlier run."""
    from django.db import connection  # after django.setup()
    from django_scopes import scopes_disabled

    from bench import pages_seed

    state = _state_file(name)
    with scopes_disabled():
        if _reusable(args, name):
            saved = json.loads(state.read_text())
            return [_load(item) for item in saved["organisations"]]
        built = []
        for label, size in (("large", args.scale), ("small", args.scale / 10)):
            t0 = time.perf_counter()
            seeded = pages_seed.seed(label=label, size=size)
            seeded.counts["build_s"] = round(time.perf_counter() - t0)
            print(f"built {label}: {seeded.counts}", file=sys.stderr, flush=True)
            built.append(seeded)
        # What autovacuum would have done to data that was not just loaded: planner
        # statistics (without them PostgreSQL plans every query as if a table held a few
        # rows) and the visibility map (without it no index-only scan skips the heap).
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"analyzed in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    # The seeding leaves this process with millions of objects a server's worker never
    # holds; set aside from the garbage collector, their scans (pauses of ~250 ms every
    # few hundred requests) stay out of the pages' figures.
    gc.collect()
    gc.freeze()
    if args.keep:
        state.write_text(
            json.dumps(
                {
                    "scale": args.scale,
                    "organisations": [
                        {
                            "label": s.label,
                            "organization": s.organization.pk,
                            "actors": {role: u.pk for role, u in s.actors.items()},
                            "kwargs": s.kwargs,
                            "counts": s.counts,
                        }
                        for s in built
                    ],
                }
            )
        )
    return built


def _reusable(args: argparse.Namespace, name: str) -> bool:
    state = _state_file(name)
    if not (args.keep and state.exists()):
        return False
    return bool(json.loads(state.read_text())["scale"] == args.scale)


def _load(item: dict[str, Any]) -> Any:
    from bansou.accounts.models import User  # after django.setup()
    from bansou.orgs.models import Organization
    from bench.pages_seed import Seeded

    return Seeded(
        label=item["label"],
        organization=Organization.objects.get(pk=item["organization"]),
        actors={role: User.objects.get(pk=pk) for role, pk in item["actors"].items()},
        kwargs=item["kwargs"],
        counts=item["counts"],
    )


def _roles(policy: Any) -> list[str]:
    """Who requests a page: every role the policy lets GET it."""
    from bansou.core.access import OrgRoles, SignedIn  # after django.setup()
    from bansou.core.roles import Role

    if isinstance(policy, OrgRoles):
        return [role.value for role in Role if policy.allows(role.value)]
    if isinstance(policy, SignedIn):
        return [Role.COORDINATOR.value]
    return ["anonymous"]


def _measure(client: Any, url: str, repeat: int, show: int = 0) -> dict[str, Any]:
    from django.db import connection  # after django.setup()
    from django.test.utils import CaptureQueriesContext

    def body(response: Any) -> bytes:
        if getattr(response, "streaming", False):
            return b"".join(response.streaming_content)
        return bytes(response.content)

    body(client.get(url))  # warm-up: session, translations, content types, templates
    in_driver: list[tuple[float, str]] = []

    def timed_execute(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_driver.append((time.perf_counter() - t0, sql))

    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timed_execute):
        response = client.get(url)
        content = body(response)
    query_count = len(queries)  # now: the next request empties the log it reads
    for seconds, sql in sorted(in_driver, reverse=True)[:show]:
        print(f"    {seconds * 1000:7.1f} ms  {sql[:400]}", file=sys.stderr)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        body(client.get(url))
        times.append((time.perf_counter() - t0) * 1000)
    error = getattr(response, "exc_info", None)
    return {
        "error": repr(error[1])[:200] if error else None,
        "status": response.status_code,
        "kb": round(len(content) / 1024, 1),
        # A prepared file (an attachment) is a download, not a page: no size goal.
        "download": response.get("Content-Disposition", "").startswith("attachment"),
        "queries": query_count,
        "db_ms": round(sum(seconds for seconds, _ in in_driver) * 1000, 1),
        "p50": round(statistics.median(times), 1),
        "p95": round(_percentile(times, 0.95), 1),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection  # after django.setup()
    from django.test import Client
    from django.urls import reverse

    from tests.access.matrix import KWARG_PROVIDERS, collect_routes, expected_statuses

    old_name = connection.settings_dict["NAME"]
    t_start = time.perf_counter()
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=_reusable(args, old_name)
    )
    try:
        large, small = _organisations(args, old_name)
        build_s = time.perf_counter() - t_start
        routes = [r for r in collect_routes() if r.name and r.policy is not None]
        if args.only:
            routes = [r for r in routes if args.only in f"{r.name} {r.route}"]
        rows: list[dict[str, Any]] = []
        skipped = []
        for route in routes:
            missing = [k for k in route.kwargs if k not in large.kwargs]
            if missing:
                skipped.append(f"{route.name}: no value for {missing}")
                continue
            for role in _roles(route.policy):
                row: dict[str, Any] = {"name": route.name, "role": role}
                for seeded in (large, small):
                    url = reverse(route.name, kwargs=_kwargs(seeded, route, role))
                    client = Client(raise_request_exception=False)
                    if role != "anonymous":
                        client.force_login(seeded.actors[role])
                    if args.show_queries:
                        print(f"  {seeded.label} {url} as {role}:", file=sys.stderr)
                    row[seeded.label] = _measure(client, url, args.repeat, args.show_queries)
                    row.setdefault("url", url)
                actor = "anonymous" if role == "anonymous" else f"a-{role}"
                assert route.policy is not None
                row["expected"] = sorted(expected_statuses(route.policy, actor))
                row["misses"] = _misses(row)
                rows.append(row)
                # the table as it is measured (on stderr with --json)
                print(_line(row), file=sys.stderr if args.json else sys.stdout, flush=True)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            _state_file(old_name).unlink(missing_ok=True)
    return {
        "database": connection.vendor,
        "client": "django.test.Client, in process",
        "scale": args.scale,
        "repeat": args.repeat,
        "organisations": {"large": large.counts, "small": small.counts},
        "build_s": round(build_s, 1),
        "total_s": round(time.perf_counter() - t_start, 1),
        "load_average": os.getloadavg()[0],
        "rows": rows,
        "skipped": skipped,
        "matrix_keywords_without_value": sorted(set(KWARG_PROVIDERS) - set(large.kwargs)),
    }


def _kwargs(seeded: Any, route: Any, role: str) -> dict[str, Any]:
    """The URL's sample values; an object of one person's own (a file) is the role's."""
    values = {k: seeded.kwargs[k] for k in route.kwargs}
    return {k: v[role] if isinstance(v, dict) else v for k, v in values.items()}


def _misses(row: dict[str, Any]) -> list[str]:
    large, small = row["large"], row["small"]
    limit = DASHBOARD_P95_MS if row["name"] in DASHBOARDS else P95_MS
    misses = []
    if large["status"] not in row["expected"] or small["status"] not in row["expected"]:
        misses.append(f"status {large['status']}/{small['status']}")
    if large["p95"] > limit:
        misses.append(f"p95 > {limit:.0f} ms")
    if large["kb"] > MAX_KB and not large.get("download"):
        misses.append(f"> {MAX_KB:.0f} KB")
    if large["queries"] != small["queries"]:
        misses.append(f"queries {large['queries']} vs {small['queries']}")
    return misses


HEADER = (
    f"{'url name':<34} {'role':<11} {'status':>7} | {'p50':>6} {'p95':>6} {'KB':>6} {'q':>4}"
    f" {'db':>6} | small: {'p50':>6} {'p95':>6} {'KB':>6} {'q':>4} | misses"
)


def _line(row: dict[str, Any]) -> str:
    a, b = row["large"], row["small"]
    return (
        f"{row['name']:<34} {row['role']:<11} {a['status']:>7} | {a['p50']:>6} {a['p95']:>6}"
        f" {a['kb']:>6} {a['queries']:>4} {a['db_ms']:>6} | small: {b['p50']:>6} {b['p95']:>6}"
        f" {b['kb']:>6} {b['queries']:>4} | {', '.join(row['misses'])}"
    )


def summary(out: dict[str, Any]) -> list[str]:
    rows = out["rows"]
    lines = [f"{len(rows)} (URL, role) pairs; {sum(not r['misses'] for r in rows)} meet every goal"]
    checks = (
        ("p95", lambda r: any(m.startswith("p95") for m in r["misses"])),
        ("size", lambda r: any("KB" in m for m in r["misses"])),
        ("queries", lambda r: any(m.startswith("queries") for m in r["misses"])),
        ("status", lambda r: any(m.startswith("status") for m in r["misses"])),
    )
    for label, missed in checks:
        failing = [r for r in rows if missed(r)]
        lines.append(f"{label}: {len(rows) - len(failing)} pass, {len(failing)} miss")
        lines += [f"  {r['name']} as {r['role']}: {', '.join(r['misses'])}" for r in failing]
        if label == "status":
            lines += [f"    {r['large']['error']}" for r in failing if r["large"]["error"]]
    lines += [f"not requested: {item}" for item in out["skipped"]]
    for name in ("large", "small"):
        counts = out["organisations"][name]
        lines.append(
            f"background builds ({name}): the whole audit log as CSV"
            f" {counts.get('audit_csv_build_ms', '?')} ms, the client's data as PDF"
            f" {counts.get('my_data_pdf_build_ms', '?')} ms"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 sessions")
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per page")
    parser.add_argument("--only", help="only URL names or patterns containing this")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="a PostgreSQL URL (its test_ database is used)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the database, and reuse a kept one"
    )
    parser.add_argument(
        "--show-queries",
        type=int,
        default=0,
        metavar="N",
        help="print the N slowest queries of each counted request (stderr)",
    )
    args = parser.parse_args()
    _setup(args.database_url)
    if not args.json:
        print(HEADER, flush=True)
    out = run(args)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return
    print(
        f"\nbuild {out['build_s']} s, total {out['total_s']} s,"
        f" load average {out['load_average']:.1f}; organisations:"
    )
    for label, counts in out["organisations"].items():
        print(f"  {label}: {counts}")
    print("\n".join(summary(out)))


if __name__ == "__main__":
    main()
