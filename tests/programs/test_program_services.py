import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from bansou.programs.models import Phase, Program, Topic
from bansou.programs.services.programs import (
    PhaseInput,
    ProgramData,
    TargetInput,
    program_create,
    program_update,
)
from tests.factories import EngagementFactory, OrganizationFactory, SessionFactory
from tests.programs.conftest import days

pytestmark = pytest.mark.django_db


def _data(**overrides) -> ProgramData:
    values = {
        "name": "ママメンター 2025",
        "slug": "mentor-2025",
        "kind": Program.Kind.MENTORING,
        "starts_on": datetime.date(2025, 10, 1),
        "ends_on": datetime.date(2026, 2, 28),
    }
    values.update(overrides)
    return ProgramData(**values)


PHASES = [
    PhaseInput(
        name="事前研修",
        kind=Phase.Kind.PRE_TRAINING,
        starts_on=datetime.date(2025, 10, 1),
        ends_on=datetime.date(2025, 10, 31),
    ),
    PhaseInput(
        name="伴走期間",
        kind=Phase.Kind.ACTIVE,
        starts_on=datetime.date(2025, 11, 1),
        ends_on=datetime.date(2026, 1, 31),
    ),
    PhaseInput(
        name="振り返り",
        kind=Phase.Kind.REFLECTION,
        starts_on=datetime.date(2026, 2, 1),
        ends_on=datetime.date(2026, 2, 28),
    ),
]


def test_program_create_stores_phases_targets_and_default_topics():
    organization = OrganizationFactory()
    with translation.override("ja"):
        program = program_create(
            organization=organization,
            data=_data(supporter_questions=["  資格は？ ", "", "登録番号"]),
            phases=PHASES,
            targets=[
                TargetInput(
                    name="参加団体",
                    kpi="unique_clients",
                    kind="outcome",
                    unit="団体",
                    target_value=18,
                    period_start=datetime.date(2025, 10, 1),
                    period_end=datetime.date(2026, 2, 28),
                )
            ],
        )
    assert [p.name for p in program.phases.all()] == ["事前研修", "伴走期間", "振り返り"]
    target = program.targets.get()
    assert (target.target_value, target.kpi, target.kind) == (18, "unique_clients", "outcome")
    assert [t.name for t in program.topics.all()] == [
        "情報提供",
        "自己理解",
        "進路選択",
        "応募書類",
        "面接",
        "生活・家庭",
    ]
    assert program.supporter_questions == ["資格は？", "登録番号"]


def test_program_create_refuses_end_before_start():
    with pytest.raises(ValidationError) as exc:
        program_create(
            organization=OrganizationFactory(),
            data=_data(starts_on=datetime.date(2025, 3, 1), ends_on=datetime.date(2025, 2, 1)),
        )
    assert "ends_on" in exc.value.message_dict
    assert not Program.objects.exists()


def test_program_create_refuses_phase_outside_period_and_keeps_nothing():
    outside = PhaseInput(
        name="延長", starts_on=datetime.date(2026, 2, 20), ends_on=datetime.date(2026, 3, 10)
    )
    with pytest.raises(ValidationError) as exc:
        program_create(organization=OrganizationFactory(), data=_data(), phases=[outside])
    assert "延長" in exc.value.message_dict["phases"][0]
    assert not Program.objects.exists()


def test_program_create_refuses_reserved_slug():
    with pytest.raises(ValidationError) as exc:
        program_create(organization=OrganizationFactory(), data=_data(slug="new"))
    assert "slug" in exc.value.message_dict


def test_program_create_refuses_public_program_without_sides():
    with pytest.raises(ValidationError):
        program_create(
            organization=OrganizationFactory(),
            data=_data(is_public=True, accepts_supporters=False, accepts_clients=False),
        )


@pytest.mark.parametrize("topics", [["面接", "面接"], ["ABC", "ａｂｃ"], ["x" * 41]])
def test_program_create_refuses_duplicate_or_long_topics(topics):
    with pytest.raises(ValidationError):
        program_create(organization=OrganizationFactory(), data=_data(), topics=topics)


def test_program_update_keeps_ids_updates_and_removes_rows():
    program = program_create(
        organization=OrganizationFactory(), data=_data(), phases=PHASES, topics=["面接", "応募書類"]
    )
    first, second, _third = program.phases.all()
    interview = program.topics.get(name="面接")
    program_update(
        program=program,
        data=_data(name="改名"),
        phases=[
            PhaseInput(
                id=first.pk,
                name="事前研修（オンライン）",
                starts_on=first.starts_on,
                ends_on=first.ends_on,
            ),
            PhaseInput(
                id=second.pk, name=second.name, starts_on=second.starts_on, ends_on=second.ends_on
            ),
        ],
        topics=["応募書類", "面接", "生活・家庭"],
    )
    program.refresh_from_db()
    assert program.name == "改名"
    assert list(program.phases.values_list("pk", "name")) == [
        (first.pk, "事前研修（オンライン）"),
        (second.pk, "伴走期間"),
    ]
    assert [t.name for t in program.topics.all()] == ["応募書類", "面接", "生活・家庭"]
    assert program.topics.get(name="面接").pk == interview.pk


def test_program_update_refuses_shorter_period_that_leaves_phases_outside():
    program = program_create(organization=OrganizationFactory(), data=_data(), phases=PHASES)
    with pytest.raises(ValidationError) as exc:
        program_update(program=program, data=_data(ends_on=datetime.date(2026, 1, 31)))
    assert "phases" in exc.value.message_dict
    program.refresh_from_db()
    assert program.ends_on == datetime.date(2026, 2, 28)


def test_program_update_refuses_a_phase_id_of_another_program(world):
    program = program_create(organization=world.a.organization, data=_data(), phases=PHASES)
    foreign_phase = world.b.extra["program"].phases.get()
    with pytest.raises(ValidationError):
        program_update(
            program=program,
            data=_data(),
            phases=[
                PhaseInput(
                    id=foreign_phase.pk,
                    name="乗っ取り",
                    starts_on=datetime.date(2025, 10, 1),
                    ends_on=datetime.date(2025, 10, 2),
                )
            ],
        )
    foreign_phase.refresh_from_db()
    assert "乗っ取り" not in foreign_phase.name


def test_program_update_keeps_a_topic_used_in_session_records(world):
    from bansou.engagements.models import SessionRecord

    program = world.a.extra["program"]
    topic = world.a.extra["topic"]
    session = world.a.extra["session"]
    record = SessionRecord.objects.create(organization=program.organization, session=session)
    record.topics.add(topic)
    data = _data(
        name=program.name,
        slug=program.slug,
        starts_on=program.starts_on,
        ends_on=program.ends_on,
    )
    with pytest.raises(ValidationError) as exc:
        program_update(program=program, data=data, topics=["別の話題"])
    assert topic.name in exc.value.message_dict["topics"][0]
    assert Topic.objects.filter(pk=topic.pk).exists()


def test_engagement_factory_programs_are_unaffected_by_topic_rules():
    # A topic that is not used can be removed freely.
    engagement = EngagementFactory()
    SessionFactory(engagement=engagement)
    program = engagement.program
    program.starts_on, program.ends_on = days(-10), days(10)
    data = _data(slug=program.slug, starts_on=program.starts_on, ends_on=program.ends_on)
    program_update(program=program, data=data, topics=["情報提供"])
    program_update(program=program, data=data, topics=[])
    assert not program.topics.exists()
