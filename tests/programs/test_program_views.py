import pytest
from django.test import Client
from django.urls import reverse

from bansou.core.roles import Role
from bansou.programs.models import Enrollment, Phase, Program, Side, TrainingAttendance
from tests.factories import (
    ApplicationFactory,
    EnrollmentFactory,
    PhaseFactory,
    ProgramFactory,
)
from tests.programs.conftest import days

pytestmark = pytest.mark.django_db


def _url(name, org, **kwargs):
    return reverse(f"programs:{name}", kwargs={"org_slug": org.slug, **kwargs})


def _form(**overrides):
    data = {
        "name": "ママメンター 2026",
        "slug": "mentor-2026",
        "kind": "mentoring",
        "description": "NPOスタッフの伴走",
        "starts_on": "2026-10-01",
        "ends_on": "2027-02-28",
        "topics": "情報提供\n自己理解",
        "reflection_enabled": "on",
        "quiet_after_days": "21",
        "reminder_hours": "24, 1",
        "no_show_threshold": "2",
        "suppression_threshold": "5",
        "is_public": "on",
        "accepts_supporters": "on",
        "accepts_clients": "on",
        "supporter_questions": "キャリアコンサルタントの登録番号",
        "client_questions": "",
        "phases-TOTAL_FORMS": "2",
        "phases-INITIAL_FORMS": "0",
        "phases-0-name": "事前研修",
        "phases-0-kind": "pre_training",
        "phases-0-starts_on": "2026-10-01",
        "phases-0-ends_on": "2026-10-31",
        "phases-1-name": "",
        "phases-1-kind": "other",
        "phases-1-starts_on": "",
        "phases-1-ends_on": "",
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-0-name": "",
        "targets-0-kpi": "",
        "targets-0-kind": "output",
        "targets-0-target_value": "",
        "targets-0-unit": "",
        "targets-0-period_start": "",
        "targets-0-period_end": "",
    }
    data.update(overrides)
    return data


# --- list ---------------------------------------------------------------------------------


def test_program_list_as_coordinator_shows_counts_and_no_other_organisation(
    world, client_for, org, program
):
    ApplicationFactory(program=program)
    body = client_for(world.a.members[Role.COORDINATOR]).get(_url("list", org)).content.decode()
    assert program.name in body
    assert "LEAKCANARY" not in body
    assert _url("create", org) in body
    assert f"{_url('applications', org, program_slug=program.slug)}?status=pending" in body


def test_program_list_as_supporter_shows_only_enrolled_programs(world, client_for, org, program):
    other = ProgramFactory(organization=org, name="未登録のプログラム")
    body = client_for(world.a.members[Role.SUPPORTER]).get(_url("list", org)).content.decode()
    assert program.name in body
    assert other.name not in body
    assert _url("create", org) not in body


def test_program_list_refuses_partner(world, client_for, org):
    assert client_for(world.a.members[Role.PARTNER]).get(_url("list", org)).status_code == 403


# --- create and edit ----------------------------------------------------------------------


def test_program_create_page_offers_default_topics(world, client_for, org):
    body = client_for(world.a.members[Role.COORDINATOR]).get(_url("create", org)).content.decode()
    assert 'name="topics"' in body
    assert "Interviews" in body or "面接" in body
    assert 'name="phases-TOTAL_FORMS" value="4"' in body


def test_program_create_saves_and_redirects_to_detail(world, client_for, org, coordinator):
    response = client_for(coordinator).post(_url("create", org), _form())
    program = Program.objects.get(organization=org, slug="mentor-2026")
    assert response.status_code == 302
    assert response["Location"] == _url("detail", org, program_slug="mentor-2026")
    assert [p.name for p in program.phases.all()] == ["事前研修"]
    assert [t.name for t in program.topics.all()] == ["情報提供", "自己理解"]
    assert program.supporter_questions == ["キャリアコンサルタントの登録番号"]
    assert not program.targets.exists()


