"""Surveys (満足度調査, NPS, voices): coordinators build a survey from questions, send it to
an audience by mail with a single-use link (by hand, after each held session or at the
end of a phase) or share one public link, and read the results.

- ``Survey``: wording in Japanese and English, an audience (clients, supporters, partners
  such as teachers, or anyone with the link), anonymous or named, draft → open → closed,
  a closing date and what sends it.
- ``Question``: ordered by ``position``; a question that has answers is never deleted
  (``Answer.question`` restricts it): it is retired (``retired_at``) and its answers stay.
- ``SurveyInvitation``: one person invited once per survey and session, phase or by hand
  (partial unique constraints). Only the SHA-256 of its link's token is stored; the token
  is an HMAC of ``nonce`` under the site's secret key, so the reminder can mail the same
  link again while a copy of the database cannot answer for anyone.
- ``Response`` and ``Answer``: one response per invitation (the invitation row is locked
  while it is used). An anonymous response names no respondent, no session and no time of
  day, and nothing links it to its invitation (whose ``used_at`` keeps only the day).
"""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bansou.engagements.models import Session
from bansou.orgs.models import TenantModel, Venue
from bansou.programs.models import Phase, Program

USER = settings.AUTH_USER_MODEL
LANGUAGES = ("ja", "en")


def in_language(ja: str, en: str, language: str | None) -> str:
    """The English wording for an English reader when there is one, else the Japanese."""
    return en if language == "en" and en.strip() else ja


class Survey(TenantModel):
    class Audience(models.TextChoices):
        CLIENTS = "clients", _("Clients")
        SUPPORTERS = "supporters", _("Supporters")
        PARTNERS = "partners", _("Partners (teachers)")
        LINK = "link", _("Anyone with the link")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("survey status", "Draft")
        OPEN = "open", pgettext_lazy("survey status", "Open")
        CLOSED = "closed", pgettext_lazy("survey status", "Closed")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("By hand")
        AFTER_SESSION = "after_session", _("After each held session")
        PHASE_END = "phase_end", _("At the end of a phase")

    program = models.ForeignKey(
        Program,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("program"),
    )
    # For a survey sent at a phase's end: that phase only (none: every phase of the program).
    phase = models.ForeignKey(
        Phase,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
        verbose_name=_("phase"),
    )
    title_ja = models.CharField(_("title (Japanese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)
    intro_ja = models.TextField(_("introduction (Japanese)"), max_length=2000, blank=True)
    intro_en = models.TextField(_("introduction (English)"), max_length=2000, blank=True)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    anonymous = models.BooleanField(_("anonymous"), default=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    closes_on = models.DateField(_("closes on"))
    trigger = models.CharField(
        _("how it is sent"), max_length=20, choices=Trigger.choices, default=Trigger.MANUAL
    )
    # The public link of a survey for anyone with the link (empty for the others).
    link_token = models.CharField(max_length=43, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    # The creating form's own key: the same form sent twice makes one survey.
    key = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["link_token"],
                condition=~Q(link_token=""),
                name="surveys_survey_link_token_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "key"],
                condition=Q(key__isnull=False),
                name="surveys_survey_key_once",
            ),
            # Nobody signs in to answer a public link: it cannot name its respondents.
            models.CheckConstraint(
                condition=~Q(audience="link") | Q(anonymous=True),
                name="surveys_survey_link_is_anonymous",
            ),
        ]

    def __str__(self) -> str:
        return self.title_ja

    def title_in(self, language: str | None) -> str:
        return in_language(self.title_ja, self.title_en, language)

    def intro_in(self, language: str | None) -> str:
        return in_language(self.intro_ja, self.intro_en, language)


class Question(TenantModel):
    class Kind(models.TextChoices):
        SCALE = "scale", _("5-point scale")
        NPS = "nps", _("Recommendation (0–10)")
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TEXT = "text", _("Free text")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text_ja = models.CharField(_("question (Japanese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # Single and multiple choice: [{"ja": "…", "en": "…"}, …]; an answer keeps the indexes.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # A 5-point question that counts as satisfaction in the reports (the KPIs).
    measures_satisfaction = models.BooleanField(_("counts as satisfaction"), default=False)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(measures_satisfaction=False) | Q(kind="scale"),
                name="surveys_question_satisfaction_is_a_scale",
            ),
        ]

    def __str__(self) -> str:
        return self.text_ja

    def text_in(self, language: str | None) -> str:
        return in_language(self.text_ja, self.text_en, language)

    def choice_labels(self, language: str | None) -> list[str]:
        return [
            in_language(str(c.get("ja", "")), str(c.get("en", "")), language) for c in self.choices
        ]


class SurveyInvitation(TenantModel):
    """One person asked to answer one survey: by hand, after a held session or at a
    phase's end (``session`` / ``phase``, at most one of them)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    phase = models.ForeignKey(
        Phase, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The venue the answer will be counted under (the session's, or the venue whose
    # teachers were chosen).
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nonce = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(_("sent at"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    # When it was answered; for an anonymous survey only the day (midnight, Tokyo time).
    used_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["sent_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=True) | Q(phase__isnull=True),
                name="surveys_invitation_session_or_phase",
            ),
            models.UniqueConstraint(
                fields=["survey", "person", "session"],
                condition=Q(session__isnull=False),
                name="surveys_invitation_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["survey", "person", "phase"],
                condition=Q(phase__isnull=False),
                name="surveys_invitation_once_per_phase",
            ),
            models.UniqueConstraint(
                fields=["survey", "person"],
                condition=Q(session__isnull=True, phase__isnull=True),
                name="surveys_invitation_once_by_hand",
            ),
        ]
        indexes = [
            # The reminder scan: sent, neither answered nor reminded yet.
            models.Index(
                fields=["sent_at"],
                condition=Q(used_at__isnull=True, reminded_at__isnull=True),
                name="surveys_invitation_to_remind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.person}"


class Response(TenantModel):
    class Via(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        LINK = "link", _("Public link")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # Named surveys only: who answered and for which session.
    respondent = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the reports count by (kept for anonymous responses too).
    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8, default="ja")
    via = models.CharField(max_length=20, choices=Via.choices)
    # The answer form's own key: the same form sent twice is stored once.
    key = models.UUIDField()
    submitted_on = models.DateField(_("submitted on"))
    # Named responses only: an anonymous one keeps the day, not the time.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="surveys_response_key_once"),
            models.CheckConstraint(
                condition=Q(respondent__isnull=True) | Q(submitted_at__isnull=False),
                name="surveys_response_named_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "submitted_on"], name="surveys_response_day"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} {self.submitted_on}"


class Answer(TenantModel):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    # RESTRICT: a question with answers cannot be deleted, only retired (deleting the whole
    # survey, answers included, still can).
    question = models.ForeignKey(Question, on_delete=models.RESTRICT, related_name="answers")
    number = models.SmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    choices: Any = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)
    # Free text: whether a coordinator chose it for reports (as ``published_text``, edited
    # for anonymity; ``text`` stays as written).
    publishable = models.BooleanField(_("publishable"), default=False)
    published_text = models.TextField(_("text for reports"), blank=True)
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response", "question__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="surveys_answer_once_per_question"
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(number__gte=0, number__lte=10),
                name="surveys_answer_number_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.number if self.number is not None else self.text[:20]}"
