"""Load test of client booking over real HTTP: a booking rush while staff read calendars.

    python bench/booking_load.py --database-url postgres://USER@HOST:5432/NAME [--quick]
        [--students 300] [--staff 30] [--duration 300] [--baseline-duration 60]
        [--workers 3] [--threads 1] [--no-trusted-proxy] [--json]

What one run does, start to end (about seven minutes with the defaults, two with
``--quick``: 60 students, 10 staff, 60 s):

1. Creates ``test_NAME`` next to the PostgreSQL database named by ``--database-url`` (or
   ``DATABASE_URL``; Django's test-database creation, dropped at the end) and fills it
   through the project's services: a university career centre with one appointments
   program, a pool of 25 counsellors (weekly hours with a lunch break, evenings or
   Saturdays, days off, booking limits), 5 coordinators, a 30-minute online appointment
   type bookable by enrolled clients (10 minutes' buffer, 24 hours' notice), 300 enrolled
   students, and 400 earlier students who booked one time each over the eight weeks
   (through ``booking_create``). Every account has a confirmed address and a real
   password (PBKDF2, as in production).
2. Collects the static files, starts its own Redis (cache, login throttle and Celery
   broker: mail is queued as in production; no Celery worker runs) and
   ``gunicorn bansou.wsgi`` on 127.0.0.1 with ``bansou.settings.production`` as it is
   (secrets and hosts from the environment, ``BANSOU_TRUSTED_PROXIES=127.0.0.1``), 3 sync
   workers by default.
3. Runs locust headless against it for ``--duration`` seconds: the staff log in and read
   their week (``/o/<org>/calendar/``, this week or the next) and, for coordinators, the
   program's side-by-side calendar (``/o/<org>/programs/<program>/calendar/``, three
   pages of ten counsellors) every 3 to 8 seconds; the students arrive evenly over all
   but the last minute of the run, log in (``POST /accounts/login/`` with the CSRF
   token), open the booking list, the appointment type's week of open times (a fifth of
   them filter by one counsellor), pick one of the six earliest times (most of them) or
   any, confirm and follow the redirect to their booking, each step after a few seconds
   of reading. A "just taken" answer (the page again, 「この時間は埋まりました」) is an
   expected outcome: the student picks another time, up to six tries. Every request goes
   through the TLS proxy the script plays (``X-Forwarded-Proto: https``, the visitor's
   own address in ``X-Forwarded-For``); ``--no-trusted-proxy`` leaves
   ``BANSOU_TRUSTED_PROXIES`` unset, so that every visitor counts as the proxy's address.
4. Baseline, same gunicorn and users: ``/healthz`` (the full middleware stack and one
   query) at the request rate the booking run reached, for ``--baseline-duration`` seconds.
5. Stops gunicorn, locust and Redis, counts overlapping active calendar blocks (a double
   booking; the PostgreSQL exclusion constraint should make it impossible) and clients
   with overlapping sessions, and prints one table.

Errors are answers 5xx, timeouts (``--timeout``, 30 s like gunicorn's worker timeout)
and refused connections; any other unexpected answer (a 4xx, a redirect to the login
page) is counted apart. Response times are measured by locust from its request to the
last byte.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):
    # run as a script from a checkout: make the repository importable
    sys.path.insert(0, str(ROOT))

SETTINGS = "bansou.settings.production"
PHASE = "BANSOU_LOAD_PHASE"  # set for the locust process: which users it runs
DATA = "BANSOU_LOAD_DATA"  # the JSON file with accounts and addresses
PASSWORD = "bench-load-" + "x" * 8
COUNSELLORS, COORDINATORS = 25, 5
TAKEN_TEXTS = ("この時間は埋まりました", "Just taken")
MAX_TRIES = 6
TICKS = os.sysconf("SC_CLK_TCK")
IDLE = 24 * 3600.0  # the wait of a user with nothing left to do (stopped with the run)


# ---------------------------------------------------------------------------------------
# Locust side. This file is also the locustfile: the locust process imports it with PHASE
# set and finds the user classes at the bottom. Nothing here imports Django.
# ---------------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SLOT_LINK = re.compile(r'<a class="slot" role="button" href="([^"]+)"')
COUNSELLOR_OPTION = re.compile(r'<option value="(\d+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(starts_at|supporter)" value="([^"]*)"')
ERRORS = re.compile(r'<div class="form-errors"[^>]*>(.*?)</div>', re.S)


class _Recorder:
    """Every request (name, milliseconds, error kind) and every student's outcome, written
    to a JSON file when locust quits."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.requests: list[tuple[str, float, str]] = []
        self.students: list[dict[str, Any]] = []
        self.failures: dict[str, int] = {}

    def on_request(
        self, name: str, response_time: float, exception: BaseException | None, **kw: Any
    ) -> None:
        self.requests.append((name, round(response_time, 2), _kind(exception)))
        if exception is not None:
            key = f"{name}: {str(exception)[:100]}"
            self.failures[key] = self.failures.get(key, 0) + 1

    def dump(self, path: str) -> None:
        Path(path).write_text(
            json.dumps(
                {"requests": self.requests, "students": self.students, "failures": self.failures}
            ),
            "utf-8",
        )


