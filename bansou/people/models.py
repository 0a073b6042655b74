from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.orgs.models import TenantModel, Venue

LANGUAGE_CHOICES = [
    ("ja", _("Japanese")),
    ("en", _("English")),
    ("zh", _("Chinese")),
    ("ko", _("Korean")),
    ("vi", _("Vietnamese")),
    ("ne", _("Nepali")),
    ("pt", _("Portuguese")),
    ("tl", _("Filipino")),
]


class SupporterProfile(TenantModel):
    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNSPECIFIED = "unspecified", _("Not specified")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supporter_profiles"
    )
    specialties = models.JSONField(_("specialties"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    bio = models.TextField(_("introduction"), blank=True)
    gender = models.CharField(
        _("gender"), max_length=20, choices=Gender.choices, default=Gender.UNSPECIFIED
    )
    monthly_capacity = models.PositiveSmallIntegerField(_("new clients per month"), default=4)
    max_concurrent = models.PositiveSmallIntegerField(_("concurrent engagements"), default=5)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supporter profile")
        verbose_name_plural = _("supporter profiles")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="people_supporter_once"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class Qualification(TenantModel):
    class Kind(models.TextChoices):
        CAREER_CONSULTANT = "career_consultant", _("Certified career consultant")
        SKILL_1 = "skill_1", _("Career consulting technician, grade 1")
        SKILL_2 = "skill_2", _("Career consulting technician, grade 2")
        INDUSTRIAL_COUNSELOR = "industrial_counselor", _("Industrial counselor")
        OTHER = "other", _("Other")

    profile = models.ForeignKey(
        SupporterProfile, on_delete=models.CASCADE, related_name="qualifications"
    )
    kind = models.CharField(_("qualification"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name (for other)"), max_length=80, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=30, blank=True)
    obtained_on = models.DateField(_("obtained on"), null=True, blank=True)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="career_consultant") | ~Q(registration_number=""),
                name="people_consultant_has_registration_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.get_kind_display())


class ClientProfile(TenantModel):
    class Category(models.TextChoices):
        HIGH_SCHOOL = "high_school", _("High-school student")
        UNIVERSITY = "university", _("University / international student")
        NPO_STAFF = "npo_staff", _("NPO staff")
        WORKER = "worker", _("Working adult")
        OTHER = "other", _("Other")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_profiles"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    school_or_organization = models.CharField(
        _("school or organisation"), max_length=120, blank=True
    )
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("venue")
    )
    grade = models.CharField(_("grade or year"), max_length=20, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    wants_help_with = models.TextField(_("what they want help with"), blank=True)
    is_minor = models.BooleanField(_("minor (guardian consent required)"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("client profile")
        verbose_name_plural = _("client profiles")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="people_client_once"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class GuardianConsent(TenantModel):
    class Method(models.TextChoices):
        PAPER = "paper", _("Signed paper form")
        EMAIL = "email", _("Email")
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("Phone")
        ONLINE = "online", _("Online form")

    client = models.ForeignKey(
        ClientProfile, on_delete=models.CASCADE, related_name="guardian_consents"
    )
    guardian_name = models.CharField(_("guardian's name"), max_length=80)
    relationship = models.CharField(_("relationship"), max_length=40)
    method = models.CharField(_("how consent was given"), max_length=20, choices=Method.choices)
    given_on = models.DateField(_("given on"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")
        ordering = ["-given_on"]


class Team(TenantModel):
    """Two or more supporters acting as one unit (e.g. a mentor pair)."""

    name = models.CharField(_("name"), max_length=80)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMember", related_name="teams"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="people_team_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(TenantModel):
    """A supporter in a team since ``joined_at``: the team's private notes written before
    then stay hidden from them (shared records are visible)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="people_team_member_once"),
        ]
