from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bansou.orgs.models import SLUG_VALIDATOR, Organization, TenantModel
from bansou.people.models import ClientProfile


class Side(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    CLIENT = "client", _("Client")


def default_reminder_hours() -> list[int]:
    return [24, 1]


class Program(TenantModel):
    class Kind(models.TextChoices):
        APPOINTMENTS = "appointments", _("Appointments")
        MENTORING = "mentoring", _("Mentoring cohort")
        SALON = "salon", _("Career salon")
        DEBUT = "debut", _("Pay-it-forward debut")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="programs"
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=50, validators=[SLUG_VALIDATOR])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_public = models.BooleanField(_("public page with application forms"), default=False)
    accepts_supporters = models.BooleanField(_("accepts supporter applications"), default=True)
    accepts_clients = models.BooleanField(_("accepts client applications"), default=True)
    supporter_questions = models.JSONField(
        _("extra questions for supporters"), default=list, blank=True
    )
    client_questions = models.JSONField(_("extra questions for clients"), default=list, blank=True)
    reflection_enabled = models.BooleanField(_("ask clients for a reflection"), default=True)
    quiet_after_days = models.PositiveSmallIntegerField(
        _("quiet after (days without a held session)"), default=21
    )
    opens_on_holidays = models.BooleanField(_("sessions on public holidays"), default=False)
    reminder_hours = models.JSONField(
        _("reminders (hours before each session)"), default=default_reminder_hours, blank=True
    )
    no_show_threshold = models.PositiveSmallIntegerField(
        _("no-shows before the coordinator is alerted"), default=2
    )
    # Reports: a count below this (but above 0) is shown to viewers and partners as
    # "fewer than N" (reports.selectors.kpis.suppressed), so that small groups stay unnamed.
    suppression_threshold = models.PositiveSmallIntegerField(
        _("smallest count shown to viewers and partners"),
        default=5,
        validators=[MinValueValidator(1)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="programs_program_slug"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="programs_program_period"
            ),
            models.CheckConstraint(
                condition=Q(suppression_threshold__gte=1),
                name="programs_program_suppression_threshold",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Phase(TenantModel):
    class Kind(models.TextChoices):
        PRE_TRAINING = "pre_training", _("Pre-training")
        MATCHING = "matching", _("Matching")
        ACTIVE = "active", _("Accompaniment period")
        REFLECTION = "reflection", _("Reflection")
        OTHER = "other", _("Other")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="programs_phase_period"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Kpi(models.TextChoices):
    """What a KPI target measures. Each key is computed from the data by
    ``reports.selectors.kpis`` (its ``KPI_DEFINITIONS`` says exactly how)."""

    VENUES_SERVED = "venues_served", _("Venues served")
    SALON_SESSIONS_HELD = "salon_sessions_held", _("Salon sessions held")
    SESSIONS_HELD = "sessions_held", _("Sessions held")
    UNIQUE_CLIENTS = "unique_clients", _("Unique clients")
    VISITS = "visits", _("Salon visits (all kinds)")
    VISITS_WALK_IN = "visits_walk_in", _("Walk-in visits")
    VISITS_RESERVED = "visits_reserved", _("Reserved visits attended")
    VISITS_OUTREACH = "visits_outreach", _("Outreach contacts (声かけ)")
    REPEAT_VISIT_RATE = "repeat_visit_rate", _("Repeat-visit rate (%)")
    NO_SHOW_RATE = "no_show_rate", _("No-show rate (%)")
    ENGAGEMENTS_ACTIVE = "engagements_active", _("Engagements active")
    ENGAGEMENTS_COMPLETED = "engagements_completed", _("Engagements completed")
    REFLECTION_RATE = "reflection_rate", _("Reflection completion rate (%)")
    EVENTS_HELD = "events_held", _("Group events held")
    EVENT_HEADCOUNT = "event_headcount", _("Group event headcount")
    SATISFACTION_MEAN = "satisfaction_mean", _("Satisfaction (mean of 1–5)")
    SATISFIED_RATE = "satisfied_rate", _("Satisfied (4 or 5 of 5) share (%)")
    NPS = "nps", _("NPS")


class Target(TenantModel):
    """A KPI target (e.g. 22 schools, 247 salon sessions): which KPI it measures, whether
    it is an output (活動指標) or an outcome (成果指標), the value and its period. The
    reports app pairs it with the KPI's actual over the same period."""

    class Kind(models.TextChoices):
        OUTPUT = "output", _("Output")
        OUTCOME = "outcome", _("Outcome")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="targets")
    name = models.CharField(_("name"), max_length=80)
    kpi = models.CharField(_("KPI measured"), max_length=32, choices=Kpi.choices)
    kind = models.CharField(
        _("output or outcome"), max_length=10, choices=Kind.choices, default=Kind.OUTPUT
    )
    unit = models.CharField(_("unit"), max_length=20)
    target_value = models.PositiveIntegerField(_("target value"), validators=[MinValueValidator(1)])
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["period_start", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="programs_target_period"
            ),
            models.CheckConstraint(
                condition=Q(target_value__gt=0), name="programs_target_value_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.target_value} {self.unit}"


class Topic(TenantModel):
    """A topic a session record can carry (情報提供, 自己理解, 進路選択...)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(_("name"), max_length=40)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="programs_topic_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Training(TenantModel):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="trainings")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    is_required = models.BooleanField(_("required before matching"), default=True)

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return self.name


class TrainingAttendance(TenantModel):
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    attended_on = models.DateField(_("attended on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendances")
        constraints = [
            models.UniqueConstraint(fields=["training", "user"], name="programs_attendance_once"),
        ]


class Enrollment(TenantModel):
    """A person taking part in a program as supporter or client (the matching pool)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    side = models.CharField(_("side"), max_length=20, choices=Side.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "user", "side"], name="programs_enrollment_unique"
            ),
        ]


