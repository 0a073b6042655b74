"""The long lists of a program: the application queue, the program page's enrolments and a
training's attendance checklist find people by kana (either script) or romaji, narrow by
their filters, keep the filters in their links, page, and answer a filtered page with the
same number of queries for 3 matching rows and for 30."""

import itertools
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.people.models import GuardianConsent
from bansou.people.services.profiles import client_profile_ensure
from bansou.programs.models import Application, Side, TrainingAttendance
from tests.factories import ApplicationFactory, EnrollmentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def _tag(prefix: str) -> str:
    return f"{prefix}{next(_serial):05d}"


def _queue(org, program):
    return reverse("programs:applications", args=[org.slug, program.slug])


def _detail(org, program):
    return reverse("programs:detail", args=[org.slug, program.slug])


def _training(org, program, training):
    return reverse("programs:training", args=[org.slug, program.slug, training.pk])


def _minor(program, **kwargs):
    """A minor's client application without a guardian's consent (made before the form
    asked for one)."""
    return ApplicationFactory(program=program, side=Side.CLIENT, is_minor=True, **kwargs)


def _names(body: str) -> list[str]:
    return re.findall(r'<td class="queue-name">\s*<a [^>]*>([^<]*)</a>', body)


# --- the application queue -------------------------------------------------------------


def test_queue_finds_an_applicant_by_kana_in_either_script_romaji_or_email(
    world, client_for, org, program, coordinator
):
    ApplicationFactory(program=program, family_name="大谷", family_name_kana="オオタニ")
    ApplicationFactory(program=program, family_name="鈴木", family_name_kana="スズキ")
    client = client_for(coordinator)
    for typed in ("おおたに", "オオタニ", "ｵｵﾀﾆ", "ootani", "大谷"):
        body = client.get(_queue(org, program), {"q": typed}).content.decode()
        assert "大谷" in body and "鈴木" not in body, typed
    by_mail = ApplicationFactory(program=program, family_name="メール", email="mail-me@x.test")
    body = client.get(_queue(org, program), {"q": "mail-me"}).content.decode()
    assert _names(body) == [f"{by_mail.family_name} {by_mail.given_name}"]


def test_queue_filters_by_category_and_side_and_orders_by_date(
    world, client_for, org, program, coordinator
):
    student = ApplicationFactory(program=program, family_name="高校", category="high_school")
    ApplicationFactory(program=program, family_name="大学", category="university")
    ApplicationFactory(program=program, family_name="支援", side=Side.SUPPORTER)
    client = client_for(coordinator)
    body = client.get(_queue(org, program), {"category": "high_school"}).content.decode()
    assert _names(body) == [f"高校 {student.given_name}"]
    body = client.get(_queue(org, program), {"side": "supporter"}).content.decode()
    assert [n.split()[0] for n in _names(body)] == ["支援"]
    newest = [n.split()[0] for n in _names(client.get(_queue(org, program)).content.decode())]
    oldest = client.get(_queue(org, program), {"order": "oldest"}).content.decode()
    assert [n.split()[0] for n in _names(oldest)] == list(reversed(newest))
    assert newest[0] == "支援"


def test_queue_marks_minors_without_consent_and_filters_them(
    world, client_for, org, program, coordinator
):
    lacking = _minor(program, family_name="未同意")
    ApplicationFactory(
        program=program,
        family_name="同意済",
        is_minor=True,
        guardian_name="山本 恵",
        guardian_consent_at=timezone.now(),
    )
    ApplicationFactory(program=program, family_name="成人")
    # A minor whose profile here already holds a guardian's consent can be accepted.
    known = UserFactory(email="known-minor@example.test")
    MembershipFactory(organization=org, user=known, role=Role.CLIENT)
    profile = client_profile_ensure(organization=org, user=known, is_minor=True)
    GuardianConsent.objects.create(
        organization=org,
        client=profile,
        guardian_name="保護者",
        relationship="父",
        method=GuardianConsent.Method.PAPER,
        given_on=timezone.localdate(),
    )
    _minor(program, family_name="記録済", email="Known-Minor@example.test")
    client = client_for(coordinator)

    body = client.get(_queue(org, program)).content.decode()
    assert body.count('class="badge badge-consent"') == 1
    row = body.split("未同意", 1)[1].split("</td>", 1)[0]
    assert "badge-consent" in row
    only = client.get(_queue(org, program), {"minors": "on"}).content.decode()
    assert [n.split()[0] for n in _names(only)] == ["未同意"]
    assert re.search(r'<input type="checkbox" name="minors"[^>]* checked', only)

    # Accepting the marked application is still refused, and nothing changes.
    response = client.post(
        reverse("programs:application", args=[org.slug, lacking.pk]),
        {"decision": "accept"},
        follow=True,
    )
    assert 'id="guardian-consent-missing"' in response.content.decode()
    lacking.refresh_from_db()
    assert lacking.status == Application.Status.PENDING and lacking.user is None


