"""A client's own data (APPI 第33条): the self-service PDF and JSON, the coordinator's
disclosure export, what each may and may not hold, the audit row of every export, and a
query count that does not grow with the sessions."""

import datetime
import json
import re
import zoneinfo

import pypdfium2 as pdfium
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from bansou.accounts.models import User
from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Reflection, Session, SessionRecord
from bansou.matching.models import MatchingProfile
from bansou.people.models import GuardianConsent
from bansou.privacy.selectors.export import personal_data
from tests.conftest import CANARY, ClientFactory, ConstantQueries, World
from tests.factories import (
    ApplicationFactory,
    ClientProfileFactory,
    EngagementFactory,
    MembershipFactory,
    SessionFactory,
    SessionNoteFactory,
    UserFactory,
)
from tests.prepared import Download, prepared_download, prepared_request

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
FEB_25 = datetime.datetime(2025, 2, 25, 10, 0, tzinfo=TOKYO)  # a Tuesday
SUMMARY = "履歴書の書き方を一緒に確認しました"
REFLECTION = "𠮷田さんの話が大事でした😀"
PRIVATE = "ORGAMARKさん private note"  # planted on the client's session by the world
OTHER_CLIENT_SUMMARY = "別の相談者の要約テキスト"


def _pdf_text(content: bytes) -> str:
    """The PDF's text with line breaks and spaces taken out (a table cell may wrap)."""
    document = pdfium.PdfDocument(content)
    text = "".join(page.get_textpage().get_text_bounded() for page in document)
    return re.sub(r"\s+", "", text)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _client(world: World) -> User:
    user = world.a.members[Role.CLIENT]
    user.family_name, user.given_name = "王", "芳"
    user.family_name_kana, user.given_name_kana = "ワン", "ファン"
    user.save()
    return user


def _engagement(world: World) -> Engagement:
    engagement = world.a.extra["engagement"]
    assert isinstance(engagement, Engagement)
    return engagement


def _session_with_summary_and_reflection(world: World) -> Session:
    session = SessionFactory(engagement=_engagement(world), starts_at=FEB_25)
    SessionRecord.objects.create(
        organization=world.a.organization, session=session, shared_summary=SUMMARY
    )
    Reflection.objects.create(
        organization=world.a.organization,
        session=session,
        important=REFLECTION,
        noticed="自分のペースで進めたい",
        feeling=4,
        via=Reflection.Via.WEB,
    )
    return session


def _other_client_in_a(world: World) -> None:
    other = UserFactory(family_name="別人", given_name="花子")
    MembershipFactory(organization=world.a.organization, user=other, role=Role.CLIENT)
    ClientProfileFactory(organization=world.a.organization, user=other)
    engagement = EngagementFactory(
        program=world.a.extra["program"], client=other, supporter=world.a.members[Role.SUPPORTER]
    )
    session = SessionFactory(engagement=engagement, starts_at=FEB_25)
    SessionRecord.objects.create(
        organization=world.a.organization, session=session, shared_summary=OTHER_CLIENT_SUMMARY
    )
    SessionNoteFactory(session=session, body="別の相談者の非公開メモ")


def _url(world: World, name: str, **kwargs: object) -> str:
    return reverse(name, kwargs={"org_slug": world.a.organization.slug, **kwargs})


def _disclosure_url(world: World) -> str:
    return _url(world, "privacy:disclosure_export", client_pk=world.a.extra["client_profile"].pk)


def _disclose(client: Client, world: World, **data: str) -> "object":
    """The disclosure form posted; the prepared file when it was accepted."""
    response = prepared_request(client, _disclosure_url(world), {"file_format": "pdf", **data})
    return prepared_download(client, response) if response.status_code == 302 else response


def _my_file(client: Client, world: World, file_format: str) -> Download:
    response = prepared_request(
        client, _url(world, "privacy:my_data"), {"file_format": file_format}
    )
    return prepared_download(client, response)


# --- The client's own files ------------------------------------------------------------


