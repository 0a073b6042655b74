import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bansou.core.roles import Role
from bansou.programs.models import Side, Training, TrainingAttendance
from bansou.programs.selectors import missing_trainings, supporter_is_ready, supporter_readiness
from bansou.programs.services.trainings import training_attendance_set, training_create
from tests.factories import EnrollmentFactory, ProgramFactory, TrainingFactory, UserFactory
from tests.programs.conftest import days

pytestmark = pytest.mark.django_db


def _training_url(org, program, training, suffix=""):
    name = "programs:training_edit" if suffix == "edit" else "programs:training"
    return reverse(
        name,
        kwargs={"org_slug": org.slug, "program_slug": program.slug, "training_pk": training.pk},
    )


# --- selectors ----------------------------------------------------------------------------


def test_supporter_is_ready_only_when_every_required_training_is_attended(world, program):
    supporter = world.a.members[Role.SUPPORTER]
    required = world.a.extra["training"]
    second = TrainingFactory(program=program, name="傾聴研修")
    TrainingFactory(program=program, name="任意の勉強会", is_required=False)
    assert not supporter_is_ready(program=program, user=supporter)
    assert missing_trainings(program=program, user=supporter) == [required, second]
    training_attendance_set(training=required, attended={supporter.pk: days(-3)}, recorded_by=None)
    assert missing_trainings(program=program, user=supporter) == [second]
    training_attendance_set(training=second, attended={supporter.pk: days(-1)}, recorded_by=None)
    assert supporter_is_ready(program=program, user=supporter)


def test_supporter_is_ready_for_a_program_without_required_trainings():
    program = ProgramFactory()
    TrainingFactory(program=program, is_required=False)
    assert supporter_is_ready(program=program, user=UserFactory())


def test_attendance_in_another_program_does_not_count(world, program):
    supporter = world.a.members[Role.SUPPORTER]
    other = ProgramFactory(organization=program.organization)
    EnrollmentFactory(program=other, user=supporter, side=Side.SUPPORTER)
    other_training = TrainingFactory(program=other, name=world.a.extra["training"].name)
    training_attendance_set(
        training=other_training, attended={supporter.pk: days(-1)}, recorded_by=None
    )
    assert not supporter_is_ready(program=program, user=supporter)


def test_supporter_readiness_lists_missing_trainings_per_supporter(world, program):
    supporter = world.a.members[Role.SUPPORTER]
    ready = EnrollmentFactory(program=program, side=Side.SUPPORTER).user
    training = world.a.extra["training"]
    training_attendance_set(training=training, attended={ready.pk: days(-1)}, recorded_by=None)
    rows = {r.user: r for r in supporter_readiness(program=program)}
    assert rows[ready].is_ready
    assert rows[supporter].missing == [training]
    assert world.a.members[Role.CLIENT] not in rows


# --- services -----------------------------------------------------------------------------


def test_training_attendance_set_records_updates_and_removes(world, program, coordinator):
    supporter = world.a.members[Role.SUPPORTER]
    training = world.a.extra["training"]
    training_attendance_set(
        training=training, attended={supporter.pk: days(-5)}, recorded_by=coordinator
    )
    training_attendance_set(
        training=training, attended={supporter.pk: days(-4)}, recorded_by=coordinator
    )
    attendance = TrainingAttendance.objects.get(training=training, user=supporter)
    assert attendance.attended_on == days(-4) and attendance.recorded_by == coordinator
    training_attendance_set(training=training, attended={supporter.pk: None}, recorded_by=None)
    assert not TrainingAttendance.objects.filter(training=training).exists()


def test_training_attendance_set_refuses_people_not_enrolled_as_supporters(world, program):
    with pytest.raises(ValidationError):
        training_attendance_set(
            training=world.a.extra["training"],
            attended={world.a.members[Role.CLIENT].pk: days(-1)},
            recorded_by=None,
        )
    assert not TrainingAttendance.objects.filter(training=world.a.extra["training"]).exists()


def test_training_attendance_set_refuses_a_future_date(world, program):
    with pytest.raises(ValidationError):
        training_attendance_set(
            training=world.a.extra["training"],
            attended={world.a.members[Role.SUPPORTER].pk: days(1)},
            recorded_by=None,
        )


