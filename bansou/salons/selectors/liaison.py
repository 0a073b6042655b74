"""Reads of the teacher liaison: who works at a school, the teacher's school page, the
supporters' liaison page, the thread and a student's own sharing.

What a teacher sees is decided here, once. Every count about their school is an aggregate
(``venue_stats``). A student appears by name on the teacher's page only under a live
consent with that teacher at that school: with scope ``visits`` the days they came, with
scope ``reports`` the reports sent under that consent. The teacher's own referrals show
open or closed, and whether the student came only when that student shares their visits
with this teacher. A withdrawn consent hides the student again (and the reports sent
under it). No private note is ever read here."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone

from bansou.accounts.models import User
from bansou.accounts.search import name_search
from bansou.core.calendar import fiscal_year_bounds, fiscal_year_of
from bansou.core.paging import ListPage, page_of
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization, Venue
from bansou.people.models import ClientProfile
from bansou.salons.models import (
    Referral,
    ShareConsent,
    TeacherReport,
    VenueMessage,
    VenueStaff,
    Visit,
)
from bansou.salons.selectors.stats import ATTENDED, VenueStats, period_bounds, venue_stats
from bansou.salons.services.staffing import works_venue_today

THREAD_PAGE_SIZE = 30
REFERRALS_PAGE_SIZE = 20
RECENT_REPORTS = 20
RECENT_MESSAGES = 3
VISIT_DAYS_SHOWN = 50


def venue_kind_of(*, venue: Venue, user: User) -> str | None:
    """``teacher`` or ``supporter`` when the person works at the venue, else None."""
    return (
        VenueStaff.objects.filter(organization_id=venue.organization_id, venue=venue, user=user)
        .values_list("kind", flat=True)
        .first()
    )


def is_venue_teacher(*, venue: Venue, user: User, role: str | None) -> bool:
    return role == Role.PARTNER and venue_kind_of(venue=venue, user=user) == VenueStaff.Kind.TEACHER


def is_venue_supporter(*, venue: Venue, user: User, role: str | None) -> bool:
    """A supporter assigned to the venue, or a coordinator (who sees every venue)."""
    if role == Role.COORDINATOR:
        return True
    return (
        role == Role.SUPPORTER
        and venue_kind_of(venue=venue, user=user) == VenueStaff.Kind.SUPPORTER
    )


def _venue(*, organization: Organization, pk: int) -> Venue:
    venue = Venue.objects.filter(organization=organization, pk=pk).first()
    if venue is None:
        raise Http404
    return venue


def venue_for_teacher(*, organization: Organization, teacher: User, role: str, pk: int) -> Venue:
    """The school, for a teacher who teaches there; 404 for anyone else."""
    venue = _venue(organization=organization, pk=pk)
    if not is_venue_teacher(venue=venue, user=teacher, role=role):
        raise Http404
    return venue


def venue_for_supporter(*, organization: Organization, user: User, role: str, pk: int) -> Venue:
    """The school, for its supporters and the coordinators; 404 for anyone else."""
    venue = _venue(organization=organization, pk=pk)
    if not is_venue_supporter(venue=venue, user=user, role=role):
        raise Http404
    return venue


def venue_for_student_search(
    *, organization: Organization, user: User, role: str, pk: int
) -> Venue:
    """The school, for searching its students: its supporters and the coordinators, and
    whoever staffs one of its salons today (the salon's screen names who came), though not
    one of the school's own supporters; 404 otherwise. The rest of the liaison stays the
    school's supporters' (``venue_for_supporter``)."""
    venue = _venue(organization=organization, pk=pk)
    if not (
        is_venue_supporter(venue=venue, user=user, role=role)
        or works_venue_today(venue=venue, user=user, role=role)
    ):
        raise Http404
    return venue


def venue_for_thread(*, organization: Organization, user: User, role: str, pk: int) -> Venue:
    """The school, for its teachers, its supporters and the coordinators; 404 otherwise."""
    venue = _venue(organization=organization, pk=pk)
    if not (
        is_venue_teacher(venue=venue, user=user, role=role)
        or is_venue_supporter(venue=venue, user=user, role=role)
    ):
        raise Http404
    return venue


def consent_for(*, organization: Organization, user: User, role: str, pk: int) -> ShareConsent:
    """A consent, for the student who gave it, the venue's supporters and coordinators."""
    consent = (
        ShareConsent.objects.filter(organization=organization, pk=pk)
        .select_related("student", "teacher", "venue", "revoked_by")
        .first()
    )
    if consent is None:
        raise Http404
    own = role == Role.CLIENT and consent.student_id == user.pk
    if not (own or is_venue_supporter(venue=consent.venue, user=user, role=role)):
        raise Http404
    return consent


def referral_for(*, organization: Organization, user: User, role: str, pk: int) -> Referral:
    """A referral, for the venue's supporters and the coordinators."""
    referral = (
        Referral.objects.filter(organization=organization, pk=pk)
        .select_related("venue", "teacher", "student")
        .first()
    )
    if referral is None or not is_venue_supporter(venue=referral.venue, user=user, role=role):
        raise Http404
    return referral


# --- people of a venue ---------------------------------------------------------------


def _people_by_name() -> QuerySet[User]:
    return User.objects.order_by("family_name_kana", "given_name_kana", "email")


def venue_teachers(*, venue: Venue) -> QuerySet[User]:
    """The venue's teachers who are active partner members here."""
    return _people_by_name().filter(
        venue_staff__venue=venue,
        venue_staff__kind=VenueStaff.Kind.TEACHER,
        memberships__organization_id=venue.organization_id,
        memberships__role=Role.PARTNER,
        memberships__is_active=True,
    )


def venue_supporters(*, venue: Venue) -> QuerySet[User]:
    """The venue's supporters who are active supporter or coordinator members here."""
    return _people_by_name().filter(
        venue_staff__venue=venue,
        venue_staff__kind=VenueStaff.Kind.SUPPORTER,
        memberships__organization_id=venue.organization_id,
        memberships__role__in=(Role.SUPPORTER, Role.COORDINATOR),
        memberships__is_active=True,
    )


def venue_students(*, venue: Venue) -> QuerySet[User]:
    """The school's students: active clients whose profile names this venue."""
    active_client = Membership.objects.filter(
        organization_id=venue.organization_id,
        user=OuterRef("pk"),
        role=Role.CLIENT,
        is_active=True,
    )
    at_venue = ClientProfile.objects.filter(
        organization_id=venue.organization_id, user=OuterRef("pk"), venue=venue
    )
    return _people_by_name().filter(Exists(active_client), Exists(at_venue))


def venue_student_search(*, venue: Venue, query: str, limit: int = 20) -> tuple[list[User], bool]:
    """The school's students matching ``query`` (each word, in kanji, kana or romaji):
    the first ``limit`` and whether there are more."""
    if not query.strip():
        return [], False
    found = list(venue_students(venue=venue).filter(name_search(query))[: limit + 1])
    return found[:limit], len(found) > limit


def teacher_venues(*, teacher: User, organization: Organization | None = None) -> list[Venue]:
    """The active venues where this person teaches (in this organisation when given)."""
    rows = Venue.objects.filter(
        is_active=True, staff__user=teacher, staff__kind=VenueStaff.Kind.TEACHER
    )
    if organization is not None:
        rows = rows.filter(organization=organization)
    return list(rows.order_by("name", "pk"))


def live_consents(*, venue: Venue, teacher: User) -> QuerySet[ShareConsent]:
    """The live consents students gave this teacher at this venue."""
    return ShareConsent.objects.filter(
        organization_id=venue.organization_id,
        venue=venue,
        teacher=teacher,
        revoked_at__isnull=True,
    )


def consenting_students(*, venue: Venue, teacher: User) -> QuerySet[User]:
    """Students who share anything with this teacher here (the only ones a teacher may
    name in a referral by choosing them)."""
    return _people_by_name().filter(
        pk__in=live_consents(venue=venue, teacher=teacher).values("student_id")
    )


# --- the teacher's school page --------------------------------------------------------


@dataclass
class SharedStudent:
    """A student who shares with this teacher, and only what they agreed to."""

    student: User
    visits_since: datetime.date | None = None
    reports_since: datetime.date | None = None
    visit_days: list[datetime.datetime] = field(default_factory=list)
    reports: list[TeacherReport] = field(default_factory=list)


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    # Whether the registered student may be named (a live consent with this teacher here):
    # otherwise the teacher's own words (the label) stand for them.
    named: bool
    # Whether the student's coming may be shown (a live visits consent), and when they
    # first came after the referral (None: not yet).
    disclosed: bool
    came_at: datetime.datetime | None


@dataclass(frozen=True)
class SchoolPage:
    venue: Venue
    fiscal_year: int
    stats: VenueStats
    referrals: list[ReferralRow]
    referral_listing: ListPage
    shared: list[SharedStudent]


def _shared_students(
    *, venue: Venue, teacher: User, start: datetime.date, end: datetime.date
) -> list[SharedStudent]:
    consents = list(
        live_consents(venue=venue, teacher=teacher)
        .select_related("student")
        .order_by("student__family_name_kana", "student__given_name_kana", "student_id", "scope")
    )
    shared: dict[int, SharedStudent] = {}
    for consent in consents:
        row = shared.setdefault(consent.student_id, SharedStudent(student=consent.student))
        if consent.scope == ShareConsent.Scope.VISITS:
            row.visits_since = consent.given_on
        else:
            row.reports_since = consent.given_on
    visitors = [pk for pk, row in shared.items() if row.visits_since is not None]
    if visitors:
        first, after = period_bounds(start, end)
        for student_id, at in (
            _attended(venue=venue, students=visitors)
            .filter(occurred_at__gte=first, occurred_at__lt=after)
            .order_by("-occurred_at")
            .values_list("student_id", "occurred_at")
        ):
            days = shared[student_id].visit_days
            if len(days) < VISIT_DAYS_SHOWN:
                days.append(at)
    readers = [c.pk for c in consents if c.scope == ShareConsent.Scope.REPORTS]
    if readers:
        for report in TeacherReport.objects.filter(
            organization_id=venue.organization_id, consent_id__in=readers, teacher=teacher
        ).select_related("sent_by"):
            shared[report.student_id].reports.append(report)
    return list(shared.values())


def _attended(*, venue: Venue, students: list[int]) -> QuerySet[Visit]:
    """Visits where the students came (walk-in, reserved, 声かけ); callers read only the
    student and the moment, never the private note."""
    return Visit.objects.filter(
        organization_id=venue.organization_id,
        venue=venue,
        student_id__in=students,
        kind__in=ATTENDED,
    )


def _referral_rows(
    *, venue: Venue, referrals: list[Referral], sharing: set[int], visitors: set[int]
) -> list[ReferralRow]:
    """Each referral; for a student who shares their visits, the first visit after it."""
    disclosed = {
        r.student_id for r in referrals if r.student_id is not None and r.student_id in visitors
    }
    first_visits: dict[int, list[datetime.datetime]] = defaultdict(list)
    if disclosed:
        since = min(r.created_at for r in referrals if r.student_id in disclosed)
        for visitor, at in (
            _attended(venue=venue, students=sorted(disclosed))
            .filter(occurred_at__gte=since)
            .order_by("occurred_at")
            .values_list("student_id", "occurred_at")
        ):
            if visitor is not None:
                first_visits[visitor].append(at)
    rows = []
    for referral in referrals:
        student_id = referral.student_id
        shown = student_id is not None and student_id in disclosed
        came = None
        if student_id is not None and shown:
            came = next((at for at in first_visits[student_id] if at >= referral.created_at), None)
        rows.append(
            ReferralRow(
                referral=referral,
                named=referral.student_id in sharing,
                disclosed=shown,
                came_at=came,
            )
        )
    return rows


def school_page(*, venue: Venue, teacher: User, params: QueryDict | None = None) -> SchoolPage:
    """The teacher's page of their school: this 年度's figures, their own referrals (paged)
    and the students who share with them. A fixed number of queries."""
    year = fiscal_year_of(timezone.localdate())
    start, end = fiscal_year_bounds(year)
    stats = venue_stats(organization=venue.organization, start=start, end=end, venues=[venue])
    shared = _shared_students(venue=venue, teacher=teacher, start=start, end=end)
    listing = page_of(
        Referral.objects.filter(organization_id=venue.organization_id, venue=venue, teacher=teacher)
        .select_related("student")
        .order_by("-created_at", "-pk"),
        params=params if params is not None else QueryDict(),
        per_page=REFERRALS_PAGE_SIZE,
    )
    visitors = {row.student.pk for row in shared if row.visits_since is not None}
    rows = _referral_rows(
        venue=venue,
        referrals=list(listing["page"].object_list),
        sharing={row.student.pk for row in shared},
        visitors=visitors,
    )
    return SchoolPage(
        venue=venue,
        fiscal_year=year,
        stats=stats[venue.pk],
        referrals=rows,
        referral_listing=listing,
        shared=shared,
    )


# --- the supporters' liaison page ----------------------------------------------------


def referrals_open(*, venue: Venue) -> QuerySet[Referral]:
    """The venue's open referrals, oldest first (the salon screen lists them too)."""
    return (
        Referral.objects.filter(
            organization_id=venue.organization_id, venue=venue, status=Referral.Status.OPEN
        )
        .select_related("student", "teacher")
        .order_by("created_at", "pk")
    )


def venue_consents(*, venue: Venue) -> QuerySet[ShareConsent]:
    """Every consent given at the venue: live ones first, then withdrawn, newest first."""
    return (
        ShareConsent.objects.filter(organization_id=venue.organization_id, venue=venue)
        .select_related("student", "teacher", "recorded_by", "revoked_by")
        .order_by(F("revoked_at").desc(nulls_first=True), "-given_on", "-pk")
    )


@dataclass(frozen=True)
class VenueLiaison:
    venue: Venue
    referrals: list[Referral]
    consents: QuerySet[ShareConsent]
    reports: list[TeacherReport]
    messages: list[VenueMessage]
    teachers: list[User]
    supporters: list[User]


def venue_liaison(*, venue: Venue) -> VenueLiaison:
    """The supporters' page of a school: open referrals, consents (live and withdrawn, as
    a queryset to filter and page), the latest reports and messages, who teaches and who
    supports there."""
    reports = list(
        TeacherReport.objects.filter(organization_id=venue.organization_id, venue=venue)
        .select_related("student", "teacher", "sent_by")
        .order_by("-sent_at", "-pk")[:RECENT_REPORTS]
    )
    messages = list(
        VenueMessage.objects.filter(organization_id=venue.organization_id, venue=venue)
        .select_related("author")
        .order_by("-created_at", "-pk")[:RECENT_MESSAGES]
    )
    return VenueLiaison(
        venue=venue,
        referrals=list(referrals_open(venue=venue)),
        consents=venue_consents(venue=venue),
        reports=reports,
        messages=messages[::-1],
        teachers=list(venue_teachers(venue=venue)),
        supporters=list(venue_supporters(venue=venue)),
    )


# --- the thread and the student's own sharing ----------------------------------------


def thread_page(*, venue: Venue, params: QueryDict) -> ListPage:
    """The venue's messages, oldest first, paged; without a page asked for, the last page
    (the newest messages, last)."""
    rows = (
        VenueMessage.objects.filter(organization_id=venue.organization_id, venue=venue)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    if "page" not in params:
        count = rows.count()
        params = params.copy()
        params["page"] = str(max(1, -(-count // THREAD_PAGE_SIZE)))
    return page_of(rows, params=params, per_page=THREAD_PAGE_SIZE)


def student_consents(*, organization: Organization, student: User) -> QuerySet[ShareConsent]:
    """A student's live consents here, with the teacher and school."""
    return (
        ShareConsent.objects.filter(
            organization=organization, student=student, revoked_at__isnull=True
        )
        .select_related("teacher", "venue")
        .order_by("venue__name", "teacher__family_name_kana", "scope", "pk")
    )


def student_withdrawn(
    *, organization: Organization, student: User, limit: int = 20
) -> list[ShareConsent]:
    """A student's latest withdrawn consents here, newest first."""
    return list(
        ShareConsent.objects.filter(
            organization=organization, student=student, revoked_at__isnull=False
        )
        .select_related("teacher", "venue")
        .order_by("-revoked_at", "-pk")[:limit]
    )