def test_queue_status_chips_count_and_keep_the_other_filters(
    world, client_for, org, program, coordinator
):
    for status in ("pending", "pending", "waitlisted"):
        ApplicationFactory(program=program, family_name_kana="オオタニ", status=status)
    ApplicationFactory(program=program, family_name_kana="スズキ")
    client = client_for(coordinator)
    body = client.get(_queue(org, program), {"q": "おおたに", "page": "1"}).content.decode()
    chips = body.split('class="filter-chips"', 1)[1].split("</nav>", 1)[0]
    # Counted under the search: 2 pending, 1 waitlisted, 3 in all (not the planted ones).
    assert '<span class="count">3</span>' in chips and '<span class="count">2</span>' in chips
    # The chips keep the search and drop the page.
    assert f'href="?{urlencode({"q": "おおたに"})}&amp;status=waitlisted"' in chips
    waitlisted = client.get(_queue(org, program), {"q": "おおたに", "status": "waitlisted"})
    assert len(_names(waitlisted.content.decode())) == 1
    assert 'name="status" value="waitlisted"' in waitlisted.content.decode()


def test_queue_ignores_bad_filter_values(world, client_for, org, program, coordinator):
    ApplicationFactory(program=program, family_name_kana="オオタニ", family_name="大谷")
    query = {"q": "ootani", "status": "nonsense", "category": "<b>", "order": "x", "page": "z"}
    response = client_for(coordinator).get(_queue(org, program), query)
    assert response.status_code == 200
    assert [n.split()[0] for n in _names(response.content.decode())] == ["大谷"]


def test_queue_pages_and_the_pager_keeps_the_filters(world, client_for, org, program, coordinator):
    for _ in range(51):
        ApplicationFactory(program=program, family_name_kana="オオタニ", category="worker")
    client = client_for(coordinator)
    first = client.get(_queue(org, program), {"q": "おおたに"}).content.decode()
    assert len(_names(first)) == 50
    assert 'rel="next"' in first and "q=%E3%81%8A%E3%81%8A%E3%81%9F%E3%81%AB&amp;page=2" in first
    second = client.get(_queue(org, program), {"q": "おおたに", "page": "2"}).content.decode()
    assert len(_names(second)) == 1


def test_searched_and_filtered_queue_query_count_constant(
    world, client_for, org, program, coordinator, assert_constant_queries
):
    def build(n):
        names = []
        for _ in range(n):
            match = _minor(
                program, family_name=_tag("応募"), family_name_kana="オオタニ", category="worker"
            )
            _minor(program, family_name_kana="スズキ", category="worker")  # not found
            ApplicationFactory(program=program, family_name_kana="オオタニ", category="worker")
            names.append(match.family_name)
        return names

    client = client_for(coordinator)
    query = {"q": "おおたに", "category": "worker", "minors": "on", "order": "reading"}
    assert_constant_queries(build=build, get=lambda: client.get(_queue(org, program), query))


# --- the program page's enrolments -------------------------------------------------------


def _enrolled(org, program, side, kana, family_name=None):
    tag = _tag("人")
    user = UserFactory(
        family_name=family_name or tag, family_name_kana=kana, email=f"{tag[1:]}@example.test"
    )
    MembershipFactory(organization=org, user=user, role=Role(side))
    EnrollmentFactory(program=program, user=user, side=side)
    return user


def test_program_page_finds_enrolled_people_by_kana_and_filters_side_and_readiness(
    world, client_for, org, program, coordinator
):
    training = world.a.extra["training"]
    ready = _enrolled(org, program, Side.SUPPORTER, "オオタニ", "大谷")
    TrainingAttendance.objects.create(
        organization=org, training=training, user=ready, attended_on=timezone.localdate()
    )
    _enrolled(org, program, Side.SUPPORTER, "オオノ", "大野")
    _enrolled(org, program, Side.CLIENT, "オオタ", "太田")
    _enrolled(org, program, Side.CLIENT, "スズキ", "鈴木")
    client = client_for(coordinator)

    def listed(**query):
        body = client.get(_detail(org, program), query).content.decode()
        people = body.split('id="enrolled"', 1)[1].split("</article>", 1)[0]
        return {name for name in ("大谷", "大野", "太田", "鈴木") if name in people}

    assert listed(q="おお") == {"大谷", "大野", "太田"}
    assert listed(q="ｵｵﾀﾆ") == {"大谷"} and listed(q="oono") == {"大野"}
    assert listed(q="おお", side="client") == {"太田"}
    assert listed(readiness="missing") == {"大野"}
    assert listed(readiness="ready") == {"大谷"}