def test_training_create_refuses_a_name_that_is_too_long(program):
    with pytest.raises(ValidationError):
        training_create(program=program, name="研" * 121)


# --- views --------------------------------------------------------------------------------


def test_training_create_view_adds_a_training(world, client_for, org, program, coordinator):
    url = reverse(
        "programs:training_create", kwargs={"org_slug": org.slug, "program_slug": program.slug}
    )
    response = client_for(coordinator).post(
        url, {"name": "メンター事前研修（夜）", "held_on": "2026-10-20", "is_required": "on"}
    )
    training = Training.objects.get(program=program, name="メンター事前研修（夜）")
    assert training.held_on == datetime.date(2026, 10, 20) and training.is_required
    assert response["Location"] == _training_url(org, program, training)


def test_training_create_view_with_a_bad_date_keeps_the_input(
    world, client_for, org, program, coordinator
):
    url = reverse(
        "programs:training_create", kwargs={"org_slug": org.slug, "program_slug": program.slug}
    )
    response = client_for(coordinator).post(url, {"name": "夜の研修", "held_on": "2026-13-45"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "夜の研修" in body and "field-error" in body
    assert not Training.objects.filter(name="夜の研修").exists()


def test_training_edit_view_saves(world, client_for, org, program, coordinator):
    training = world.a.extra["training"]
    response = client_for(coordinator).post(
        _training_url(org, program, training, "edit"), {"name": "改名した研修"}
    )
    training.refresh_from_db()
    assert response.status_code == 302
    assert training.name == "改名した研修" and not training.is_required


def test_attendance_checklist_lists_enrolled_supporters_only(
    world, client_for, org, program, coordinator
):
    training = world.a.extra["training"]
    body = client_for(coordinator).get(_training_url(org, program, training)).content.decode()
    assert world.a.members[Role.SUPPORTER].display_name in body
    assert world.a.members[Role.CLIENT].display_name not in body
    assert "LEAKCANARY" not in body


def test_attendance_checklist_post_records_and_makes_the_supporter_ready(
    world, client_for, org, program, coordinator
):
    supporter = world.a.members[Role.SUPPORTER]
    training = world.a.extra["training"]
    response = client_for(coordinator).post(
        _training_url(org, program, training),
        {f"attended_{supporter.pk}": "on", f"date_{supporter.pk}": days(-2).isoformat()},
    )
    assert response.status_code == 302
    assert supporter_is_ready(program=program, user=supporter)


@pytest.mark.parametrize("day", ["", "2999-01-01", "not-a-date"])
def test_attendance_checklist_with_a_bad_date_shows_an_error(
    world, client_for, org, program, coordinator, day
):
    supporter = world.a.members[Role.SUPPORTER]
    training = world.a.extra["training"]
    Training.objects.filter(pk=training.pk).update(held_on=None)
    response = client_for(coordinator).post(
        _training_url(org, program, training),
        {f"attended_{supporter.pk}": "on", f"date_{supporter.pk}": day},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "field-error" in body
    assert not TrainingAttendance.objects.filter(training=training).exists()


def test_attendance_checklist_of_another_organisations_training_is_404(
    world, client_for, org, program, coordinator
):
    foreign = world.b.extra["training"]
    response = client_for(coordinator).post(
        _training_url(org, program, foreign),
        {f"attended_{world.b.members[Role.SUPPORTER].pk}": "on"},
    )
    assert response.status_code == 404
    assert not TrainingAttendance.objects.filter(training=foreign).exists()


def test_attendance_checklist_of_a_training_of_another_program_is_404(
    world, client_for, org, program, coordinator
):
    other = ProgramFactory(organization=org)
    training = TrainingFactory(program=other)
    assert client_for(coordinator).get(_training_url(org, program, training)).status_code == 404


def test_attendance_checklist_is_403_for_supporter(world, client_for, org, program):
    training = world.a.extra["training"]
    supporter = world.a.members[Role.SUPPORTER]
    response = client_for(supporter).post(
        _training_url(org, program, training),
        {f"attended_{supporter.pk}": "on", f"date_{supporter.pk}": days(-1).isoformat()},
    )
    assert response.status_code == 403
    assert not TrainingAttendance.objects.filter(training=training).exists()
