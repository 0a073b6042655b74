"""Matching: criteria per program, extra matching data per person, rounds and self-match
requests. The pure engine lives in ``engine/``; ``adapter.py`` turns these rows into its
profiles."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bansou.orgs.models import TenantModel
from bansou.programs.models import Program

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

USER = settings.AUTH_USER_MODEL
WEIGHT_FIELDS = (
    "need",
    "language",
    "time",
    "gender",
    "mode",
    "continuity",
    "experience",
    "school",
    "area",
)


def _weight(label: "StrOrPromise", default: int) -> "models.PositiveSmallIntegerField[int, int]":
    return models.PositiveSmallIntegerField(
        label, default=default, validators=[MaxValueValidator(10)]
    )


class MatchingCriteria(TenantModel):
    """One row per program; a program without one uses the defaults."""

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, related_name="matching_criteria"
    )
    need = _weight(_("what they want help with ↔ specialties"), 8)
    language = _weight(_("shared languages"), 5)
    time = _weight(_("time overlap"), 5)
    gender = _weight(_("preferred supporter gender"), 3)
    mode = _weight(_("online or in person"), 3)
    continuity = _weight(_("keep the previous supporter"), 4)
    experience = _weight(_("experience for the situation"), 3)
    school = _weight(_("school"), 2)
    area = _weight(_("area"), 2)
    allow_self_match = models.BooleanField(
        _("clients may choose a supporter themselves"), default=False
    )
    updated_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("matching criteria")
        verbose_name_plural = _("matching criteria")


class MatchingProfile(TenantModel):
    """What matching needs beyond the people app: times, modes, areas, preferences.

    ``slots``: "weekday-part" ids (see ``adapter.SLOTS``); for a supporter the times they
    are free, for a client the times they prefer."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    slots = models.JSONField(_("times"), default=list, blank=True)
    modes = models.JSONField(_("online / in person"), default=list, blank=True)
    areas = models.JSONField(_("areas"), default=list, blank=True)
    venue_ids = models.JSONField(_("schools served"), default=list, blank=True)
    experience_level = models.PositiveSmallIntegerField(
        _("experience (0–3) / situation (0–3)"), default=0, validators=[MaxValueValidator(3)]
    )
    preferred_gender = models.CharField(_("preferred supporter gender"), max_length=20, blank=True)
    preferred_mode = models.CharField(
        _("preferred mode"), max_length=20, choices=Mode.choices, blank=True
    )
    keep_previous = models.BooleanField(_("keep my previous supporter"), default=False)
    conflict_user_ids = models.JSONField(_("conflicts of interest (people)"), default=list)
    conflict_venue_ids = models.JSONField(_("conflicts of interest (schools)"), default=list)

    class Meta:
        verbose_name = _("matching profile")
        verbose_name_plural = _("matching profiles")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="matching_profile_once"),
        ]


class MatchRound(TenantModel):
    """One run of the matching for a program, kept so that a decision can be explained
    later. ``inputs``: the pool, weights, locks and exclusions; ``result``: the proposals
    and unmatched clients with their reasons (JSON, see ``services``)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Waiting for review")
        CONFIRMED = "confirmed", _("Confirmed")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="match_rounds")
    title = models.CharField(_("title"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    inputs = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    runs = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("matching round")
        verbose_name_plural = _("matching rounds")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title or f"{self.program} #{self.pk}"


class MatchRequest(TenantModel):
    """Self-match: a client asks a supporter; the supporter accepts or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="match_requests")
    client = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    supporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    engagement = models.ForeignKey(
        "engagements.Engagement", null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("match request")
        verbose_name_plural = _("match requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "client", "supporter"],
                condition=Q(status="pending"),
                name="matching_one_pending_request",
            ),
        ]


class MatchRanking(TenantModel):
    """One person's ranking of the other side in a program (self-match programs): a client
    ranks supporters, a supporter ranks clients; ``ranked_user_ids`` best first, people not
    listed are not acceptable. Used by the stable mode and the blocking-pair count."""

    class Side(models.TextChoices):
        CLIENT = "client", _("Client")
        SUPPORTER = "supporter", _("Supporter")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="match_rankings")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(_("side"), max_length=20, choices=Side.choices)
    ranked_user_ids = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ranking")
        verbose_name_plural = _("rankings")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "user", "side"], name="matching_ranking_once"
            ),
        ]
