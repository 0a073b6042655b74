"""The audit log reads as sentences in the viewer's language, filters by who, what and
when (kept in the URL, through the pages), and exports as CSV, the export itself
recorded."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from bansou.audit.models import AuditEntry
from bansou.audit.services import audit_log
from bansou.core.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, SessionNoteFactory, UserFactory
from tests.prepared import prepared_download

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    org = OrganizationFactory()
    coordinator = MembershipFactory(
        organization=org,
        role=Role.COORDINATOR,
        user=UserFactory(family_name="佐藤", given_name="美咲"),
    ).user
    other = MembershipFactory(
        organization=org,
        role=Role.COORDINATOR,
        user=UserFactory(family_name="鈴木", given_name="一郎"),
    ).user
    client_user = UserFactory(family_name="伊藤", given_name="さくら")
    note = SessionNoteFactory(
        session__engagement__client=client_user,
        session__engagement__program__organization=org,
        session__engagement__organization=org,
        session__organization=org,
        organization=org,
    )
    read = audit_log(
        organization=org,
        actor=coordinator,
        action="session_note.read",
        target=note,
        reason="=本人からの相談内容の確認",
        ip_address="203.0.113.5",
    )
    old = audit_log(organization=org, actor=other, action="retention_set", data={"months": 12})
    return org, coordinator, other, read, old


def _page(client, org, user, **query):
    client.force_login(user)
    return client.get(reverse("audit:list", args=[org.slug]), query)


def test_entries_read_as_sentences_in_the_viewers_language(client, log):
    org, coordinator, *_ = log
    body = _page(client, org, coordinator).content.decode()
    assert "佐藤 美咲が伊藤 さくらさんの非公開メモを閲覧" in body
    assert "理由: =本人からの相談内容の確認" in body
    coordinator.language = "en"
    coordinator.save()
    with translation.override("en"):
        body = _page(client, org, coordinator).content.decode()
    assert "佐藤 美咲 read a private note about 伊藤 さくら" in body


def test_filters_narrow_the_log_and_stay_in_the_url(client, log):
    org, coordinator, other, read, old = log
    lines = _page(client, org, coordinator, actor=other.pk).context["lines"]
    assert [line.entry.pk for line in lines] == [old.pk]
    lines = _page(client, org, coordinator, action="session_note.read").context["lines"]
    assert [line.entry.pk for line in lines] == [read.pk]
    today = timezone.localdate()
    lines = _page(client, org, coordinator, since=today, until=today).context["lines"]
    assert {line.entry.pk for line in lines} == {read.pk, old.pk}
    tomorrow = today + datetime.timedelta(days=1)
    assert _page(client, org, coordinator, since=tomorrow).context["lines"] == []
    for _ in range(55):
        audit_log(organization=org, actor=other, action="retention_set")
    page = _page(client, org, coordinator, actor=other.pk)
    assert f"actor={other.pk}&amp;page=2" in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"actor": "①"},
        {"actor": str(2**70)},
        {"action": "nothing.such"},
        {"since": "0001-01-01"},
        {"since": "2026-12-10", "until": "2026-12-01"},
    ],
)
def test_bad_filters_are_explained_and_never_fail(client, log, query):
    org, coordinator, *_ = log
    response = _page(client, org, coordinator, **query)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors  # said on the field
    assert len(response.context["lines"]) == 2  # the log is shown unfiltered


def test_the_export_is_filtered_safe_for_spreadsheets_and_recorded(
    client, log, django_capture_on_commit_callbacks
):
    org, coordinator, _other, _read, _old = log
    client.force_login(coordinator)
    url = reverse("audit:export", args=[org.slug]) + "?action=session_note.read"
    confirm = client.get(url)
    assert confirm.context["rows"] == 1  # what the file will hold, before anything is made
    with django_capture_on_commit_callbacks(execute=True):  # the file is built after commit
        response = client.post(url, REMOTE_ADDR="198.51.100.20")
    download = prepared_download(client, response)
    assert download["Content-Type"].startswith("text/csv")
    assert download["Content-Disposition"].startswith("attachment")
    text = download.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[1][1] == "佐藤 美咲が伊藤 さくらさんの非公開メモを閲覧"
    assert rows[1][2] == "'=本人からの相談内容の確認"  # not run as a formula
    with scopes_disabled():
        exported = AuditEntry.objects.get(organization=org, action="audit.exported")
    assert exported.actor == coordinator and exported.ip_address == "198.51.100.20"
    assert exported.data["rows"] == 1 and exported.data["action"] == "session_note.read"