def _kind(exception: BaseException | None) -> str:
    """Empty for a success; "5xx", "timeout" or "connection" for an error; "unexpected"
    for any other failure (a 4xx, a page without what it should show)."""
    if exception is None:
        return ""
    text = f"{type(exception).__name__} {exception}"
    if text.startswith("CatchResponseError HTTP 5"):
        return "5xx"
    if "Timeout" in text or "timed out" in text:
        return "timeout"
    if "Connection" in text:
        return "connection"
    return "unexpected"


def _load_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(os.environ[DATA]).read_text("utf-8"))
    return data


def _booking_users() -> tuple[type, type]:
    """The students and the staff of the booking run."""
    # locust (and gevent's monkey patching) only in the locust process
    from locust import HttpUser, events, task

    data = _load_data()
    recorder = _Recorder()
    events.request.add_listener(recorder.on_request)
    events.test_start.add_listener(lambda **kw: setattr(recorder, "started", time.monotonic()))
    events.quitting.add_listener(lambda **kw: recorder.dump(data["out"]))
    students = iter(enumerate(data["students"]))
    staff = iter(data["staff"])
    org, kind, timeout = data["org"], data["type"], data["timeout"]
    book = f"/o/{org}/book/"
    times = f"/o/{org}/book/{kind}/"

    class Visitor(HttpUser):
        abstract = True
        address = ""

        def headers(self, name: str, *, post: bool = False) -> dict[str, str]:
            # Production cookies are Secure; the simulated TLS proxy makes this plain-HTTP
            # hop count as https, so they go out as a browser sends them over https.
            for cookie in self.client.cookies:
                cookie.secure = False
            headers = {"X-Forwarded-Proto": "https", "X-Request-ID": _request_id(name)}
            if self.address:
                headers["X-Forwarded-For"] = self.address
            if post:
                headers["Origin"] = "https://" + urlsplit(self.host).netloc
            return headers

        def page(self, path: str, name: str, *, expect: str = "") -> str | None:
            """GET a page that must answer 200 (and contain ``expect``)."""
            with self.client.get(
                path,
                name=name,
                headers=self.headers(name),
                allow_redirects=False,
                timeout=timeout,
                catch_response=True,
            ) as response:
                if response.status_code == 200 and expect in response.text:
                    response.success()
                    return str(response.text)
                _fail(response)
                return None

        def post(self, path: str, name: str, fields: dict[str, str]) -> Any:
            """POST a form; the response (a 302 or a 200 that shows the form again) or None."""
            with self.client.post(
                path,
                data=fields,
                name=name,
                headers=self.headers(name, post=True),
                allow_redirects=False,
                timeout=timeout,
                catch_response=True,
            ) as response:
                if response.status_code in (200, 302):
                    response.success()
                    return response
                _fail(response)
                return None

        def login(self, email: str, then: str) -> bool:
            form = self.page(f"/accounts/login/?next={then}", "login (GET)", expect=CSRF_NAME)
            if form is None:
                return False
            self.think(2, 5)
            response = self.post(
                "/accounts/login/",
                "login (POST)",
                {
                    "csrfmiddlewaretoken": _csrf(form),
                    "login": email,
                    "password": data["password"],
                    "next": then,
                },
            )
            return response is not None and response.status_code == 302

        def think(self, low: float, high: float) -> None:
            time.sleep(random.uniform(low, high))  # gevent-patched: yields to other users

    class Student(Visitor):
        """Books once, then stays idle: a user that stopped would be replaced by a new
        one at once, which would speed up the arrivals."""

        fixed_count = data["students_count"]
        done = False

        def wait_time(self) -> float:
            return IDLE if self.done else 0

        def on_start(self) -> None:
            index, self.email = next(students, (0, ""))
            self.done = not self.email
            self.address = f"10.{20 + index // 250}.{index % 250}.7"
            self.outcome: dict[str, Any] = {"email": self.email, "outcome": "unfinished"}
            if self.email:
                recorder.students.append(self.outcome)

        @task
        def book(self) -> None:
            if self.done:
                return
            self.done = True
            try:
                self.outcome.update(self.flow())
            finally:
                self.outcome["t"] = round(time.monotonic() - recorder.started, 1)

        def flow(self) -> dict[str, Any]:
            if not self.login(self.email, book):
                return {"outcome": "error", "at": "login"}
            if self.page(book, "book: list", expect=times) is None:
                return {"outcome": "error", "at": "list"}
            self.think(1, 3)
            supporter = ""
            taken_times: set[str] = set()
            taken = 0
            for attempt in range(1, MAX_TRIES + 1):
                links = self.open_times(supporter)
                if links is None:
                    return {"outcome": "error", "at": "times", "taken": taken}
                if attempt == 1 and random.random() < 0.2:
                    # a fifth look for one counsellor by name (the filter on the page)
                    ids = COUNSELLOR_OPTION.findall(links[1])
                    if ids:
                        supporter = random.choice(ids)
                        self.think(1, 2)
                        links = self.open_times(supporter)
                        if links is None:
                            return {"outcome": "error", "at": "times", "taken": taken}
                choices = [link for link in links[0] if link not in taken_times]
                if not choices:
                    return {"outcome": "no open time", "taken": taken}
                early = choices[:6]
                link = random.choice(early if random.random() < 0.7 else choices)
                self.think(2, 5)
                result = self.confirm(link)
                if result == "booked":
                    return {"outcome": "booked", "taken": taken, "tries": attempt}
                if result != "taken":
                    return {"outcome": result, "taken": taken, "tries": attempt}
                taken += 1
                taken_times.add(link)
                self.think(1, 2)
            return {"outcome": "gave up", "taken": taken, "tries": MAX_TRIES}

        def open_times(self, supporter: str) -> tuple[list[str], str] | None:
            """The confirm links of the first week with open times (up to four weeks)."""
            for week in range(4):
                query = f"?week={week}" + (f"&supporter={supporter}" if supporter else "")
                text = self.page(times + query, "book: times", expect="booking-days")
                if text is None:
                    return None
                links = [html.unescape(link) for link in SLOT_LINK.findall(text)]
                if links:
                    return links, text
            return [], ""

        def confirm(self, link: str) -> str:
            text = self.page(link, "book: confirm (GET)", expect=CSRF_NAME)
            if text is None:
                return "error"
            fields = dict(HIDDEN.findall(text))
            fields = {key: html.unescape(value) for key, value in fields.items()}
            fields["csrfmiddlewaretoken"] = _csrf(text)
            self.think(1, 3)
            response = self.post(link.split("?")[0], "book: confirm (POST)", fields)
            if response is None:
                return "error"
            if response.status_code == 302:
                where = response.headers.get("Location", "")
                if self.page(where, "booking page") is None:
                    return "error"
                return "booked"
            if any(text in response.text for text in TAKEN_TEXTS):
                return "taken"
            return "refused: " + _errors(response.text)

    class Staff(Visitor):
        fixed_count = data["staff_count"]

        signed_in = False

        def wait_time(self) -> float:
            return random.uniform(3, 8) if self.signed_in else IDLE

        def on_start(self) -> None:
            self.email, self.role, index = next(staff, ("", "", 0))
            self.address = f"10.9.{index}.7"
            own = f"/o/{org}/calendar/"
            self.signed_in = bool(self.email) and self.login(self.email, own)

        @task
        def read(self) -> None:
            if not self.signed_in:
                return
            week = random.choice(data["weeks"])
            if self.role == "coordinator" and random.random() < 0.6:
                page = random.randint(1, 3)
                path = f"/o/{org}/programs/{data['program']}/calendar/?page={page}&week={week}"
                self.page(path, "calendar: program", expect="</table>")
            else:
                self.page(f"/o/{org}/calendar/?week={week}", "calendar: my week")

    return Student, Staff


