"""School career salons (scenario 5): who works at each venue, the weekly salon blocks held
there, students' reservations and the visits recorded at the salon, teacher referrals, the
student's consent to share with a teacher, short reports, a thread per venue and group
events.

A salon block's time, place, staff and cancellation live on the internal ``Meeting`` it
carries (one-to-one): that meeting holds every staffer's calendar like any session, so a
supporter at the salon cannot be booked elsewhere then (the no-double-booking guarantee of
``engagements.services.blocks``), and it shows in their week and calendar feed. The block
adds what only a salon has: its venue and program, slots and their capacity, the closing
log. Salon services are the only writers of a salon's meeting (the meeting pages refuse to
change one).
"""

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bansou.engagements.models import Engagement, Meeting
from bansou.orgs.models import TenantModel, Venue
from bansou.programs.models import Program, Topic
from bansou.scheduling.models import Weekday

USER = settings.AUTH_USER_MODEL
SLOT_MINUTES_MIN, SLOT_MINUTES_MAX = 10, 60


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class VenueStaff(TenantModel):
    """A teacher (a partner member) linked to a venue, or a supporter assigned to it."""

    class Kind(models.TextChoices):
        TEACHER = "teacher", _("Teacher")
        SUPPORTER = "supporter", _("Supporter")

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="venue_staff")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("venue staff")
        verbose_name_plural = _("venue staff")
        ordering = ["venue", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "user"], name="salons_venue_staff_once"),
        ]


class VenueClosure(TenantModel):
    """A school's own closed days (試験期間, 学校行事): no salon is generated then."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="closures")
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("school closed days")
        verbose_name_plural = _("school closed days")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="salons_venue_closure_ends_after"
            ),
        ]


class SalonSeries(TenantModel):
    """A weekly salon at a venue (e.g. every 水 13:00–16:00), from which blocks are
    generated for a period."""

    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="salon_series")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="salon_series")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    room = models.CharField(_("room"), max_length=120, blank=True)
    meeting_url = models.URLField(_("meeting URL"), blank=True)
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=30,
        validators=[MinValueValidator(SLOT_MINUTES_MIN), MaxValueValidator(SLOT_MINUTES_MAX)],
    )
    slot_capacity = models.PositiveSmallIntegerField(
        _("students per slot"), default=1, validators=[MinValueValidator(1)]
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    staff: "models.ManyToManyField[Any, Any]" = models.ManyToManyField(
        USER, related_name="salon_series", verbose_name=_("staff")
    )
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("weekly salon")
        verbose_name_plural = _("weekly salons")
        ordering = ["venue", "weekday", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="salons_series_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="salons_series_period"
            ),
        ]


class SalonBlock(TenantModel):
    """One salon: a venue's few hours on one day. Time, room, online link, staff and
    cancellation are its meeting's; ``closed_at`` (with the log) makes it held."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="salon_blocks")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="salon_blocks")
    series = models.ForeignKey(
        SalonSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="blocks"
    )
    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="salon_block")
    # Copied from the meeting by the salon services (the only writers of both), so lists and
    # counts over a venue's period read one table.
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=30,
        validators=[MinValueValidator(SLOT_MINUTES_MIN), MaxValueValidator(SLOT_MINUTES_MAX)],
    )
    slot_capacity = models.PositiveSmallIntegerField(
        _("students per slot"), default=1, validators=[MinValueValidator(1)]
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    log_summary = models.TextField(_("what happened"), blank=True)
    log_issues = models.TextField(_("issues to follow up"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("salon")
        verbose_name_plural = _("salons")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["venue", "starts_at"], name="salons_block_venue_start"),
            models.Index(fields=["organization", "starts_at"], name="salons_block_org_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="salons_block_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=SLOT_MINUTES_MIN)
                & Q(slot_minutes__lte=SLOT_MINUTES_MAX),
                name="salons_block_slot_minutes",
            ),
            models.CheckConstraint(
                condition=Q(slot_capacity__gte=1), name="salons_block_slot_capacity"
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(closed_at__isnull=False),
                name="salons_block_held_is_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {self.starts_at:%Y-%m-%d %H:%M}"


class Reservation(TenantModel):
    """A student's slot in a block: reserved by the student (from a phone) or booked for
    them by a supporter as the "next visit". A slot holds ``slot_capacity`` reservations
    (checked with the block's row locked); a student holds one live reservation per block
    and per start time (constraints)."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        CANCELLED = "cancelled", _("Cancelled")

    class BookedVia(models.TextChoices):
        STUDENT = "student", _("Reserved by the student")
        SUPPORTER = "supporter", _("Booked by a supporter")

    block = models.ForeignKey(SalonBlock, on_delete=models.CASCADE, related_name="reservations")
    student = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="salon_reservations")
    slot_starts_at = models.DateTimeField(_("slot"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RESERVED
    )
    booked_via = models.CharField(
        max_length=20, choices=BookedVia.choices, default=BookedVia.STUDENT
    )
    note = models.CharField(_("what I would like to talk about"), max_length=200, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["slot_starts_at", "id"]
        indexes = [
            models.Index(fields=["block", "slot_starts_at"], name="salons_reservation_slot"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["block", "student"],
                condition=Q(status="reserved"),
                name="salons_reservation_once_per_block",
            ),
            models.UniqueConstraint(
                fields=["student", "slot_starts_at"],
                condition=Q(status="reserved"),
                name="salons_reservation_once_per_time",
            ),
        ]


class Visit(TenantModel):
    """One tap at the salon: a walk-in, a reserved student who came, a reserved student who
    did not (no-show), or 声かけ (the supporter started the conversation). Linked to a known
    student or anonymous with optional attributes. ``key`` is the tap's idempotency key: a
    double tap or a retried request records one visit."""

    class Kind(models.TextChoices):
        WALK_IN = "walk_in", _("Walk-in")
        RESERVED = "reserved", _("Reserved, attended")
        OUTREACH = "outreach", _("Outreach (声かけ)")
        NO_SHOW = "no_show", _("No-show")

    block = models.ForeignKey(SalonBlock, on_delete=models.CASCADE, related_name="visits")
    # The block's venue and program, kept on the visit (a block changes neither) so that
    # the figures of a venue or a program count visits without joining the blocks.
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="salon_visits")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    student = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="salon_visits"
    )
    reservation = models.OneToOneField(
        Reservation, null=True, blank=True, on_delete=models.SET_NULL, related_name="visit"
    )
    grade = models.CharField(_("grade or year"), max_length=20, blank=True)
    topics: "models.ManyToManyField[Any, Any]" = models.ManyToManyField(
        Topic, blank=True, related_name="salon_visits", verbose_name=_("topics")
    )
    private_note = models.TextField(_("private note"), blank=True)
    engagement = models.ForeignKey(
        Engagement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="salon_visits",
        verbose_name=_("engagement started"),
    )
    key = models.UUIDField(default=uuid.uuid4)
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("salon visit")
        verbose_name_plural = _("salon visits")
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["venue", "occurred_at"], name="salons_visit_venue_at"),
            models.Index(fields=["organization", "occurred_at"], name="salons_visit_org_at"),
            models.Index(
                fields=["organization", "program", "occurred_at"], name="salons_visit_program_at"
            ),
            models.Index(
                fields=["student", "occurred_at"],
                condition=Q(student__isnull=False),
                name="salons_visit_student_at",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["block", "key"], name="salons_visit_key_once"),
            models.CheckConstraint(
                condition=Q(kind__in=["reserved", "no_show"], reservation__isnull=False)
                | Q(kind__in=["walk_in", "outreach"], reservation__isnull=True),
                name="salons_visit_reservation_by_kind",
            ),
        ]


class Referral(TenantModel):
    """A teacher refers a student to the salon: a registered student, or a name and grade
    when the student is not (yet) registered. Shows on the salon screen until it is
    closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="referrals")
    teacher = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="salon_referrals")
    student = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.CASCADE, related_name="salon_referred"
    )
    student_label = models.CharField(_("student (name or initials)"), max_length=60, blank=True)
    grade = models.CharField(_("grade or year"), max_length=20, blank=True)
    reason = models.TextField(_("why the student could use the salon"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(
                fields=["venue", "created_at"],
                condition=Q(status="open"),
                name="salons_referral_open",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(student__isnull=False) | ~Q(student_label=""),
                name="salons_referral_names_someone",
            ),
        ]


class ShareConsent(TenantModel):
    """That a student agreed to share with one teacher: when, what (scope), who recorded
    it; revocable (``revoked_at``). Only a live consent lets a report reach that teacher."""

    class Scope(models.TextChoices):
        VISITS = "visits", _("That I visit the salon, and when")
        REPORTS = "reports", _("Short reports from my supporter")

    student = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="share_consents")
    teacher = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="share_consents")
    scope = models.CharField(_("what is shared"), max_length=20, choices=Scope.choices)
    given_on = models.DateField(_("agreed on"))
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("consent to share")
        verbose_name_plural = _("consents to share")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "teacher", "scope"],
                condition=Q(revoked_at__isnull=True),
                name="salons_consent_live_once",
            ),
        ]


