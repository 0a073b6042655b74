"""The embedded default under concurrency: ``make demo``'s server (runserver on a SQLite
file after ``migrate`` and ``demo_data``) takes simultaneous writes from many people at
once without a single "database is locked" error, and every write lands.

Runs in the SQLite run of ``make test`` (the server must use SQLite); the PostgreSQL run
skips it.
"""

import html.parser
import http.client
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="the server under test runs the embedded default (SQLite)",
)

REPO = Path(__file__).resolve().parents[2]
MARK = "並行テスト"
SAVES = 3
# Other people signing in meanwhile (each hashes a password: both cores stay busy). A fixed
# number: the demo's bulk students and teachers would make it a test of the hash's cost.
LATE_SIGN_INS = 24

# Held sessions without a reflection, one per client in an active engagement, made in the
# server's database before it starts (the demo holds only a couple).
SETUP = """
import datetime
from django.utils import timezone
from django_scopes import scopes_disabled
from bansou.engagements.models import Engagement, Session

with scopes_disabled():
    for engagement in Engagement.objects.filter(status="active").select_related("supporter"):
        start = timezone.now() - datetime.timedelta(days=1)
        Session.objects.create(
            organization=engagement.organization,
            engagement=engagement,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            mode="online",
            status="held",
            created_by=engagement.supporter or engagement.client,
        )
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int
    database: Path
    log: Path

    def rows(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.database, timeout=30) as db:
            return db.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``make demo`` in a temporary directory, on a free port."""
    var = tmp_path_factory.mktemp("demo")
    database = var / "bansou.sqlite3"
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "PYTEST_XDIST_WORKER", "SECRET_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bansou.settings.local",
        DATABASE_URL=f"sqlite:///{database}",
        BANSOU_VAR_DIR=str(var),
        EMAIL_URL="dummymail://",
        # Each thread below is a visitor of its own behind the one trusted proxy, so that
        # the public form's per-address limit does not count them together.
        BANSOU_TRUSTED_PROXIES="127.0.0.1",
        LOG_LEVEL="ERROR",
        REQUEST_LOG_LEVEL="WARNING",
    )
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--no-input"], ["demo_data"], ["shell", "-c", SETUP]):
        subprocess.run(manage + command, cwd=REPO, env=env, check=True, capture_output=True)
    log = var / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.2)
        yield Server(port=port, database=database, log=log)
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- a small browser ------------------------------------------------------------------------


