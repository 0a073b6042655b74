import datetime
import secrets

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from factory.django import DjangoModelFactory

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import (
    CalendarBlock,
    Engagement,
    Meeting,
    ReflectionLink,
    Session,
    SessionNote,
)
from bansou.engagements.services.blocks import session_blocks_hold
from bansou.orgs.models import Membership, Organization, Venue
from bansou.people.models import ClientProfile, SupporterProfile, Team, TeamMember
from bansou.programs.models import (
    Application,
    Enrollment,
    Phase,
    Program,
    Side,
    Topic,
    Training,
)
from bansou.salons.models import Reservation, SalonBlock, Visit

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    family_name = "山田"
    given_name = factory.Sequence(lambda n: f"太郎{n}")
    family_name_kana = "ヤマダ"
    given_name_kana = "タロウ"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def email_verified(obj: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """The address is confirmed (the person can sign in with the login form) unless
        ``email_verified=False``: then the account has no allauth address at all."""
        if create and extracted is not False:
            EmailAddress.objects.create(
                user=obj, email=obj.email.lower(), primary=True, verified=True
            )


class OrganizationFactory(DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"団体{n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.SUPPORTER


class VenueFactory(DjangoModelFactory[Venue]):
    class Meta:
        model = Venue

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"拠点{n}")


class ProgramFactory(DjangoModelFactory[Program]):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"プログラム{n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    kind = Program.Kind.MENTORING
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    is_public = True


class PhaseFactory(DjangoModelFactory[Phase]):
    class Meta:
        model = Phase

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    name = "伴走期間"
    kind = Phase.Kind.ACTIVE
    starts_on = factory.SelfAttribute("program.starts_on")
    ends_on = factory.SelfAttribute("program.ends_on")


class TopicFactory(DjangoModelFactory[Topic]):
    class Meta:
        model = Topic

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    name = factory.Sequence(lambda n: f"話題{n}")


class TrainingFactory(DjangoModelFactory[Training]):
    class Meta:
        model = Training

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    name = "メンター事前研修"
    is_required = True


class EnrollmentFactory(DjangoModelFactory[Enrollment]):
    class Meta:
        model = Enrollment

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    user = factory.SubFactory(UserFactory)
    side = Side.CLIENT


class ApplicationFactory(DjangoModelFactory[Application]):
    class Meta:
        model = Application

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    side = Side.CLIENT
    email = factory.Sequence(lambda n: f"applicant{n}@example.test")
    family_name = "応募"
    given_name = factory.Sequence(lambda n: f"者{n}")


class SupporterProfileFactory(DjangoModelFactory[SupporterProfile]):
    class Meta:
        model = SupporterProfile

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    specialties = factory.LazyFunction(lambda: ["就職支援"])
    languages = factory.LazyFunction(lambda: ["ja"])


class ClientProfileFactory(DjangoModelFactory[ClientProfile]):
    class Meta:
        model = ClientProfile

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    category = ClientProfile.Category.NPO_STAFF
    languages = factory.LazyFunction(lambda: ["ja"])


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"ペア{n}")


class TeamMemberFactory(DjangoModelFactory[TeamMember]):
    class Meta:
        model = TeamMember

    team = factory.SubFactory(TeamFactory)
    organization = factory.SelfAttribute("team.organization")
    user = factory.SubFactory(UserFactory)


class EngagementFactory(DjangoModelFactory[Engagement]):
    class Meta:
        model = Engagement

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    client = factory.SubFactory(UserFactory)
    supporter = factory.SubFactory(UserFactory)
    status = Engagement.Status.ACTIVE


class SessionFactory(DjangoModelFactory[Session]):
    """A session two days ago. ``blocks=True`` makes it hold its supporters' calendars as
    the services do (refused when they are busy then); off by default, because many tests
    give one supporter sessions at the same default time."""

    class Meta:
        model = Session
        skip_postgeneration_save = True

    engagement = factory.SubFactory(EngagementFactory)
    organization = factory.SelfAttribute("engagement.organization")
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=40))
    status = Session.Status.HELD

    @factory.post_generation
    def blocks(obj: Session, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted:
            session_blocks_hold(session=obj)


class SessionNoteFactory(DjangoModelFactory[SessionNote]):
    class Meta:
        model = SessionNote

    session = factory.SubFactory(SessionFactory)
    organization = factory.SelfAttribute("session.organization")
    author = factory.SelfAttribute("session.engagement.supporter")
    body = "非公開メモ"


class ReflectionLinkFactory(DjangoModelFactory[ReflectionLink]):
    class Meta:
        model = ReflectionLink

    session = factory.SubFactory(SessionFactory)
    organization = factory.SelfAttribute("session.organization")
    nonce = factory.LazyFunction(lambda: secrets.token_urlsafe(24))
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


# --- salons -----------------------------------------------------------------------------


def _salon_start() -> datetime.datetime:
    """A week from today, 13:00 in Tokyo."""
    day = timezone.localdate() + datetime.timedelta(days=7)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(13)))


class MeetingFactory(DjangoModelFactory[Meeting]):
    class Meta:
        model = Meeting

    organization = factory.SubFactory(OrganizationFactory)
    title = "サロン"
    starts_at = factory.LazyFunction(_salon_start)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))


class SalonBlockFactory(DjangoModelFactory[SalonBlock]):
    """A salon a week ahead, 13:00–16:00, 30-minute slots of one student. ``staff=[...]``
    makes them the meeting's attendees; ``holds=True`` also holds their calendars (off by
    default, as for sessions)."""

    class Meta:
        model = SalonBlock
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    venue = factory.SubFactory(VenueFactory, organization=factory.SelfAttribute("..organization"))
    starts_at = factory.LazyFunction(_salon_start)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    meeting = factory.SubFactory(
        MeetingFactory,
        organization=factory.SelfAttribute("..organization"),
        title=factory.LazyAttribute(lambda o: f"サロン {o.factory_parent.venue.name}"),
        starts_at=factory.SelfAttribute("..starts_at"),
        ends_at=factory.SelfAttribute("..ends_at"),
    )
    slot_minutes = 30
    slot_capacity = 1

    @factory.post_generation
    def staff(
        obj: SalonBlock, create: bool, extracted: list[User] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            obj.meeting.attendees.set(extracted)

    @factory.post_generation
    def holds(obj: SalonBlock, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted:
            CalendarBlock.objects.bulk_create(
                CalendarBlock(
                    organization_id=obj.organization_id,
                    meeting=obj.meeting,
                    user=user,
                    starts_at=obj.starts_at,
                    ends_at=obj.ends_at,
                )
                for user in obj.meeting.attendees.all()
            )


class ReservationFactory(DjangoModelFactory[Reservation]):
    class Meta:
        model = Reservation

    block = factory.SubFactory(SalonBlockFactory)
    organization = factory.SelfAttribute("block.organization")
    student = factory.SubFactory(UserFactory)
    slot_starts_at = factory.SelfAttribute("block.starts_at")


class VisitFactory(DjangoModelFactory[Visit]):
    class Meta:
        model = Visit

    block = factory.SubFactory(SalonBlockFactory)
    organization = factory.SelfAttribute("block.organization")
    venue = factory.SelfAttribute("block.venue")
    program = factory.SelfAttribute("block.program")
    occurred_at = factory.SelfAttribute("block.starts_at")
    kind = Visit.Kind.WALK_IN