def _baseline_user() -> type:
    """The same users asking ``/healthz`` at the booking run's request rate."""
    # locust (and gevent's monkey patching) only in the locust process
    from locust import HttpUser, constant_throughput, events, task

    data = _load_data()
    recorder = _Recorder()
    events.request.add_listener(recorder.on_request)
    events.quitting.add_listener(lambda **kw: recorder.dump(data["out"]))
    per_user = data["rps"] / data["users"]

    class Health(HttpUser):
        fixed_count = data["users"]
        wait_time = constant_throughput(per_user)

        @task
        def health(self) -> None:
            with self.client.get(
                "/healthz",
                name="/healthz",
                headers={"X-Forwarded-Proto": "https", "X-Request-ID": _request_id("/healthz")},
                timeout=data["timeout"],
                catch_response=True,
            ) as response:
                if response.status_code == 200 and '"ok"' in response.text:
                    response.success()
                else:
                    _fail(response)

    return Health


CSRF_NAME = "csrfmiddlewaretoken"


def _request_id(name: str) -> str:
    """The request log's id (bansou.ops.middleware takes X-Request-ID as it comes): the
    page's name first, so that the server's own time can be matched to each page."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + "." + secrets.token_hex(6)


def _csrf(text: str) -> str:
    found = CSRF.search(text)
    return found.group(1) if found else ""


def _errors(text: str) -> str:
    found = ERRORS.search(text)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip()[:120] if found else "?"


def _fail(response: Any) -> None:
    code = response.status_code
    response.failure(f"HTTP {code}" if code else f"no answer: {response.error}")


# ---------------------------------------------------------------------------------------
# Orchestration: data, servers, the two locust runs, the checks and the table.
# Django and the models are imported inside the functions below: the settings module and
# the database URL must be chosen before Django loads.
# ---------------------------------------------------------------------------------------

FAMILY = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"),
]  # fmt: skip
GIVEN = [
    ("陽菜", "ヒナ"), ("蓮", "レン"), ("結衣", "ユイ"), ("湊", "ミナト"), ("葵", "アオイ"),
    ("大翔", "ヒロト"), ("美咲", "ミサキ"), ("悠真", "ユウマ"), ("さくら", "サクラ"),
]  # fmt: skip


def _person(n: int, email: str) -> Any:
    from bansou.accounts.services import user_create  # Django is set up by now

    family, family_kana = FAMILY[n % len(FAMILY)]
    given, given_kana = GIVEN[(n // len(FAMILY)) % len(GIVEN)]
    return user_create(
        email=email,
        password=None,
        family_name=family,
        given_name=given,
        family_name_kana=family_kana,
        given_name_kana=given_kana,
    )


def _weekly(rng: random.Random) -> list[tuple[int, str, str]]:
    """(weekday, from, until): full time with a lunch break and a day off, a late shift
    with two evenings, or part time with Saturday."""
    profile = rng.random()
    if profile < 0.6:
        off = rng.randrange(5)
        return [
            (wd, a, b)
            for wd in range(5)
            if wd != off
            for a, b in (("09:00", "12:00"), ("13:00", "17:00"))
        ]
    if profile < 0.85:
        rules = [(wd, a, b) for wd in range(5) for a, b in (("10:00", "12:30"), ("13:30", "18:00"))]
        return [*rules, (1, "18:30", "21:00"), (3, "18:30", "21:00")]
    return [(wd, "13:00", "17:00") for wd in sorted(rng.sample(range(5), 3))] + [
        (5, "10:00", "15:00")
    ]


def build(*, students: int, staff: int, earlier: int, seed: int) -> dict[str, Any]:
    """The career centre, through the project's services; what locust needs to know."""
    # Django is set up by now (see the note above)
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from bansou.accounts.models import User
    from bansou.core.roles import Role
    from bansou.engagements.selectors.booking import open_times
    from bansou.engagements.services.booking import booking_create
    from bansou.orgs.models import Organization
    from bansou.orgs.services import membership_grant, organization_create
    from bansou.programs.models import Program, Side
    from bansou.programs.services.enrollments import enrollment_ensure
    from bansou.programs.services.programs import ProgramData, program_create
    from bansou.scheduling.models import AppointmentType
    from bansou.scheduling.services.appointment_types import appointment_type_create
    from bansou.scheduling.services.availability import (
        availability_exception_add,
        availability_rule_add,
        booking_limits_set,
    )

    rng = random.Random(seed)
    today = timezone.localdate()
    org = organization_create(
        name="ばんそう大学 キャリアセンター",
        slug="career-centre",
        kind=Organization.Kind.UNIVERSITY,
    )
    coordinators = [
        _person(n, f"coordinator{n}@bench.example") for n in range(min(COORDINATORS, staff))
    ]
    counsellors = [_person(n + 3, f"counsellor{n}@bench.example") for n in range(COUNSELLORS)]
    program = program_create(
        organization=org,
        data=ProgramData(
            name="個別キャリア相談",
            slug="consultations",
            kind=Program.Kind.APPOINTMENTS,
            starts_on=today - datetime.timedelta(days=60),
            ends_on=today + datetime.timedelta(days=300),
        ),
        created_by=None,
    )
    for person in coordinators:
        membership_grant(organization=org, user=person, role=Role.COORDINATOR)
    for person in counsellors:
        membership_grant(organization=org, user=person, role=Role.SUPPORTER)
        enrollment_ensure(program=program, user=person, side=Side.SUPPORTER)
        for weekday, start, end in _weekly(rng):
            availability_rule_add(
                organization=org,
                user=person,
                weekday=weekday,
                starts_at=datetime.time.fromisoformat(start),
                ends_at=datetime.time.fromisoformat(end),
                actor=person,
            )
        for day in rng.sample(range(2, 56), 3):
            availability_exception_add(
                organization=org,
                user=person,
                day=today + datetime.timedelta(days=day),
                kind="off",
                note="研修",
                actor=person,
            )
        booking_limits_set(
            organization=org,
            user=person,
            per_day=rng.randint(6, 8),
            per_week=rng.randint(25, 35),
            per_month=None,
            actor=person,
        )
    kind = appointment_type_create(
        program=program,
        actor=coordinators[0] if coordinators else None,
        name="30分オンライン相談",
        duration_minutes=30,
        mode=AppointmentType.Mode.ONLINE,
        buffer_after_minutes=10,
        min_notice_hours=24,
        max_days_ahead=56,
    )
    clients = []
    for n in range(students + earlier):
        person = _person(n, f"student{n}@bench.example")
        membership_grant(organization=org, user=person, role=Role.CLIENT)
        enrollment_ensure(program=program, user=person, side=Side.CLIENT)
        clients.append(person)
    # One real hash for every account: PBKDF2 costs what it costs in production at login.
    # Each address is confirmed, as the owner's first sign-in from the invitation would.
    everyone = [*coordinators, *counsellors, *clients]
    ids = [p.pk for p in everyone]
    User.objects.filter(pk__in=ids).update(password=make_password(PASSWORD))
    EmailAddress.objects.filter(user_id__in=ids).delete()
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=p, email=p.email, primary=True, verified=True) for p in everyone]
    )
    # Earlier students' bookings over the eight weeks, one each, through the booking
    # service (any counsellor, chosen fairly), as the students would have made them.
    slots = open_times(
        appointment_type=kind, supporter_ids=[p.pk for p in counsellors], mode="pool"
    )
    booked = 0
    for client in clients[students:]:
        for slot in rng.sample(slots, min(len(slots), 3)):
            try:
                booking_create(
                    appointment_type=kind, client=client, starts_at=slot.starts_at, booked_by=client
                )
            except ValidationError:  # every counsellor free then is taken or at a limit
                continue
            booked += 1
            break
    monday = today - datetime.timedelta(days=today.weekday())
    staff_rows = [
        (p.email, "coordinator", n) for n, p in enumerate(coordinators)
    ] + [
        (p.email, "supporter", COORDINATORS + n)
        for n, p in enumerate(counsellors[: max(0, staff - len(coordinators))])
    ]  # fmt: skip
    return {
        "org": org.slug,
        "program": program.slug,
        "type": kind.pk,
        "password": PASSWORD,
        "students": [p.email for p in clients[:students]],
        "staff": staff_rows,
        "weeks": [str(monday + datetime.timedelta(days=7 * w)) for w in (0, 0, 1)],
        "earlier_bookings": booked,
        "counsellors": len(counsellors),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")
        time.sleep(0.3)


@contextmanager
def _process(args: list[str], *, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A child process (its own process group), stopped with SIGTERM at the end."""
    with log.open("ab") as out:
        child = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield child
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


def _machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, every process)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:8]]
    return (sum(values) - values[3] - values[4]) / TICKS  # less idle and iowait


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (gunicorn's master and workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _locust(
    *, phase: str, users: int, rate: float, seconds: int, host: str, data: dict[str, Any],
    workdir: Path, env: dict[str, str], server: int,
) -> dict[str, Any]:  # fmt: skip
    """One headless locust run; what its users recorded, and where the machine's CPU went
    (in cores: gunicorn, locust, and the rest: PostgreSQL and anything else running)."""
    out = workdir / f"{phase}.json"
    data_file = workdir / f"{phase}-input.json"
    data_file.write_text(json.dumps({**data, "out": str(out)}), "utf-8")
    args = [
        sys.executable, "-m", "locust", "-f", str(Path(__file__).resolve()), "--headless",
        "-u", str(users), "-r", f"{rate:.3f}", "-t", f"{seconds}s", "--host", host,
        "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    log = workdir / f"locust-{phase}.log"
    run_env = {**env, PHASE: phase, DATA: str(data_file)}
    before = (time.monotonic(), _machine_busy(), _tree_cpu(server), _children_cpu())
    with _process(args, env=run_env, log=log) as child:
        child.wait(timeout=seconds + 120)
    wall, busy, gunicorn, own = (
        now - then
        for now, then in zip(
            (time.monotonic(), _machine_busy(), _tree_cpu(server), _children_cpu()),
            before,
            strict=True,
        )
    )
    if not out.exists():
        raise RuntimeError(f"locust wrote no results; its log:\n{log.read_text()[-3000:]}")
    result: dict[str, Any] = json.loads(out.read_text("utf-8"))
    result["cpu_cores"] = {
        "machine": round(busy / wall, 2),
        "gunicorn": round(gunicorn / wall, 2),
        "locust": round(own / wall, 2),
        "rest": round(max(0.0, busy - gunicorn - own) / wall, 2),
    }
    return result


def _percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least ``q`` of all values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _summary(rows: list[list[Any]], seconds: float) -> dict[str, Any]:
    times = [ms for _, ms, _ in rows]
    kinds = [kind for _, _, kind in rows]
    errors = sum(1 for k in kinds if k in ("5xx", "timeout", "connection"))
    if not times:
        return {"requests": 0}
    return {
        "requests": len(times),
        "rps": round(len(times) / seconds, 1),
        "p50_ms": round(_percentile(times, 0.50)),
        "p95_ms": round(_percentile(times, 0.95)),
        "p99_ms": round(_percentile(times, 0.99)),
        "max_ms": round(max(times)),
        "errors": errors,
        "error_rate_pct": round(100 * errors / len(times), 2),
        "5xx": kinds.count("5xx"),
        "timeouts": kinds.count("timeout"),
        "unexpected": kinds.count("unexpected"),
    }


def _add_server(row: dict[str, Any], times: list[float]) -> None:
    if times:
        row["server_p50_ms"] = round(_percentile(times, 0.50))
        row["server_p95_ms"] = round(_percentile(times, 0.95))


def _checks() -> dict[str, int]:
    """Double bookings after the run: one person's overlapping active calendar blocks (the
    SQL of tests/concurrency.py) and one client's overlapping scheduled sessions."""
    from django.db import connection  # Django is set up by now

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM engagements_calendarblock a JOIN engagements_calendarblock b "
            "ON a.user_id = b.user_id AND a.id < b.id AND a.is_active AND b.is_active "
            "AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
        )
        blocks = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM engagements_session a "
            "JOIN engagements_engagement ea ON ea.id = a.engagement_id "
            "JOIN engagements_session b ON b.id > a.id AND b.status = 'scheduled' "
            "JOIN engagements_engagement eb ON eb.id = b.engagement_id "
            "AND eb.client_id = ea.client_id "
            "WHERE a.status = 'scheduled' AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
        )
        clients = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM engagements_session WHERE booked_via = 'client' "
            "AND status = 'scheduled'"
        )
        sessions = cursor.fetchone()[0]
    return {
        "overlapping_blocks": blocks,
        "overlapping_client_sessions": clients,
        "booked": sessions,
    }