def test_program_page_pages_its_enrolments(world, client_for, org, program, coordinator):
    for _ in range(30):
        _enrolled(org, program, Side.CLIENT, "オオタ")
    client = client_for(coordinator)
    first = client.get(_detail(org, program), {"side": "client"}).content.decode()
    people = first.split('id="enrolled"', 1)[1].split("</article>", 1)[0]
    assert 'href="?side=client&amp;page=2#enrolled"' in people
    second = client.get(_detail(org, program), {"side": "client", "page": "2"}).content.decode()
    people = second.split('id="enrolled"', 1)[1].split("</article>", 1)[0]
    assert people.count("<li>") == 31 - 25


def test_filtered_program_page_query_count_constant(
    world, client_for, org, program, coordinator, assert_constant_queries
):
    built: list[str] = []

    def build(n):
        names = []
        for _ in range(n):
            names.append(_enrolled(org, program, Side.SUPPORTER, "オオタニ").family_name)
            _enrolled(org, program, Side.SUPPORTER, "スズキ")  # not found
            _enrolled(org, program, Side.CLIENT, "オオタニ")  # the other side
        shown = names[: 25 - len(built)]  # the first page (reading order, then address)
        built.extend(shown)
        return shown

    client = client_for(coordinator)
    query = {"q": "おおたに", "side": "supporter", "readiness": "missing"}
    assert_constant_queries(build=build, get=lambda: client.get(_detail(org, program), query))


# --- a training's attendance checklist ---------------------------------------------------


def test_checklist_finds_supporters_by_kana_and_filters_by_attendance(
    world, client_for, org, program, coordinator
):
    training = world.a.extra["training"]
    came = _enrolled(org, program, Side.SUPPORTER, "オオタニ", "大谷")
    TrainingAttendance.objects.create(
        organization=org, training=training, user=came, attended_on=timezone.localdate()
    )
    _enrolled(org, program, Side.SUPPORTER, "オオノ", "大野")
    _enrolled(org, program, Side.SUPPORTER, "スズキ", "鈴木")
    client = client_for(coordinator)

    def listed(**query):
        body = client.get(_training(org, program, training), query).content.decode()
        return {name for name in ("大谷", "大野", "鈴木") if name in body}

    assert listed(q="おお") == {"大谷", "大野"} and listed(q="suzuki") == {"鈴木"}
    assert listed(attended="yes") == {"大谷"}
    assert listed(attended="no", q="オオ") == {"大野"}


def test_saving_one_page_of_the_checklist_leaves_the_other_rows_alone(
    world, client_for, org, program, coordinator
):
    training = world.a.extra["training"]
    shown = _enrolled(org, program, Side.SUPPORTER, "オオタニ")
    elsewhere = _enrolled(org, program, Side.SUPPORTER, "スズキ")
    TrainingAttendance.objects.create(
        organization=org, training=training, user=elsewhere, attended_on=timezone.localdate()
    )
    url = _training(org, program, training) + "?q=%E3%81%8A%E3%81%8A%E3%81%9F%E3%81%AB"
    page = client_for(coordinator).get(url).content.decode()
    assert f'name="date_{shown.pk}"' in page and f'name="date_{elsewhere.pk}"' not in page
    day = timezone.localdate().isoformat()
    response = client_for(coordinator).post(
        url, {f"attended_{shown.pk}": "on", f"date_{shown.pk}": day}
    )
    assert response.status_code == 302 and response["Location"] == url
    attended = set(TrainingAttendance.objects.filter(training=training).values_list("user_id"))
    assert attended == {(shown.pk,), (elsewhere.pk,)}


def test_filtered_checklist_query_count_constant(
    world, client_for, org, program, coordinator, assert_constant_queries
):
    training = world.a.extra["training"]

    def build(n):
        names = []
        for _ in range(n):
            user = _enrolled(org, program, Side.SUPPORTER, "オオタニ")
            names.append(user.family_name)
            came = _enrolled(org, program, Side.SUPPORTER, "オオタニ")  # attended: left out
            TrainingAttendance.objects.create(
                organization=org, training=training, user=came, attended_on=timezone.localdate()
            )
        return names

    client = client_for(coordinator)
    query = {"q": "おおたに", "attended": "no"}
    url = _training(org, program, training)
    assert_constant_queries(build=build, get=lambda: client.get(url, query))