class TeacherReport(TenantModel):
    """A short report about a student, sent to a teacher under the student's live consent
    (``consent``, scope reports). Never carries a private note."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="teacher_reports")
    student = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    consent = models.ForeignKey(ShareConsent, on_delete=models.PROTECT, related_name="reports")
    body = models.TextField(_("report"))
    sent_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report to a teacher")
        verbose_name_plural = _("reports to teachers")
        ordering = ["-sent_at", "id"]


class VenueMessage(TenantModel):
    """The thread between a venue's supporters and its teachers (and the coordinators)."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("venue message")
        verbose_name_plural = _("venue messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["venue", "created_at"], name="salons_message_venue_at"),
        ]


class GroupEvent(TenantModel):
    """職業講話, ガイダンス, 保護者セミナー or a supporter training course: at a venue or
    online, with staff and a headcount (and, optionally, named attendance). Counted apart
    from salon visits."""

    class Kind(models.TextChoices):
        JOB_TALK = "job_talk", _("Job talk (職業講話)")
        GUIDANCE = "guidance", _("Guidance (ガイダンス)")
        GUARDIAN_SEMINAR = "guardian_seminar", _("Seminar for guardians (保護者セミナー)")
        TRAINING = "training", _("Supporter training course")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="group_events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    venue = models.ForeignKey(
        Venue,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_events",
        verbose_name=_("venue"),
    )
    meeting_url = models.URLField(_("online link"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    staff: "models.ManyToManyField[Any, Any]" = models.ManyToManyField(
        USER, blank=True, related_name="group_events_staffed", verbose_name=_("staff")
    )
    attendees: "models.ManyToManyField[Any, Any]" = models.ManyToManyField(
        USER, blank=True, related_name="group_events_attended", verbose_name=_("named attendees")
    )
    headcount = models.PositiveIntegerField(_("headcount"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("group event")
        verbose_name_plural = _("group events")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["organization", "starts_at"], name="salons_event_org_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="salons_event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(venue__isnull=False) | ~Q(meeting_url=""),
                name="salons_event_has_place",
            ),
        ]
