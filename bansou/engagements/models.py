from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bansou.orgs.models import TenantModel, Venue
from bansou.people.models import Team
from bansou.programs.models import Program, Topic

USER = settings.AUTH_USER_MODEL
# Engagement.Status values in which an engagement is open (lifecycle.OPEN_STATUSES); spelled
# out here because the unique constraints below need them inside the class body.
OPEN_STATUS_VALUES = ("proposed", "active", "paused")
ONE_OPEN_PER_SUPPORTER = "engagements_one_open_per_supporter"
ONE_OPEN_PER_TEAM = "engagements_one_open_per_team"


class Engagement(TenantModel):
    """伴走: one client accompanied by one supporter or one team within a program."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Accompanying")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")
        INTERRUPTED = "interrupted", _("Interrupted")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="engagements")
    client = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="client_engagements")
    supporter = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="supporter_engagements"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="engagements"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    goals = models.TextField(_("goals"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the engagement's personal content was removed and its client detached
    # (erasure or the retention period, privacy.services): counts for reports survive.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(supporter__isnull=False) & Q(team__isnull=True))
                | (Q(supporter__isnull=True) & Q(team__isnull=False)),
                name="engagements_one_supporter_or_team",
            ),
            # One open engagement per client and supporter (or team) in a program; the
            # service checks first for a friendly message, the database decides under races.
            models.UniqueConstraint(
                fields=["program", "client", "supporter"],
                condition=Q(supporter__isnull=False, status__in=OPEN_STATUS_VALUES),
                name=ONE_OPEN_PER_SUPPORTER,
            ),
            models.UniqueConstraint(
                fields=["program", "client", "team"],
                condition=Q(team__isnull=False, status__in=OPEN_STATUS_VALUES),
                name=ONE_OPEN_PER_TEAM,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} × {self.supporter or self.team}"


# The open statuses as members of Engagement.Status, for services and selectors (equal to
# OPEN_STATUS_VALUES); here rather than in services.lifecycle so that the session services
# that lifecycle calls (ending cancels the future sessions) can read them too.
OPEN_STATUSES = (Engagement.Status.PROPOSED, Engagement.Status.ACTIVE, Engagement.Status.PAUSED)


class EngagementEvent(TenantModel):
    """The engagement's history: creation, status changes (who, when, why), goal edits, and
    supporters joining or leaving its team (``member_name`` as it was at the time)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        GOALS = "goals", _("Goals updated")
        MEMBER_JOINED = "member_joined", _("Team member joined")
        MEMBER_LEFT = "member_left", _("Team member left")

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    member_name = models.CharField(max_length=254, blank=True)
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class RematchRequest(TenantModel):
    """A client's quiet request for a different supporter; seen by coordinators only."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="rematch_requests"
    )
    requested_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement"],
                condition=Q(handled_at__isnull=True),
                name="engagements_one_open_rematch_request",
            ),
        ]


class Session(TenantModel):
    """面談: one meeting within an engagement."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.ONLINE)
    place = models.CharField(_("place"), max_length=120, blank=True)
    meeting_url = models.URLField(_("meeting URL"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    cancelled_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class BookedVia(models.TextChoices):
        STAFF = "staff", _("Scheduled by staff")
        CLIENT = "client", _("Booked by the client")

    series = models.UUIDField(null=True, blank=True, db_index=True)
    # What the client booked (empty for sessions scheduled without a type) and where.
    appointment_type = models.ForeignKey(
        "scheduling.AppointmentType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
        verbose_name=_("appointment type"),
    )
    venue = models.ForeignKey(
        Venue,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
        verbose_name=_("venue"),
    )
    booked_via = models.CharField(max_length=10, choices=BookedVia.choices, default=BookedVia.STAFF)
    # iCalendar SEQUENCE: goes up with every change the client or supporter should see; a
    # reschedule or cancel form carries the one it was shown, so a stale form changes nothing.
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="engagements_session_ends_after_start"
            ),
        ]
        indexes = [
            # The radar (selectors/radar.py): each engagement's last held session, without
            # reading every session; and the past sessions still scheduled ("to record").
            # (The organisation included: the tenancy filter every query adds is then read
            # from the index too, with no visit to the table.)
            models.Index(
                fields=["engagement", "starts_at"],
                include=["organization"],
                condition=Q(status="held"),
                name="engagements_session_held_org",
            ),
            # Which of the organisation's engagements had a held session (the radar's
            # clients never met), read from the index alone.
            models.Index(
                fields=["organization", "engagement"],
                condition=Q(status="held"),
                name="engagements_session_org_held",
            ),
            models.Index(
                fields=["ends_at"],
                condition=Q(status="scheduled"),
                name="engagements_session_open_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.engagement} {self.starts_at:%Y-%m-%d %H:%M}"


# On PostgreSQL, an exclusion constraint (created by migration 0005, not declared in Meta
# because SQLite cannot build it) keeps one person's active blocks from overlapping:
# EXCLUDE USING gist (user_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE is_active.
CALENDAR_BLOCK_NO_OVERLAP = "engagements_calendar_block_no_overlap"


class Meeting(TenantModel):
    """An internal meeting: supporters only (a mentor pair's own reflection meeting, a case
    conference). It holds its attendees' calendars like a session; no client ever sees it."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    meeting_url = models.URLField(_("meeting URL"), blank=True)
    attendees: "models.ManyToManyField[Any, Any]" = models.ManyToManyField(
        USER, related_name="meetings", verbose_name=_("attendees")
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("internal meeting")
        verbose_name_plural = _("internal meetings")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="engagements_meeting_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CalendarBlock(TenantModel):
    """The time a session (or an internal meeting) holds in one person's calendar: one
    block per supporter of the session (every member, for a team) or attendee of the
    meeting. Active until cancelled; a person's active blocks never overlap (the services
    check first, the database decides under races). A block may reach past the session by
    the appointment type's buffers."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="calendar_blocks")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="blocks"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="blocks"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["user", "starts_at"], name="engagements_block_user_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="engagements_block_ends_after_start"
            ),
            models.UniqueConstraint(fields=["session", "user"], name="engagements_block_once"),
            models.UniqueConstraint(
                fields=["meeting", "user"], name="engagements_meeting_block_once"
            ),
            models.CheckConstraint(
                condition=(Q(session__isnull=False) & Q(meeting__isnull=True))
                | (Q(session__isnull=True) & Q(meeting__isnull=False)),
                name="engagements_block_session_or_meeting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class SessionReminder(TenantModel):
    """That the reminder ``hours_before`` a session at ``starts_at`` was queued. Written in
    the transaction that queues the mail, so a reminder is claimed at most once; a moved
    session (another ``starts_at``) is reminded afresh."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders")
    hours_before = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "hours_before", "starts_at"], name="engagements_reminder_once"
            ),
        ]


class SessionRecord(TenantModel):
    """What the supporter records after a session: topics and the summary the client sees."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="record")
    topics = models.ManyToManyField(Topic, blank=True, verbose_name=_("topics"))
    shared_summary = models.TextField(_("summary shared with the client"), blank=True)
    written_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)