@pytest.mark.parametrize(
    ("overrides", "field_text"),
    [
        ({"ends_on": "2026-09-01"}, "2026-09-01"),
        ({"phases-0-starts_on": "2026-09-15"}, "2026-09-15"),
        ({"phases-0-ends_on": "2026-09-30"}, "2026-09-30"),
        ({"topics": "面接\n面接"}, "面接\n面接"),
        ({"name": "あ" * 121}, "あ" * 121),
        ({"slug": "new"}, 'value="new"'),
        ({"slug": "Not A Slug"}, "Not A Slug"),
        ({"slug": "<existing>"}, "<existing>"),
        ({"targets-0-name": "学校数", "targets-0-target_value": "-1"}, "学校数"),
        (
            {"is_public": "on", "accepts_supporters": "", "accepts_clients": ""},
            "ママメンター 2026",
        ),
    ],
)
def test_program_create_with_bad_input_redisplays_the_input(
    world, client_for, org, coordinator, program, overrides, field_text
):
    if overrides.get("slug") == "<existing>":  # the slug of a program that already exists
        overrides, field_text = {"slug": program.slug}, f'value="{program.slug}"'
    data = _form(**overrides)
    data = {k: v for k, v in data.items() if v != ""}
    response = client_for(coordinator).post(_url("create", org), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="form-errors"' in body
    assert field_text in body
    assert "ママメンター 2026" in body or "あ" * 121 in body
    assert not Program.objects.filter(organization=org, slug="mentor-2026").exists()


def test_program_create_with_emoji_in_the_name_is_kept(world, client_for, org, coordinator):
    response = client_for(coordinator).post(_url("create", org), _form(name="ひだまり🌱サロン"))
    assert response.status_code == 302
    assert Program.objects.get(slug="mentor-2026").name == "ひだまり🌱サロン"


def test_program_create_without_csrf_token_is_refused(world, org, coordinator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    response = client.post(_url("create", org), _form())
    assert response.status_code == 403
    assert not Program.objects.filter(slug="mentor-2026").exists()


def test_program_create_refused_for_supporter(world, client_for, org):
    response = client_for(world.a.members[Role.SUPPORTER]).post(_url("create", org), _form())
    assert response.status_code == 403
    assert not Program.objects.filter(slug="mentor-2026").exists()


def test_program_edit_updates_phases_and_removes_a_deleted_row(
    world, client_for, org, coordinator, program
):
    phase = program.phases.get()
    second = PhaseFactory(program=program, name="振り返り", starts_on=days(10), ends_on=days(20))
    data = _form(
        slug=program.slug,
        starts_on=program.starts_on.isoformat(),
        ends_on=program.ends_on.isoformat(),
        **{
            "phases-TOTAL_FORMS": "2",
            "phases-INITIAL_FORMS": "2",
            "phases-0-id": str(phase.pk),
            "phases-0-name": "伴走期間（改）",
            "phases-0-kind": "active",
            "phases-0-starts_on": phase.starts_on.isoformat(),
            "phases-0-ends_on": phase.ends_on.isoformat(),
            "phases-1-id": str(second.pk),
            "phases-1-name": second.name,
            "phases-1-kind": "reflection",
            "phases-1-starts_on": second.starts_on.isoformat(),
            "phases-1-ends_on": second.ends_on.isoformat(),
            "phases-1-DELETE": "on",
        },
    )
    response = client_for(coordinator).post(_url("edit", org, program_slug=program.slug), data)
    assert response.status_code == 302
    assert list(program.phases.values_list("pk", "name")) == [(phase.pk, "伴走期間（改）")]


def test_program_edit_of_another_organisations_phase_id_changes_nothing(
    world, client_for, org, coordinator, program
):
    foreign = world.b.extra["program"].phases.get()
    data = _form(
        slug=program.slug,
        starts_on=program.starts_on.isoformat(),
        ends_on=program.ends_on.isoformat(),
        **{
            "phases-TOTAL_FORMS": "1",
            "phases-INITIAL_FORMS": "1",
            "phases-0-id": str(foreign.pk),
            "phases-0-name": "乗っ取り",
            "phases-0-kind": "active",
            "phases-0-starts_on": program.starts_on.isoformat(),
            "phases-0-ends_on": program.ends_on.isoformat(),
        },
    )
    response = client_for(coordinator).post(_url("edit", org, program_slug=program.slug), data)
    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()
    assert Phase.objects.get(pk=foreign.pk).name != "乗っ取り"


def test_program_edit_page_is_prefilled(world, client_for, org, coordinator, program):
    body = client_for(coordinator).get(_url("edit", org, program_slug=program.slug)).content
    text = body.decode()
    assert f'value="{program.slug}"' in text
    assert world.a.extra["topic"].name in text
    assert 'name="phases-INITIAL_FORMS" value="1"' in text


# --- detail -------------------------------------------------------------------------------


def test_program_detail_shows_timeline_and_readiness_to_coordinator(
    world, client_for, org, coordinator, program
):
    supporter = world.a.members[Role.SUPPORTER]
    ready = EnrollmentFactory(program=program, side=Side.SUPPORTER).user
    TrainingAttendance.objects.create(
        organization=org,
        training=world.a.extra["training"],
        user=ready,
        attended_on=days(-1),
    )
    body = client_for(coordinator).get(_url("detail", org, program_slug=program.slug)).content
    text = body.decode()
    assert 'class="phase-timeline-bar phase-active g-left-' in text
    assert 'class="phase-timeline-today g-left-' in text
    assert "LEAKCANARY" not in text
    supporter_row = text.split(supporter.display_name, 1)[1].split("</li>", 1)[0]
    assert "badge-missing" in supporter_row and world.a.extra["training"].name in supporter_row
    ready_row = text.split(ready.display_name, 1)[1].split("</li>", 1)[0]
    assert "badge-ready" in ready_row


def test_program_detail_for_enrolled_supporter_is_read_only(world, client_for, org, program):
    body = client_for(world.a.members[Role.SUPPORTER]).get(
        _url("detail", org, program_slug=program.slug)
    )
    text = body.content.decode()
    assert body.status_code == 200
    assert program.name in text
    assert _url("edit", org, program_slug=program.slug) not in text
    assert world.a.extra["training"].name in text
    # No other people's names on a supporter's page.
    assert world.a.members[Role.CLIENT].display_name not in text


def test_program_detail_for_enrolled_client_shows_no_trainings(world, client_for, org, program):
    text = (
        client_for(world.a.members[Role.CLIENT])
        .get(_url("detail", org, program_slug=program.slug))
        .content.decode()
    )
    assert program.name in text
    assert world.a.extra["training"].name not in text
    assert world.a.members[Role.SUPPORTER].display_name not in text


def test_program_detail_is_404_for_a_member_not_enrolled(world, client_for, org, program):
    supporter = world.a.members[Role.SUPPORTER]
    Enrollment.objects.filter(user=supporter).update(is_active=False)
    response = client_for(supporter).get(_url("detail", org, program_slug=program.slug))
    assert response.status_code == 404


def test_program_detail_is_403_for_viewer(world, client_for, org, program):
    response = client_for(world.a.members[Role.VIEWER]).get(
        _url("detail", org, program_slug=program.slug)
    )
    assert response.status_code == 403


def test_program_detail_is_404_for_another_organisations_slug(world, client_for, org, coordinator):
    other = ProgramFactory(organization=world.b.organization, slug="only-in-b")
    response = client_for(coordinator).get(_url("detail", org, program_slug=other.slug))
    assert response.status_code == 404


def test_program_create_without_formset_management_data_redisplays(
    world, client_for, org, coordinator
):
    data = {k: v for k, v in _form().items() if not k.startswith(("phases-", "targets-"))}
    response = client_for(coordinator).post(_url("create", org), data)
    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()
    assert not Program.objects.filter(slug="mentor-2026").exists()


def test_program_list_as_client_shows_the_program_without_actions(world, client_for, org, program):
    response = client_for(world.a.members[Role.CLIENT]).get(_url("list", org))
    assert response.status_code == 200
    assert program.name in response.content.decode()
    assert _url("create", org) not in response.content.decode()
    assert "?status=pending" not in response.content.decode()