class _Forms(html.parser.HTMLParser):
    """The fields of every form on a page, with the values a browser would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._text: tuple[str, list[str]] | None = None
        self._select: str | None = None
        self._first_option: tuple[str, str] | None = None
        self._selected = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = []
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self._form.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and a.get("name"):
            self._text = (a["name"], [])
        elif tag == "select" and a.get("name"):
            self._select, self._first_option, self._selected = a["name"], None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = (self._select, value)
            if "selected" in a:
                self._form.append((self._select, value))
                self._selected = True

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "textarea" and self._text is not None:
            self._form.append((self._text[0], "".join(self._text[1])))
            self._text = None
        elif tag == "select" and self._select:
            if not self._selected and self._first_option is not None:
                self._form.append(self._first_option)
            self._select = None
        elif tag == "form":
            self.forms.append(self._form)
            self._form = None


class Browser:
    """One visitor: its cookies and one kept-alive connection, opened before the burst (as
    a browser holds one), so that the requests fired together all reach the server at
    once rather than queueing for the development server's accept backlog."""

    def __init__(self, server: Server, address: str) -> None:
        self.port = server.port
        self.address = address  # the visitor's address, as the trusted proxy forwards it
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def _send(self, method: str, path: str, body: str | None) -> tuple[int, str, str]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {
            "X-Forwarded-For": self.address,
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode(errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie(header)
            for name, morsel in jar.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        if response.headers.get("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return response.status, response.headers.get("Location", ""), text

    def _open(self, path: str, data: list[tuple[str, str]] | None = None) -> tuple[int, str]:
        """The page at ``path`` (posting ``data``), after any redirects."""
        body = urllib.parse.urlencode(data) if data is not None else None
        status, location, text = self._send("GET" if body is None else "POST", path, body)
        while status in (301, 302, 303) and location:
            target = urllib.parse.urlsplit(location)
            path = target.path + (f"?{target.query}" if target.query else "")
            status, location, text = self._send("GET", path, None)
        return status, text

    def get(self, path: str) -> tuple[int, str]:
        return self._open(path)

    def form(self, path: str, having: str) -> list[tuple[str, str]]:
        """The fields of the page's form that has a field named ``having``."""
        status, body = self.get(path)
        assert status == 200, (path, status)
        parser = _Forms()
        parser.feed(body)
        return next(f for f in parser.forms if any(name == having for name, _ in f))

    def post(self, path: str, fields: list[tuple[str, str]]) -> tuple[int, str]:
        return self._open(path, fields)

    def filled(self, path: str, having: str = "", **values: str) -> "Job":
        """Reads the page's form (the one with a field ``having``, else the first of
        ``values``) now; sending it with ``values`` changed is left for later."""
        fields = _replace(self.form(path, having=having or next(iter(values))), **values)
        return lambda: self.post(path, fields)

    def signing_in(self, email: str) -> "Job":
        """The login form, filled with the demo password, to send later."""
        return self.filled("/accounts/login/", login=email, password=settings.BANSOU_DEMO_PASSWORD)

    def sign_in(self, email: str) -> tuple[int, str]:
        return self.signing_in(email)()


def _replace(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    kept = [(name, value) for name, value in fields if name not in values]
    return kept + list(values.items())


# --- the writes, all at once ----------------------------------------------------------------


Job = Callable[[], tuple[int, str]]


def _in_a_row(*steps: Job) -> Job:
    """One job of several requests: the first that fails, else the last."""

    def run() -> tuple[int, str]:
        for step in steps:
            status, body = step()
            if status != 200:
                break
        return status, body

    return run


def _at_once(jobs: list[tuple[str, Job]]) -> list[tuple[str, int, str]]:
    """Runs every job in its own thread, released together; (label, status, body) each."""
    barrier = threading.Barrier(len(jobs))
    results: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def run(label: str, job: Job) -> None:
        barrier.wait()
        try:
            status, body = job()
        except OSError as error:  # the server dropped the connection: a failure too
            status, body = 0, repr(error)
        with lock:
            results.append((label, status, body))

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _clients(server: Server) -> list[tuple[str, str, int]]:
    """(email, organisation slug, session id): one held session without a reflection per
    client, in a program that asks for reflections."""
    rows = server.rows(
        """
        SELECT u.email, o.slug, max(s.id) FROM engagements_session s
        JOIN engagements_engagement e ON e.id = s.engagement_id
        JOIN accounts_user u ON u.id = e.client_id
        JOIN orgs_organization o ON o.id = s.organization_id
        JOIN programs_program p ON p.id = e.program_id
        LEFT JOIN engagements_reflection r ON r.session_id = s.id
        WHERE s.status = 'held' AND r.id IS NULL AND p.reflection_enabled
        GROUP BY u.email, o.slug ORDER BY u.email
        """
    )
    return [(str(email), str(slug), int(str(pk))) for email, slug, pk in rows]


def _supporters(server: Server) -> list[tuple[str, str]]:
    rows = server.rows(
        """
        SELECT u.email, o.slug FROM orgs_membership m
        JOIN accounts_user u ON u.id = m.user_id
        JOIN orgs_organization o ON o.id = m.organization_id
        WHERE m.role = 'supporter' AND m.is_active ORDER BY u.email
        """
    )
    return [(str(email), str(slug)) for email, slug in rows]


def _members(server: Server, *, excluding: list[str]) -> list[str]:
    rows = server.rows(
        """
        SELECT DISTINCT u.email FROM orgs_membership m
        JOIN accounts_user u ON u.id = m.user_id
        WHERE m.is_active ORDER BY 1
        """
    )
    return [str(email) for (email,) in rows if email not in excluding]


def _public_program(server: Server) -> tuple[str, str]:
    slug, org = server.rows(
        """
        SELECT p.slug, o.slug FROM programs_program p
        JOIN orgs_organization o ON o.id = p.organization_id
        WHERE p.is_public AND p.accepts_clients AND p.ends_on >= date('now')
        ORDER BY p.id LIMIT 1
        """
    )[0]
    return str(org), str(slug)


def test_simultaneous_reflections_profiles_applications_and_sign_ins(server: Server) -> None:
    started = time.monotonic()
    clients = _clients(server)
    supporters = _supporters(server)
    # Everyone of the demo who can write a reflection or keeps a supporter profile.
    assert len(clients) >= 8 and len(supporters) >= 8, (clients, supporters)
    people = [email for email, _, _ in clients] + [email for email, _ in supporters]
    browsers = {email: Browser(server, f"192.0.2.{n + 1}") for n, email in enumerate(people)}

    # Everyone signs in at once (sessions, last login and the throttle counters are writes).
    signed_in = _at_once([(email, browsers[email].signing_in(email)) for email in people])
    assert [(label, status) for label, status, _ in signed_in if status != 200] == [], (
        server.log.read_text()[-4000:]
    )
    assert all('action="/accounts/logout/"' in body for _, _, body in signed_in)

    # Then, all at once: each client sends a reflection and reads two pages, each supporter
    # saves their profile three times in a row, eight visitors apply, and the rest of the
    # demo's people (LATE_SIGN_INS of them) sign in, hashing their passwords meanwhile.
    jobs: list[tuple[str, Job]] = []
    for n, email in enumerate(_members(server, excluding=people)[:LATE_SIGN_INS]):
        late = Browser(server, f"203.0.113.{n + 1}")
        jobs.append((f"sign-in {email}", late.signing_in(email)))
    for email, org, session_pk in clients:
        browser = browsers[email]
        path = f"/o/{org}/sessions/{session_pk}/reflection/"
        sends = browser.filled(path, having="important", important=f"{MARK} {email}")
        reads = [lambda b=browser, o=org: b.get(f"/o/{o}/")] * 2
        jobs.append((f"reflection {email}", _in_a_row(sends, *reads)))
    for email, org in supporters:
        path = f"/o/{org}/me/supporter-profile/"
        saves = [
            lambda b=browsers[email], p=path, e=email, r=r: b.filled(p, bio=f"{MARK} {e} {r}")()
            for r in range(SAVES)
        ]
        jobs.append((f"profile {email}", _in_a_row(*saves)))
    org, program = _public_program(server)
    for n in range(8):
        visitor = Browser(server, f"198.51.100.{n + 1}")
        job = visitor.filled(
            f"/p/{org}/{program}/apply/client/",
            family_name="並行",
            given_name=f"応募{n}",
            email=f"parallel{n}@example.test",
            category="worker",
            consent="on",
        )
        jobs.append((f"application {n}", job))

    results = _at_once(jobs)

    failures = [(label, status, body[:300]) for label, status, body in results if status != 200]
    assert failures == [], server.log.read_text()[-4000:]
    assert "database is locked" not in server.log.read_text()
    # Every write landed.
    reflections = server.rows(
        "SELECT session_id, important FROM engagements_reflection WHERE important LIKE ?",
        f"{MARK}%",
    )
    assert sorted(reflections) == sorted((pk, f"{MARK} {email}") for email, _, pk in clients)
    bios = server.rows("SELECT bio FROM people_supporterprofile WHERE bio LIKE ?", f"{MARK}%")
    last = SAVES - 1
    assert sorted(b for (b,) in bios) == sorted(f"{MARK} {e} {last}" for e, _ in supporters)
    applications = server.rows(
        "SELECT email FROM programs_application WHERE family_name = '並行' ORDER BY email"
    )
    assert [e for (e,) in applications] == [f"parallel{n}@example.test" for n in range(8)]
    assert time.monotonic() - started < 60


HOLD_SECONDS = 7  # longer than SQLite's default busy timeout (5 s), well under ours (20 s)


def test_a_write_waits_for_a_long_one_before_it_instead_of_failing(server: Server) -> None:
    """Another writer holds the database for a while (a slow disk, a long import, a
    backup): requests that write wait for it and then land; pages still read meanwhile."""
    email, org = _supporters(server)[-1]
    writer = Browser(server, "192.0.2.201")
    assert writer.sign_in(email)[0] == 200
    save = writer.filled(f"/o/{org}/me/supporter-profile/", bio=f"{MARK} held {email}")
    reader = Browser(server, "192.0.2.202")
    assert reader.get("/accounts/login/")[0] == 200
    answers: list[tuple[int, str]] = []
    thread = threading.Thread(target=lambda: answers.append(save()))
    hold = sqlite3.connect(server.database, isolation_level=None, timeout=30)
    try:
        hold.execute("BEGIN IMMEDIATE")
        thread.start()
        started = time.monotonic()
        assert reader.get("/accounts/login/")[0] == 200
        assert time.monotonic() - started < HOLD_SECONDS / 2
        time.sleep(HOLD_SECONDS)
    finally:
        hold.execute("COMMIT")
        hold.close()
    thread.join(timeout=60)
    assert [status for status, _ in answers] == [200], server.log.read_text()[-3000:]
    bio = server.rows(
        "SELECT bio FROM people_supporterprofile WHERE bio = ?", f"{MARK} held {email}"
    )
    assert len(bio) == 1


def test_reading_pages_writes_no_session_row(server: Server) -> None:
    """A signed-in person moving between pages does not write their session each time (the
    idle timeout is kept by a write at most once a minute)."""
    email, org = _supporters(server)[0]
    browser = Browser(server, "192.0.2.200")
    browser.sign_in(email)

    def expiry() -> list[tuple[object, ...]]:
        return server.rows("SELECT session_key, expire_date FROM django_session ORDER BY 1")

    before = expiry()
    for _ in range(5):
        assert browser.get(f"/o/{org}/")[0] == 200
    assert expiry() == before


def test_the_database_runs_in_wal_mode(server: Server) -> None:
    # WAL is a property of the file: readers and one writer no longer block each other.
    assert server.rows("PRAGMA journal_mode") == [("wal",)]
