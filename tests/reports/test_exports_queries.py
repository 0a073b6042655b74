"""The export builders read a fixed number of queries whatever the number of rows (within
one chunk of ``selectors.exports.CHUNK``): rows, then their topics, never one per row."""

import datetime
import io
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bansou.core.roles import Role
from bansou.engagements.models import SessionRecord
from bansou.ops.services.files import file_kinds
from bansou.reports.services.exports import report_export_request
from bansou.surveys.models import Answer, Question, Response, Survey
from tests.factories import (
    EngagementFactory,
    MembershipFactory,
    ProgramFactory,
    SalonBlockFactory,
    SessionFactory,
    TopicFactory,
    UserFactory,
    VisitFactory,
)
from tests.reports.builders import FY_END, FY_START, at

pytestmark = pytest.mark.django_db


class Program:
    """A salon program with a coordinator, to which ``add(n)`` adds n sessions (each with
    a record, two topics and a client), n salon visits (named, with a topic) and n survey
    responses (a scale and a text answer)."""

    def __init__(self) -> None:
        self.program = ProgramFactory(kind="salon")
        self.org = self.program.organization
        self.coordinator = UserFactory()
        MembershipFactory(organization=self.org, user=self.coordinator, role=Role.COORDINATOR)
        self.topics = [TopicFactory(program=self.program, name=n) for n in ("自己理解", "進路")]
        self.block = SalonBlockFactory(
            program=self.program,
            starts_at=at(2025, 6, 4),
            status="held",
            closed_at=at(2025, 6, 4, 16),
        )
        self.survey = Survey.objects.create(
            organization=self.org,
            program=self.program,
            title_ja="満足度調査",
            audience=Survey.Audience.CLIENTS,
            anonymous=False,
            closes_on=FY_END,
        )
        self.scale = Question.objects.create(
            organization=self.org,
            survey=self.survey,
            kind="scale",
            text_ja="満足度",
            measures_satisfaction=True,
            position=0,
        )
        self.text = Question.objects.create(
            organization=self.org, survey=self.survey, kind="text", text_ja="感想", position=1
        )

    def add(self, n: int) -> None:
        for i in range(n):
            engagement = EngagementFactory(program=self.program)
            session = SessionFactory(engagement=engagement, starts_at=at(2025, 5, 1 + i % 28, 10))
            record = SessionRecord.objects.create(organization=self.org, session=session)
            record.topics.set(self.topics)
            visit = VisitFactory(
                block=self.block, student=UserFactory(), occurred_at=at(2025, 6, 4, 13, i % 60)
            )
            visit.topics.add(self.topics[0])
            response = Response.objects.create(
                organization=self.org,
                survey=self.survey,
                program=self.program,
                respondent=engagement.client,
                via="invitation",
                key=uuid.uuid4(),
                submitted_on=datetime.date(2025, 7, 1),
                submitted_at=at(2025, 7, 1, 15),
            )
            Answer.objects.create(
                organization=self.org, response=response, question=self.scale, number=4
            )
            Answer.objects.create(
                organization=self.org, response=response, question=self.text, text="良い"
            )

    def build(self, what: str, file_format: str) -> tuple[int, bytes]:
        """Asks for the file (not built: the test's transaction never commits) and builds
        it here, counting the builder's queries."""
        prepared = report_export_request(
            organization=self.org,
            user=self.coordinator,
            role=Role.COORDINATOR,
            program=self.program,
            what=what,
            file_format=file_format,
            start=FY_START,
            end=FY_END,
        )
        out = io.BytesIO()
        kind = file_kinds()[prepared.kind]
        with CaptureQueriesContext(connection) as queries:
            kind.build(prepared=prepared, out=out, progress=lambda done, total: None)
        return len(queries), out.getvalue()


@pytest.mark.parametrize(
    ("what", "file_format"),
    [
        ("sessions", "xlsx"),
        ("sessions", "csv"),
        ("visits", "xlsx"),
        ("responses", "csv"),
        ("kpis", "xlsx"),
    ],
)
def test_export_builder_query_count_constant(what, file_format):
    seeded = Program()
    seeded.add(3)
    few, small = seeded.build(what, file_format)
    seeded.add(27)
    many, large = seeded.build(what, file_format)
    assert few == many, f"{few} queries for 3 rows, {many} for 30"
    assert large != small  # the new rows are really in the file
