"""Benchmark of the salon screen and of a tap that records a visit, at full size next to a
tenth of it.

    python bench/salon.py [--scale 1.0] [--repeat 30] [--json] [--database-url URL]

Builds ``test_<name>`` next to the PostgreSQL database named by ``--database-url`` (or
``DATABASE_URL``; Django's test-database creation, dropped at the end) holding two
organisations: the large one at ``--scale`` times 300 venues, 15,000 salon blocks (each
carried by its meeting, with the staff's calendar blocks) and 200,000 visits of 20,000
students, and the small one at a tenth of that, then ``ANALYZE``. Each has today's salon
at one venue, 13:00–16:00, staffed by the measured supporter, with 12 reservations, 8
visits and 3 open referrals. Data generation is excluded from every figure.

Requests go through Django's test ``Client`` in this process (no server) as that supporter
(``force_login``), under ``bansou.settings.test``. Measured on each organisation:

- ``screen``: GET the salon screen (one warm-up, one counted, ``--repeat`` timed);
- ``tap``: POST a walk-in with a fresh idempotency key (``Accept: application/json``), a
  new visit each time;
- ``retry``: POST again with a key already recorded (the answer names the same visit).

Goal (issue 11): p95 under 100 ms for the screen and a tap, and the same query count at
both sizes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import math
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a script from a checkout: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

P95_MS = 100.0
FULL = {"venues": 300, "blocks": 15_000, "visits": 200_000, "students": 20_000, "staff": 150}
BATCH = 5_000


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


def build(*, label: str, size: float, seed: int = 11) -> dict[str, Any]:
    """One organisation at ``size`` times the full size; returns what the requests need."""
    # Imported here: Django must be set up first.
    from django.utils import timezone

    from bansou.accounts.models import User
    from bansou.core.roles import Role
    from bansou.engagements.models import CalendarBlock, Meeting
    from bansou.orgs.models import Membership, Organization, Venue
    from bansou.people.models import ClientProfile
    from bansou.programs.models import Program
    from bansou.salons.models import Referral, Reservation, SalonBlock, VenueStaff, Visit

    rng = random.Random(seed)
    n = {k: max(2, round(v * size)) for k, v in FULL.items()}
    org = Organization.objects.create(slug=f"salon-{label}", name=f"サロン法人 {label}")
    today = timezone.localdate()
    program = Program.objects.create(
        organization=org,
        name="校内キャリアサロン",
        slug="salon",
        kind=Program.Kind.SALON,
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today + datetime.timedelta(days=200),
    )

    def people(prefix: str, count: int, role: str) -> list[User]:
        users = User.objects.bulk_create(
            User(
                email=f"{prefix}{i}@{label}.salon.test",
                family_name="佐藤",
                given_name=f"{prefix}{i}",
                family_name_kana="サトウ",
                given_name_kana="テスト",
            )
            for i in range(count)
        )
        Membership.objects.bulk_create(
            Membership(organization=org, user=u, role=role) for u in users
        )
        return users

    staff = people("staff", n["staff"], Role.SUPPORTER)
    teachers = people("teacher", n["venues"], Role.PARTNER)
    students = people("student", n["students"], Role.CLIENT)
    venues = Venue.objects.bulk_create(
        Venue(organization=org, name=f"高校{i:03d}", address="東京都") for i in range(n["venues"])
    )
    ClientProfile.objects.bulk_create(
        ClientProfile(
            organization=org,
            user=s,
            category=ClientProfile.Category.HIGH_SCHOOL,
            venue=venues[i % len(venues)],
            grade="2年",
        )
        for i, s in enumerate(students)
    )
    VenueStaff.objects.bulk_create(
        [
            *(
                VenueStaff(organization=org, venue=v, user=teachers[i], kind="teacher")
                for i, v in enumerate(venues)
            ),
            *(
                VenueStaff(organization=org, venue=v, user=staff[i % len(staff)], kind="supporter")
                for i, v in enumerate(venues)
            ),
        ]
    )
    per_venue = max(1, n["blocks"] // len(venues))
    tz = timezone.get_current_timezone()
    meetings, blocks, holds = [], [], []
    for v_index, venue in enumerate(venues):
        weekday_shift = v_index % 5
        for week in range(per_venue):
            day = today - datetime.timedelta(days=7 * (week + 1) + weekday_shift)
            start = datetime.datetime.combine(day, datetime.time(13), tzinfo=tz)
            meetings.append(
                Meeting(
                    organization=org,
                    title=f"キャリアサロン（{venue.name}）",
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=3),
                )
            )
            blocks.append((venue, start))
    meetings = Meeting.objects.bulk_create(meetings, batch_size=BATCH)
    supporter = staff[0]
    through = Meeting.attendees.through
    salon_blocks = []
    attendees = []
    for (venue, start), meeting in zip(blocks, meetings, strict=True):
        staffer = staff[venue.pk % len(staff)]
        attendees.append(through(meeting_id=meeting.pk, user_id=staffer.pk))
        holds.append(
            CalendarBlock(
                organization=org,
                meeting=meeting,
                user=staffer,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=3),
                is_active=True,
            )
        )
        salon_blocks.append(
            SalonBlock(
                organization=org,
                venue=venue,
                program=program,
                meeting=meeting,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=3),
                status=SalonBlock.Status.HELD,
                closed_at=start + datetime.timedelta(hours=3),
                log_summary="通常開催",
            )
        )
    through.objects.bulk_create(attendees, batch_size=BATCH)
    # Calendar blocks of one staffer at the same hour on one day cannot overlap: several
    # venues share a staffer, so only the first block per staffer and start is held.
    seen: set[tuple[int, datetime.datetime]] = set()
    unique_holds = []
    for hold in holds:
        if (hold.user_id, hold.starts_at) not in seen:
            seen.add((hold.user_id, hold.starts_at))
            unique_holds.append(hold)
    CalendarBlock.objects.bulk_create(unique_holds, batch_size=BATCH)
    salon_blocks = SalonBlock.objects.bulk_create(salon_blocks, batch_size=BATCH)
    by_venue: dict[int, list[User]] = {}
    for i, s in enumerate(students):
        by_venue.setdefault(venues[i % len(venues)].pk, []).append(s)
    kinds = [Visit.Kind.WALK_IN] * 5 + [Visit.Kind.RESERVED] * 2 + [Visit.Kind.OUTREACH] * 3
    visits = []
    per_block, extra = divmod(n["visits"], len(salon_blocks))
    for b, block in enumerate(salon_blocks):
        pool = by_venue[block.venue_id]
        for k in range(per_block + (1 if b < extra else 0)):
            anonymous = rng.random() < 0.15
            visits.append(
                Visit(
                    organization=org,
                    block=block,
                    venue_id=block.venue_id,
                    program_id=block.program_id,
                    occurred_at=block.starts_at + datetime.timedelta(minutes=10 * k),
                    kind=Visit.Kind.WALK_IN if anonymous else rng.choice(kinds[:5] + kinds[7:]),
                    student=None if anonymous else rng.choice(pool),
                    grade="1年" if anonymous else "",
                )
            )
            if len(visits) >= BATCH:
                Visit.objects.bulk_create(visits)
                visits = []
    Visit.objects.bulk_create(visits)
    # Today's salon at the first venue, staffed by the measured supporter.
    venue = venues[0]
    # Under way: it started half an hour ago (the screen takes taps from its day on).
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=30)
    meeting = Meeting.objects.create(
        organization=org,
        title=f"キャリアサロン（{venue.name}）",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
    )
    meeting.attendees.add(supporter)
    CalendarBlock.objects.create(
        organization=org,
        meeting=meeting,
        user=supporter,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
    )
    block = SalonBlock.objects.create(
        organization=org,
        venue=venue,
        program=program,
        meeting=meeting,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        slot_minutes=30,
        slot_capacity=2,
    )
    pool = by_venue[venue.pk]
    reservations = Reservation.objects.bulk_create(
        Reservation(
            organization=org,
            block=block,
            student=pool[i],
            slot_starts_at=start + datetime.timedelta(minutes=30 * (i // 2)),
            created_by=pool[i],
        )
        for i in range(12)
    )
    Visit.objects.bulk_create(
        Visit(
            organization=org,
            block=block,
            venue=venue,
            program_id=block.program_id,
            occurred_at=start + datetime.timedelta(minutes=5 * i),
            kind=Visit.Kind.RESERVED if i < 4 else Visit.Kind.WALK_IN,
            reservation=reservations[i] if i < 4 else None,
            student=pool[i] if i < 4 else pool[20 + i],
            recorded_by=supporter,
        )
        for i in range(8)
    )
    Referral.objects.bulk_create(
        Referral(
            organization=org,
            venue=venue,
            teacher=teachers[0],
            student=pool[40 + i],
            reason="進路が未定",
        )
        for i in range(3)
    )
    return {
        "label": label,
        "organization": org,
        "supporter": supporter,
        "block": block,
        "counts": {
            "venues": len(venues),
            "blocks": SalonBlock.objects.filter(organization=org).count(),
            "visits": Visit.objects.filter(organization=org).count(),
            "students": len(students),
        },
    }


def _timed(call: Any, repeat: int) -> dict[str, Any]:
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
        response = call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return {
        "status": response.status_code,
        "queries": len(executed),
        # Time inside the database driver for the counted request: what grows with the data
        # shows here even when the machine is busy.
        "db_ms": round(sum(seconds for seconds, _ in executed) * 1000, 1),
        "slowest": [sql[:300] for _, sql in sorted(executed, reverse=True)[:2]],
        "p50": round(statistics.median(times), 1),
        "p95": round(_percentile(times, 0.95), 1),
    }


def measure(built: dict[str, Any], repeat: int) -> dict[str, Any]:
    from django.test import Client  # after django.setup()
    from django.urls import reverse

    org, block = built["organization"], built["block"]
    client = Client(raise_request_exception=False)
    client.force_login(built["supporter"])
    kwargs = {"org_slug": org.slug, "block_pk": block.pk}
    screen_url = reverse("salons:screen", kwargs=kwargs)
    tap_url = reverse("salons:tap", kwargs=kwargs)
    json_accept = {"HTTP_ACCEPT": "application/json"}
    retried = str(uuid.uuid4())

    def tap(key: str | None = None) -> Any:
        data = {"key": key or str(uuid.uuid4()), "kind": "walk_in", "grade": "2年"}
        return client.post(tap_url, data, **json_accept)

    first = tap(retried)
    answer = first.json() if first.status_code == 200 else {}
    results = {
        "screen": _timed(lambda: client.get(screen_url), repeat),
        "tap": _timed(tap, repeat),
        "retry": _timed(lambda: tap(retried), repeat),
    }
    again = tap(retried).json()
    results["retry"]["same_visit"] = bool(answer) and again.get("visit") == answer.get("visit")
    return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection  # after django.setup()
    from django_scopes import scopes_disabled

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        t0 = time.perf_counter()
        with scopes_disabled():
            built = [
                build(label="large", size=args.scale),
                build(label="small", size=args.scale / 10),
            ]
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        build_s = time.perf_counter() - t0
        for item in built:
            print(f"built {item['label']}: {item['counts']}", file=sys.stderr, flush=True)
        results = {item["label"]: measure(item, args.repeat) for item in built}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    misses = []
    for name in ("screen", "tap", "retry"):
        large, small = results["large"][name], results["small"][name]
        if large["p95"] > P95_MS:
            misses.append(f"{name}: p95 {large['p95']} ms > {P95_MS:.0f} ms")
        if large["queries"] != small["queries"]:
            misses.append(f"{name}: {large['queries']} queries vs {small['queries']}")
        if large["status"] != 200 or small["status"] != 200:
            misses.append(f"{name}: status {large['status']}/{small['status']}")
    if not results["large"]["retry"].get("same_visit"):
        misses.append("retry: a retried key did not answer the same visit")
    return {
        "database": connection.vendor,
        "client": "django.test.Client, in process",
        "scale": args.scale,
        "repeat": args.repeat,
        "organisations": {item["label"]: item["counts"] for item in built},
        "build_s": round(build_s, 1),
        "load_average": os.getloadavg()[0],
        "results": results,
        "misses": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 200,000 visits")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests each")
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
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return
    print(f"built in {out['build_s']} s: {out['organisations']}")
    print(
        f"{'':8} {'large p50':>10} {'p95':>7} {'q':>4} {'db':>6} |"
        f" {'small p50':>10} {'p95':>7} {'q':>4} {'db':>6}"
    )
    for name in ("screen", "tap", "retry"):
        a, b = out["results"]["large"][name], out["results"]["small"][name]
        print(
            f"{name:8} {a['p50']:>10} {a['p95']:>7} {a['queries']:>4} {a['db_ms']:>6} |"
            f" {b['p50']:>10} {b['p95']:>7} {b['queries']:>4} {b['db_ms']:>6}"
        )
    print("goals met" if not out["misses"] else "misses: " + "; ".join(out["misses"]))


if __name__ == "__main__":
    main()