def _server_times(log: Path) -> dict[str, list[float]]:
    """Milliseconds inside Django per page (the request log's ``duration_ms``, keyed by the
    name in the request id): the answer time less the wait for a free worker."""
    times: dict[str, list[float]] = {}
    for line in log.read_text("utf-8", errors="replace").splitlines() if log.exists() else ():
        if not line.startswith("{") or '"duration_ms"' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        name = str(entry.get("request_id", "")).rpartition(".")[0]
        if name:
            times.setdefault(name, []).append(float(entry["duration_ms"]))
    return times


def _log_problems(log: Path) -> dict[str, int]:
    text = log.read_text("utf-8", errors="replace") if log.exists() else ""
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "status_5xx_logged": len(re.findall(r'"status": 5\d\d', text)),
    }


def _students(records: list[dict[str, Any]]) -> dict[str, Any]:
    outcomes: dict[str, int] = {}
    for record in records:
        key = record["outcome"].split(":")[0]
        outcomes[key] = outcomes.get(key, 0) + 1
    booked = [r for r in records if r["outcome"] == "booked"]
    return {
        "started": len(records),
        "outcomes": outcomes,
        "just_taken_answers": sum(r.get("taken", 0) for r in records),
        "students_with_a_taken": sum(1 for r in records if r.get("taken", 0)),
        "booked_after_a_taken": sum(1 for r in booked if r.get("taken", 0)),
        "last_booking_s": max((r["t"] for r in booked), default=None),
        "refusals": sorted({r["outcome"] for r in records if r["outcome"].startswith("refused")}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--quick", action="store_true", help="60 s: 60 students, 10 staff")
    parser.add_argument("--students", type=int)
    parser.add_argument("--staff", type=int)
    parser.add_argument("--earlier", type=int, help="earlier students, one booking each (400)")
    parser.add_argument("--duration", type=int, help="seconds of the booking run (300)")
    parser.add_argument("--baseline-duration", type=int, help="seconds of the baseline (60)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument("--threads", type=int, default=1, help="over 1: gthread workers")
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout, seconds")
    parser.add_argument(
        "--no-trusted-proxy",
        action="store_true",
        help="leave BANSOU_TRUSTED_PROXIES unset: every visitor has the proxy's address",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    quick = args.quick
    students = args.students or (60 if quick else 300)
    staff = args.staff if args.staff is not None else (10 if quick else 30)
    earlier = args.earlier if args.earlier is not None else (60 if quick else 400)
    duration = args.duration or (60 if quick else 300)
    baseline_duration = args.baseline_duration or (20 if quick else 60)
    if not args.database_url or not args.database_url.startswith(("postgres", "pgsql")):
        parser.error("needs a PostgreSQL --database-url (or DATABASE_URL)")

    started = time.monotonic()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="banso-load-")))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "PYTHONPATH": str(ROOT),
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "BANSOU_BASE_URL": "https://bansou.example.org",
            "BANSOU_VAR_DIR": str(workdir / "var"),
            "EMAIL_URL": "dummymail://",
            "DATABASE_URL": args.database_url,
            # the proxy the script plays: X-Forwarded-For names each visitor
            "BANSOU_TRUSTED_PROXIES": "127.0.0.1",
        }
        if args.no_trusted_proxy:
            del env["BANSOU_TRUSTED_PROXIES"]
        redis = shutil.which("redis-server")
        if redis:
            port = _free_port()
            stack.enter_context(
                _process(
                    [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--dir", str(workdir)],
                    env=env,
                    log=workdir / "redis.log",
                )
            )  # fmt: skip
            env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        os.environ.update(env)
        import django  # after the environment above

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django_scopes import scopes_disabled

        old_name = connection.settings_dict["NAME"]
        test_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        stack.callback(connection.creation.destroy_test_db, old_name, verbosity=0)
        url = urlsplit(args.database_url)
        env["DATABASE_URL"] = urlunsplit(url._replace(path="/" + test_name))
        if redis:
            _wait_for_redis(int(env["REDIS_URL"].rsplit(":", 1)[1].split("/")[0]))
        call_command("collectstatic", interactive=False, verbosity=0)
        t0 = time.monotonic()
        with scopes_disabled():
            data = build(students=students, staff=staff, earlier=earlier, seed=args.seed)
        build_s = time.monotonic() - t0
        connection.close()

        port = _free_port()
        host = f"http://127.0.0.1:{port}"
        worker_args = ["--workers", str(args.workers)]
        if args.threads > 1:
            worker_args += ["--worker-class", "gthread", "--threads", str(args.threads)]
        gunicorn_log = workdir / "gunicorn.log"
        server = stack.enter_context(
            _process(
                [sys.executable, "-m", "gunicorn", "bansou.wsgi", *worker_args,
                 "--bind", f"127.0.0.1:{port}"],
                env=env,
                log=gunicorn_log,
            )
        )  # fmt: skip
        _wait_for(host + "/healthz", 60)
        load_before = os.getloadavg()[0]
        # What the rest of the machine uses while this test does nothing (other users).
        idle_from = _machine_busy()
        time.sleep(10)
        background = round((_machine_busy() - idle_from) / 10, 2)
        common = {**data, "timeout": args.timeout}
        users = students + staff
        # Everyone arrives over the run but its last minute (at least half the run; staff
        # among the first), so the last students still have time to finish within it.
        ramp = max(0.5 * duration, duration - 60.0)
        run = _locust(
            phase="booking",
            users=users,
            rate=users / ramp,
            seconds=duration,
            host=host,
            data={**common, "students_count": students, "staff_count": staff},
            workdir=workdir,
            env=env,
            server=server.pid,
        )
        booking = _summary(run["requests"], duration)
        per_page: dict[str, dict[str, Any]] = {}
        for name in sorted({row[0] for row in run["requests"]}):
            rows = [row for row in run["requests"] if row[0] == name]
            per_page[name] = _summary(rows, duration)
        rps = max(1.0, booking.get("rps", 1.0))
        base = _locust(
            phase="baseline",
            users=users,
            rate=rps,  # each user asks once on arrival, then at rps / users: a steady rate
            seconds=baseline_duration,
            host=host,
            data={**common, "users": users, "rps": rps},
            workdir=workdir,
            env=env,
            server=server.pid,
        )
        baseline = _summary(base["requests"], baseline_duration)
        load_after = os.getloadavg()[0]
        problems = _log_problems(gunicorn_log)
        server_ms = _server_times(gunicorn_log)
        for name, row in [*per_page.items(), ("/healthz", baseline)]:
            _add_server(row, server_ms.get(_request_id(name).rpartition(".")[0], []))
        _add_server(booking, [ms for n, v in server_ms.items() if n != "healthz" for ms in v])
        checks = _checks()
        # Leaving the block stops gunicorn, drops the database (it must be idle by then),
        # stops Redis and removes the working directory, in that order.
    out = {
        "machine_cores": os.cpu_count(),
        "settings": SETTINGS
        + ("" if args.no_trusted_proxy else ", BANSOU_TRUSTED_PROXIES=127.0.0.1"),
        "gunicorn": f"{args.workers} "
        + (f"gthread workers x {args.threads} threads" if args.threads > 1 else "sync workers"),
        "redis": bool(redis),
        "students": students,
        "staff": staff,
        "counsellors": data["counsellors"],
        "earlier_bookings": data["earlier_bookings"],
        "duration_s": duration,
        "build_s": round(build_s, 1),
        "booking_run": booking,
        "per_page": per_page,
        "baseline_healthz": baseline,
        "student_outcomes": _students(run["students"]),
        "failures": {
            **run["failures"],
            **{"baseline " + k: v for k, v in base["failures"].items()},
        },
        "double_bookings": checks,
        "server_log": problems,
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "cpu_cores": {
            "background_before": background,
            "booking_run": run["cpu_cores"],
            "baseline": base["cpu_cores"],
        },
        "total_s": round(time.monotonic() - started),
    }
    _print(out, as_json=args.json)


def _wait_for_redis(port: int) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("redis-server did not start")
        time.sleep(0.2)


COLUMNS = (
    "requests", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "server_p50_ms", "server_p95_ms",
    "errors", "unexpected",
)  # fmt: skip


def _print(out: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(out, ensure_ascii=False))
        return
    print(
        f"Booking load: {out['students']} students, {out['staff']} staff, "
        f"{out['duration_s']} s; gunicorn {out['gunicorn']}; {out['settings']}; "
        f"Redis {'on' if out['redis'] else 'off'}; {out['machine_cores']} cores, "
        f"load average {out['load_average'][0]} before, {out['load_average'][1]} after"
    )
    labels = ("requests", "rps", "p50", "p95", "p99", "max", "srv p50", "srv p95", "errors")
    print(f"{'(times in ms)':<24}" + "".join(f"{c:>9}" for c in (*labels, "unexp.", "error %")))

    def line(name: str, row: dict[str, Any]) -> None:
        cells = "".join(f"{row.get(c, '-')!s:>9}" for c in COLUMNS)
        print(f"{name:<24}{cells}{row.get('error_rate_pct', '-')!s:>9}")

    line("booking run (all)", out["booking_run"])
    for name, row in out["per_page"].items():
        line("  " + name, row)
    line("baseline /healthz", out["baseline_healthz"])
    s = out["student_outcomes"]
    print(
        f"students: {s['started']} started, outcomes {s['outcomes']}, "
        f"{s['just_taken_answers']} 'just taken' answers (expected) to "
        f"{s['students_with_a_taken']} students, {s['booked_after_a_taken']} of whom then "
        "booked another time; "
        f"last booking at {s['last_booking_s']} s"
    )
    for refusal in s["refusals"]:
        print("  " + refusal)
    for failure, count in sorted(out["failures"].items()):
        print(f"  failed {count} x {failure}")
    d = out["double_bookings"]
    print(
        f"double bookings: {d['overlapping_blocks']} overlapping active calendar blocks, "
        f"{d['overlapping_client_sessions']} clients with overlapping sessions; "
        f"{d['booked']} client bookings held ({out['earlier_bookings']} made before the run)"
    )
    c = out["cpu_cores"]
    print(
        f"CPU in cores (of {out['machine_cores']}): others before the run "
        f"{c['background_before']}; "
        + "; ".join(
            f"{phase.replace('_', ' ')}: machine {c[phase]['machine']} (gunicorn "
            f"{c[phase]['gunicorn']}, locust {c[phase]['locust']}, PostgreSQL and everything "
            f"else {c[phase]['rest']})"
            for phase in ("booking_run", "baseline")
        )
    )
    p = out["server_log"]
    print(
        f"server log: {p['tracebacks']} tracebacks, {p['worker_timeouts']} worker timeouts, "
        f"{p['status_5xx_logged']} 5xx logged; data built in {out['build_s']} s, "
        f"whole run {out['total_s']} s"
    )


if os.environ.get(PHASE) == "booking":
    Student, Staff = _booking_users()
elif os.environ.get(PHASE) == "baseline":
    Health = _baseline_user()

if __name__ == "__main__" and not os.environ.get(PHASE):
    main()