def test_my_data_page_explains_and_offers_both_files(world: World, client_for: ClientFactory):
    response = client_for(_client(world)).get(_url(world, "privacy:my_data"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="file_format" value="pdf"' in body
    assert 'name="file_format" value="json"' in body
    assert "no-store" in response["Cache-Control"]
    # The menu offers it to clients only.
    assert _url(world, "privacy:my_data") in body
    staff = client_for(world.a.members[Role.SUPPORTER]).get(_url(world, "orgs:dashboard"))
    assert _url(world, "privacy:my_data") not in staff.content.decode()


def test_self_service_pdf_holds_name_session_date_summary_and_reflection(
    world: World, client_for: ClientFactory
):
    user = _client(world)
    _session_with_summary_and_reflection(world)
    response = _my_file(client_for(user), world, "pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert re.fullmatch(
        r'attachment; filename="bansou-org-a-\d{4}-\d{2}-\d{2}\.pdf"',
        response["Content-Disposition"],
    )
    assert "no-store" in response["Cache-Control"]
    text = _pdf_text(response.content)
    assert "王芳" in text and "ワンファン" in text
    assert "2025年2月25日(火)" in text
    assert _squash(SUMMARY) in text
    assert _squash(REFLECTION) in text
    assert world.a.organization.name.replace(" ", "") in text


def test_self_service_files_hold_no_private_note_nor_other_peoples_data(
    world: World, client_for: ClientFactory
):
    user = _client(world)
    _session_with_summary_and_reflection(world)
    _other_client_in_a(world)
    browser = client_for(user)
    pdf = _pdf_text(_my_file(browser, world, "pdf").content)
    raw = _my_file(browser, world, "json").content.decode()
    for text in (pdf, _squash(raw)):
        assert _squash(SUMMARY) in text  # the file is really the client's
        assert _squash(PRIVATE) not in text
        assert "非公開メモ" not in text
        assert _squash(OTHER_CLIENT_SUMMARY) not in text
        assert "別人" not in text
        assert CANARY not in text
    assert "private_notes" not in json.loads(raw)["engagements"][0]["sessions"][0]
    assert json.loads(raw)["includes_private_notes"] is False


def test_json_parses_and_round_trips_the_values(world: World, client_for: ClientFactory):
    user = _client(world)
    session = _session_with_summary_and_reflection(world)
    response = _my_file(client_for(user), world, "json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].endswith('.json"')
    assert REFLECTION.encode() in response.content  # UTF-8, not \u escapes
    data = json.loads(response.content.decode("utf-8"))
    assert data["format_version"] == 1
    assert datetime.datetime.fromisoformat(data["generated_at"]).tzinfo is not None
    assert data["organization"]["slug"] == "org-a"
    assert data["profile"]["family_name"] == "王"
    assert data["profile"]["family_name_kana"] == "ワン"
    assert data["profile"]["email"] == user.email
    assert data["profile"]["category"]["code"] == world.a.extra["client_profile"].category
    exported = next(s for e in data["engagements"] for s in e["sessions"] if s["id"] == session.pk)
    assert datetime.datetime.fromisoformat(exported["starts_at"]) == FEB_25
    assert exported["starts_at"] == "2025-02-25T10:00:00+09:00"
    assert exported["shared_summary"] == SUMMARY
    assert exported["reflection"]["important"] == REFLECTION
    assert exported["reflection"]["feeling"] == 4
    assert exported["status"]["code"] == "held" and exported["status"]["label"]
    assert data["engagements"][0]["goals"] == _engagement(world).goals
    assert {"matching", "applications", "guardian_consents", "bookings"} <= set(data)


def test_json_holds_applications_consents_and_wishes_of_this_organisation_only(
    world: World, client_for: ClientFactory
):
    user = _client(world)
    ApplicationFactory(
        program=world.a.extra["program"],
        email=user.email.upper(),
        answers=[{"question": "志望動機", "answer": "教育の仕事がしたい"}],
        message="よろしくお願いします",
    )
    ApplicationFactory(program=world.b.extra["program"], email=user.email, message=CANARY)
    GuardianConsent.objects.create(
        organization=world.a.organization,
        client=world.a.extra["client_profile"],
        guardian_name="王 父",
        relationship="父",
        method=GuardianConsent.Method.PAPER,
        given_on=datetime.date(2025, 4, 1),
    )
    MatchingProfile.objects.create(
        organization=world.a.organization, user=user, slots=["tue-evening"], areas=["横浜"]
    )
    response = _my_file(client_for(user), world, "json")
    data = json.loads(response.content)
    assert [a["answers"] for a in data["applications"]] == [
        [{"question": "志望動機", "answer": "教育の仕事がしたい"}]
    ]
    assert data["applications"][0]["message"] == "よろしくお願いします"
    assert [(c["guardian_name"], c["given_on"]) for c in data["guardian_consents"]] == [
        ("王 父", "2025-04-01")
    ]
    assert data["matching"]["preferences"]["areas"] == ["横浜"]
    assert [r["message"] for r in data["matching"]["requests"]] == [
        world.a.extra["match_request"].message
    ]
    assert CANARY not in response.content.decode()
    assert "2025年4月1日(火)" in _pdf_text(_my_file(client_for(user), world, "pdf").content)


def test_english_client_gets_english_files(world: World, client_for: ClientFactory):
    user = _client(world)
    user.language = "en"
    user.save()
    _session_with_summary_and_reflection(world)
    text = _pdf_text(_my_file(client_for(user), world, "pdf").content)
    assert "Sessions" in text
    assert _squash("Tue, 25 Feb 2025") in text
    # A Japanese coordinator's disclosure export is in the client's language too.
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    response = _disclose(coordinator, world, reason="開示請求への対応のため")
    assert _squash("Tue, 25 Feb 2025") in _pdf_text(response.content)


def test_each_self_service_download_writes_one_audit_row(world: World, client_for: ClientFactory):
    user = _client(world)
    browser = client_for(user)
    before = AuditEntry.objects.count()
    _my_file(browser, world, "pdf")
    _my_file(browser, world, "json")
    entries = list(AuditEntry.objects.order_by("id"))[before:]
    assert [e.action for e in entries] == ["privacy.personal_data_exported"] * 2
    assert [e.data for e in entries] == [
        {"format": "pdf", "private_notes": False},
        {"format": "json", "private_notes": False},
    ]
    for entry in entries:
        assert entry.actor == user
        assert entry.organization == world.a.organization
        assert entry.ip_address == "127.0.0.1"
        assert (entry.object_type, entry.object_id) == ("accounts.user", str(user.pk))


# --- The coordinator's disclosure export ------------------------------------------------


def test_disclosure_holds_private_notes_only_when_ticked_with_a_reason(
    world: World, client_for: ClientFactory
):
    _client(world)
    _session_with_summary_and_reflection(world)
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    page = coordinator.get(_disclosure_url(world))
    assert page.status_code == 200
    assert 'name="include_private_notes"' in page.content.decode()

    without = _disclose(coordinator, world, reason="本人からの開示請求（3月3日）")
    assert without["Content-Type"] == "application/pdf"
    assert "disclosure" in without["Content-Disposition"]
    text = _pdf_text(without.content)
    assert _squash(SUMMARY) in text and _squash(PRIVATE) not in text

    ticked = _disclose(
        coordinator, world, reason="本人からの開示請求（3月3日）", include_private_notes="on"
    )
    assert _squash(PRIVATE) in _pdf_text(ticked.content)

    as_json = _disclose(
        coordinator,
        world,
        reason="本人からの開示請求（3月3日）",
        include_private_notes="on",
        file_format="json",
    )
    data = json.loads(as_json.content)
    assert data["includes_private_notes"] is True
    notes = [
        n["body"] for e in data["engagements"] for s in e["sessions"] for n in s["private_notes"]
    ]
    assert notes == [PRIVATE]
    assert CANARY not in as_json.content.decode()


def test_a_short_reason_is_refused_on_the_field(world: World, client_for: ClientFactory):
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    before = AuditEntry.objects.count()
    for reason in ("確認", "ああああああ", ""):
        response = _disclose(coordinator, world, reason=reason, include_private_notes="on")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        form = response.context["form"]
        assert list(form.errors) == ["reason"]
        body = response.content.decode()
        assert 'id="id_reason_error"' in body
        assert all(escape(error) in body for error in form.errors["reason"])
        assert _squash(PRIVATE) not in _squash(body)
    assert AuditEntry.objects.count() == before


def test_each_disclosure_writes_one_audit_row_with_reason_and_address(
    world: World, client_for: ClientFactory
):
    coordinator_user = world.a.members[Role.COORDINATOR]
    coordinator = client_for(coordinator_user)
    before = AuditEntry.objects.count()
    coordinator.post(
        _disclosure_url(world),
        {"file_format": "json", "include_private_notes": "on", "reason": "開示請求への対応"},
        REMOTE_ADDR="203.0.113.9",
    )
    entries = list(AuditEntry.objects.order_by("id"))[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == "privacy.disclosure_exported"
    assert entry.actor == coordinator_user
    assert entry.reason == "開示請求への対応"
    assert entry.ip_address == "203.0.113.9"
    assert entry.data == {"format": "json", "private_notes": True}
    assert entry.object_id == str(world.a.members[Role.CLIENT].pk)


def test_roles_and_other_organisations(world: World, client_for: ClientFactory):
    assert (
        client_for(world.a.members[Role.SUPPORTER])
        .post(_url(world, "privacy:my_data"), {"file_format": "pdf"})
        .status_code
        == 403
    )
    assert client_for(world.a.members[Role.CLIENT]).get(_disclosure_url(world)).status_code == 403
    b_profile = world.b.extra["client_profile"]
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    url = _url(world, "privacy:disclosure_export", client_pk=b_profile.pk)
    assert coordinator.get(url).status_code == 404
    refused = coordinator.post(url, {"file_format": "json", "reason": "開示請求への対応"})
    assert refused.status_code == 404


# --- Queries -----------------------------------------------------------------------------


def test_export_queries_do_not_grow_with_sessions(
    world: World, client_for: ClientFactory, assert_constant_queries: ConstantQueries
):
    user = _client(world)
    serial = iter(range(1000))

    def build(n: int) -> list[str]:
        texts = []
        for _ in range(n):
            tag = f"要約{next(serial):04d}"
            session = SessionFactory(engagement=_engagement(world), starts_at=FEB_25)
            SessionRecord.objects.create(
                organization=world.a.organization, session=session, shared_summary=tag
            ).topics.add(world.a.extra["topic"])
            Reflection.objects.create(
                organization=world.a.organization, session=session, important=tag, via="web"
            )
            SessionNoteFactory(session=session, body=f"note {tag}")
            texts.append(tag)
        return texts

    browser = client_for(user)
    assert_constant_queries(
        build=build, get=lambda: _my_file(browser, world, "json"), small=2, large=20
    )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            data = personal_data(
                organization=world.a.organization, client=user, include_private_notes=True
            )
        assert data.private_notes
        return len(queries)

    few = count()
    build(18)
    assert count() == few


def _named_and_anonymous_answers(world: World, user: User) -> None:
    """The client answered a named survey (their answers are theirs) and an anonymous one
    (nobody's); another organisation's named survey carries the canary."""
    import uuid

    from django.utils import timezone

    from bansou.surveys.services.answering import response_submit_invited
    from bansou.surveys.services.dispatch import invitation_issue
    from tests.surveys.helpers import make_survey, service_answers

    coordinator = world.a.members[Role.COORDINATOR]
    for anonymous, text in ((False, "記名の回答です"), (True, "匿名の回答です")):
        survey = make_survey(world.a.organization, coordinator, anonymous=anonymous)
        invitation = invitation_issue(survey=survey, person=user, now=timezone.now())
        response_submit_invited(
            invitation=invitation,
            answers=service_answers(survey, {5: text}),
            language="ja",
            key=uuid.uuid4(),
        )


def test_the_files_hold_the_persons_salon_visits_and_named_survey_answers_only(
    world: World, client_for: ClientFactory
):
    from bansou.programs.models import Topic
    from tests.factories import SalonBlockFactory, VisitFactory

    user = _client(world)
    block = SalonBlockFactory(program=world.a.extra["program"])
    visit = VisitFactory(block=block, student=user, grade="2年", private_note="支援者だけのメモ")
    visit.topics.add(
        Topic.objects.create(
            organization=world.a.organization, program=world.a.extra["program"], name="進学"
        )
    )
    VisitFactory(block=block, student=None, grade="3年")  # anonymous: nobody's
    _named_and_anonymous_answers(world, user)
    data = json.loads(_my_file(client_for(user), world, "json").content)
    mine = [v for v in data["salon_visits"] if v["venue"] == block.venue.name]
    assert [(v["kind_code"], v["grade"], v["topics"]) for v in mine] == [
        ("walk_in", "2年", ["進学"])
    ]
    answers = [a["answer"] for a in data["survey_answers"]]
    assert "記名の回答です" in answers and "匿名の回答です" not in answers
    assert sum(a["survey"] == "面談後アンケート" for a in data["survey_answers"]) == 6
    text = _pdf_text(_my_file(client_for(user), world, "pdf").content)
    assert "記名の回答です" in text and block.venue.name in text
    for hidden in ("匿名の回答です", "支援者だけのメモ", "3年"):
        assert hidden not in text and hidden not in json.dumps(data, ensure_ascii=False)
