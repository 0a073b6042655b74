"""When supporters can meet: weekly availability, dated exceptions, the organisation's
closures, appointment types per program and each supporter's booking limits.

Times are wall-clock times in Asia/Tokyo (``TIME_ZONE``); a rule "火 19:00–22:00" means
that every Tuesday, whatever the date's UTC offset."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bansou.orgs.models import TenantModel, Venue
from bansou.programs.models import Program

USER = settings.AUTH_USER_MODEL


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilityRule(TenantModel):
    """A weekly window in which the supporter can meet, e.g. 火 19:00–22:00."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="availability_rules")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        ordering = ["weekday", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="scheduling_rule_ends_after_start"
            ),
        ]


class AvailabilityException(TenantModel):
    """A dated change to the weekly rules: a day (or part of one) off, or extra hours."""

    class Kind(models.TextChoices):
        OFF = "off", _("Not available")
        EXTRA = "extra", _("Extra hours")

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="availability_exceptions")
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Both empty on an "off" exception: the whole day.
    starts_at = models.TimeField(_("from"), null=True, blank=True)
    ends_at = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("availability exception")
        verbose_name_plural = _("availability exceptions")
        ordering = ["day", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(starts_at__isnull=True) & Q(ends_at__isnull=True))
                | (
                    Q(starts_at__isnull=False)
                    & Q(ends_at__isnull=False)
                    & Q(ends_at__gt=F("starts_at"))
                ),
                name="scheduling_exception_whole_day_or_window",
            ),
            models.CheckConstraint(
                condition=Q(kind="off") | Q(starts_at__isnull=False),
                name="scheduling_extra_hours_have_a_window",
            ),
        ]


class Closure(TenantModel):
    """休業日: days the organisation is closed (夏季休業, a school event). 年末年始 is
    closed by default through ``Organization.closes_new_year``."""

    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="scheduling_closure_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AppointmentType(TenantModel):
    """What a client can book in a program: e.g. 30-minute online consultation."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")

    class MeetingLink(models.TextChoices):
        NONE = "none", _("No link (in person)")
        FIXED = "fixed", _("A fixed meeting URL")
        JITSI = "jitsi", _("A generated Jitsi room for each booking")

    class BookableBy(models.TextChoices):
        ENROLLED = "enrolled", _("Clients enrolled in the program")
        ANYONE = "anyone", _("Anyone with the link (public intake)")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="appointment_types")
    name = models.CharField(_("name"), max_length=120)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(10), MaxValueValidator(240)]
    )
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices)
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="appointment_types"
    )
    room = models.CharField(_("room"), max_length=120, blank=True)
    meeting_link = models.CharField(
        _("meeting link"), max_length=10, choices=MeetingLink.choices, default=MeetingLink.NONE
    )
    meeting_url = models.URLField(_("meeting URL"), blank=True)
    bookable_by = models.CharField(
        _("who may book"), max_length=10, choices=BookableBy.choices, default=BookableBy.ENROLLED
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before (minutes)"), default=0
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(_("buffer after (minutes)"), default=0)
    min_notice_hours = models.PositiveSmallIntegerField(_("minimum notice (hours)"), default=24)
    max_days_ahead = models.PositiveSmallIntegerField(
        _("bookable up to (days ahead)"), default=56, validators=[MinValueValidator(1)]
    )
    change_deadline_hours = models.PositiveSmallIntegerField(
        _("clients may reschedule or cancel until (hours before)"), default=24
    )
    is_active = models.BooleanField(_("open for booking"), default=True)

    class Meta:
        verbose_name = _("appointment type")
        verbose_name_plural = _("appointment types")
        ordering = ["program", "duration_minutes", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"], name="scheduling_appointment_type_name"
            ),
            models.CheckConstraint(
                condition=~Q(meeting_link="fixed") | ~Q(meeting_url=""),
                name="scheduling_fixed_link_has_url",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BookingLimits(TenantModel):
    """How many sessions a supporter takes at most per day, week and month, counted across
    every appointment type and program of the organisation (empty: no limit)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="booking_limits")
    per_day = models.PositiveSmallIntegerField(_("per day"), null=True, blank=True)
    per_week = models.PositiveSmallIntegerField(_("per week"), null=True, blank=True)
    per_month = models.PositiveSmallIntegerField(_("per month"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking limits")
        verbose_name_plural = _("booking limits")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="scheduling_limits_once_per_supporter"
            ),
        ]


class CalendarFeed(TenantModel):
    """A person's private iCal address in one organisation. Only the SHA-256 of its token
    is kept; revoking it (or making a new one) stops the old address at once."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(revoked_at__isnull=True),
                name="scheduling_one_live_feed",
            ),
        ]