class SessionNote(TenantModel):
    """Private notes: readable by the engagement's supporters only (coordinators through an
    audited action)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("private note")
        verbose_name_plural = _("private notes")
        ordering = ["created_at", "id"]


class Reflection(TenantModel):
    """振り返り: written by the client at the end of a session."""

    class Via(models.TextChoices):
        LINK = "link", _("Emailed link")
        WEB = "web", _("Signed in")
        SUPPORTER = "supporter", _("Typed in with the supporter")

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="reflection")
    important = models.TextField(_("What information mattered to you today?"), blank=True)
    noticed = models.TextField(_("What did you notice today?"), blank=True)
    next_step = models.TextField(_("What is your next step?"), blank=True)
    feeling = models.PositiveSmallIntegerField(_("How do you feel? (1–5)"), null=True, blank=True)
    via = models.CharField(max_length=20, choices=Via.choices)
    entered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(feeling__isnull=True) | Q(feeling__gte=1, feeling__lte=5),
                name="engagements_reflection_feeling_1_5",
            ),
        ]


class ReflectionLink(TenantModel):
    """A single-use, expiring link emailed to the client when a session is marked held."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reflection_links")
    nonce = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Nudge(TenantModel):
    """A polite reminder sent from the continuity radar."""

    class Kind(models.TextChoices):
        QUIET = "quiet", _("Quiet engagement")
        LATENT = "latent", _("Accepted but never met")
        NO_SHOWS = "no_shows", _("Repeated no-shows")
        OVER_CAPACITY = "over_capacity", _("Supporter over capacity")
        TO_RECORD = "to_record", _("Past sessions to record")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.CASCADE, related_name="nudges"
    )
    sent_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class RadarDigest(TenantModel):
    """Marks that today's radar digest went to an organisation's coordinators."""

    sent_on = models.DateField()
    total = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sent_on"], name="engagements_digest_daily"
            ),
        ]