class Application(TenantModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WAITLISTED = "waitlisted", _("Waitlisted")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="applications")
    side = models.CharField(_("applying as"), max_length=20, choices=Side.choices)
    email = models.EmailField(_("email address"))
    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50)
    family_name_kana = models.CharField(_("family name (katakana)"), max_length=50, blank=True)
    given_name_kana = models.CharField(_("given name (katakana)"), max_length=50, blank=True)
    answers = models.JSONField(_("answers"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    language = models.CharField(
        _("language for emails"),
        max_length=8,
        choices=[("ja", _("Japanese")), ("en", _("English"))],
        default="ja",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_message = models.TextField(_("message to the applicant"), blank=True)
    # When the applicant ticked the privacy notice box (empty for applications made before
    # the form asked).
    privacy_consent_at = models.DateTimeField(
        _("agreed to the privacy notice at"), null=True, blank=True
    )
    # A client's answers; accepting copies them onto the client profile.
    category = models.CharField(
        _("category"), max_length=20, choices=ClientProfile.Category.choices, blank=True
    )
    school_or_organization = models.CharField(
        _("school or organisation"), max_length=120, blank=True
    )
    grade = models.CharField(_("grade or year"), max_length=20, blank=True)
    is_minor = models.BooleanField(_("under 18"), default=False)
    # A minor's guardian and their consent (all required for a minor; accepting records a
    # GuardianConsent from them).
    guardian_name = models.CharField(_("guardian's name"), max_length=80, blank=True)
    guardian_relationship = models.CharField(_("relationship"), max_length=40, blank=True)
    guardian_contact = models.CharField(_("guardian's contact"), max_length=254, blank=True)
    guardian_consent_at = models.DateTimeField(_("guardian agreed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def lacks_guardian_consent(self) -> bool:
        """A minor's application that cannot be accepted (no guardian's consent on it)."""
        return self.is_minor and (self.guardian_consent_at is None or not self.guardian_name)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.family_name} {self.given_name} ({self.email})"
