"""Benchmark of the sessions export (reports app): the XLSX builder of 100,000 sessions next
to 10,000 in the same run, and the CSV builder beside it.

    python bench/reports_export.py --database-url postgres://postgres@127.0.0.1:5432/banso_exports
        [--rows 100000] [--json] [--no-tracemalloc]

Builds ``test_<name>`` next to the PostgreSQL database named by ``--database-url`` (or
``DATABASE_URL``; Django's test-database creation, dropped at the end) holding two
organisations from ``bench/reports_seed.py`` (at ``--rows`` sessions and at a tenth), each
with a coordinator. Then, for each organisation and format, a fresh Python process builds
the file exactly as the worker does (``reports.files.FILE_KINDS[kind].build`` into a
temporary file, in the organisation's scope, in Japanese): the appointments program's
sessions over the seed's three 年度. A fresh process, so that its peak resident memory
(``ru_maxrss``) is the build's and not the seeding's; its resident memory before the build
(Django loaded) is printed beside it. Each process builds twice: once timed, once under
``tracemalloc`` for the peak of Python allocations (tracemalloc slows the build, so it is
not timed). Data generation is excluded from every figure.

Goal (the reports issue): 100,000 rows as XLSX in under 20 s and 500 MB, streamed.
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
import tracemalloc
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a script from a checkout: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_SECONDS = 20.0
GOAL_MB = 500.0


def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bansou.settings.test"
    import django

    django.setup()


def _rss_mb() -> float:
    """The process's resident memory now (Linux /proc), in MB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _build_once(slug: str, file_format: str, trace: bool) -> dict[str, Any]:
    """In the child process: builds the organisation's sessions export once."""
    from django.utils import translation
    from django_scopes import scope, scopes_disabled

    from bansou.core.roles import Role
    from bansou.ops.models import PreparedFile
    from bansou.ops.services.files import file_kinds
    from bansou.orgs.models import Membership, Organization
    from bansou.programs.models import Program

    with scopes_disabled():
        org = Organization.objects.get(slug=slug)
        program = Program.objects.get(organization=org, slug="appointments")
        coordinator = Membership.objects.get(organization=org, role=Role.COORDINATOR).user
    start, end = program.starts_on, program.ends_on  # every session of the seed
    kind = f"reports.sessions_{file_format}"
    with scope(organization=org), translation.override("ja"):
        prepared = PreparedFile.objects.create(
            organization=org,
            requested_by=coordinator,
            kind=kind,
            params={
                "program": program.pk,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "format": file_format,
            },
            title="bench",
            language="ja",
        )
        rows = [0]

        def progress(done: int, total: int) -> None:
            rows[0] = done

        with tempfile.TemporaryFile() as out:
            if trace:
                tracemalloc.start()
            t0 = time.perf_counter()
            file_kinds()[kind].build(prepared=prepared, out=out, progress=progress)
            seconds = time.perf_counter() - t0
            peak = tracemalloc.get_traced_memory()[1] if trace else 0
            if trace:
                tracemalloc.stop()
            size = out.tell()
    return {
        "rows": rows[0],
        "seconds": round(seconds, 2),
        "bytes": size,
        "tracemalloc_peak_mb": round(peak / 1e6, 1),
    }


def child(args: argparse.Namespace) -> None:
    _setup(args.database_url)
    rss_before = _rss_mb()
    timed = _build_once(args.child, args.format, trace=False)
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    traced = _build_once(args.child, args.format, trace=True) if args.trace else {}
    print(
        json.dumps(
            {
                **timed,
                "rss_before_mb": round(rss_before, 1),
                "maxrss_mb": round(maxrss_mb, 1),
                "tracemalloc_peak_mb": traced.get("tracemalloc_peak_mb"),
            }
        )
    )


def _measure(database_url: str, slug: str, file_format: str, trace: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", slug, "--format", file_format]
    command += ["--database-url", database_url] + ([] if trace else ["--no-tracemalloc"])
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection  # after django.setup()
    from django_scopes import scopes_disabled

    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    test_url = args.database_url.rsplit("/", 1)[0] + f"/{test_name}"
    try:
        from bansou.accounts.models import User
        from bansou.core.roles import Role
        from bansou.orgs.models import Membership
        from bench import reports_seed  # models need django.setup() and the database

        sizes = {"large": args.rows, "small": args.rows // 10}
        seeded = {}
        with scopes_disabled():
            for label, rows in sizes.items():
                t0 = time.perf_counter()
                item = reports_seed.seed(label=label, size=rows / reports_seed.FULL["sessions"])
                user = User.objects.create(email=f"coordinator@{label}.export.test", password="!")
                Membership.objects.create(
                    organization=item.organization, user=user, role=Role.COORDINATOR
                )
                seeded[label] = item
                print(
                    f"built {label} in {time.perf_counter() - t0:.0f} s: {item.counts}",
                    file=sys.stderr,
                    flush=True,
                )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        connection.close()  # the children connect on their own
        results: dict[str, Any] = {}
        for label in ("small", "large"):
            slug = seeded[label].organization.slug
            for file_format in ("xlsx", "csv"):
                trace = args.trace and file_format == "xlsx"
                results[f"{label}_{file_format}"] = _measure(test_url, slug, file_format, trace)
                print(
                    f"{label} {file_format}: {results[f'{label}_{file_format}']}", file=sys.stderr
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    large = results["large_xlsx"]
    misses = []
    if large["seconds"] > GOAL_SECONDS:
        misses.append(f"{large['rows']} rows XLSX in {large['seconds']} s > {GOAL_SECONDS:.0f} s")
    if large["maxrss_mb"] > GOAL_MB:
        misses.append(f"peak RSS {large['maxrss_mb']} MB > {GOAL_MB:.0f} MB")
    return {
        "database": "postgresql",
        "load_average": os.getloadavg()[0],
        "results": results,
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="sessions of the large one")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-tracemalloc", dest="trace", action="store_false")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="a PostgreSQL URL (its test_ database is used)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # an organisation's slug
    parser.add_argument("--format", default="xlsx", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if not (args.database_url or "").startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must name a PostgreSQL database (the seed uses COPY)")
    _setup(args.database_url)
    out = run(args)
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return
    print(f"load average {out['load_average']:.2f}")
    print(
        f"{'':12} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'MB file':>8}"
        f" {'RSS before':>10} {'peak RSS':>9} {'tracemalloc':>11}"
    )
    for name, r in out["results"].items():
        per_second = r["rows"] / r["seconds"] if r["seconds"] else 0
        traced = "" if r["tracemalloc_peak_mb"] is None else f"{r['tracemalloc_peak_mb']} MB"
        print(
            f"{name:12} {r['rows']:>8} {r['seconds']:>8} {per_second:>8.0f}"
            f" {r['bytes'] / 1e6:>8.1f} {r['rss_before_mb']:>7} MB {r['maxrss_mb']:>6} MB"
            f" {traced:>11}"
        )
    print(f"goal: {GOAL_SECONDS:.0f} s and {GOAL_MB:.0f} MB for the large XLSX")
    print("goals met" if not out["misses"] else "misses: " + "; ".join(out["misses"]))


if __name__ == "__main__":
    main()
