from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bansou.orgs.models import Organization, TenantModel


class OutboxMessage(TenantModel):
    """One mail on its way out. Every mail is stored here first and delivered by a
    background task after the change that caused it has committed, so a mail server that
    fails never turns a saved change into an error page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # Null for mail that belongs to no organisation (password reset, unknown account); the
    # only tenant model whose organisation is optional, hence the narrower type's ignore.
    organization = models.ForeignKey(  # type: ignore[assignment]
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox_messages",
    )
    to_address = models.EmailField(_("to"))
    # The organisation's contact address, so that a reply reaches people, not the sender.
    reply_to = models.EmailField(_("reply to"), blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    # Emptied once delivered: bodies may carry single-use links.
    body = models.TextField(_("body"), blank=True)
    html_body = models.TextField(_("HTML body"), blank=True)
    # Files sent with the mail (e.g. a calendar invitation): a list of {"filename",
    # "mimetype", "content" (base64)}; emptied with the body once delivered.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="ops_outbox_org_created"),
            models.Index(fields=["status", "next_attempt_at"], name="ops_outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}"


class PreparedFile(TenantModel):
    """A file built in the background for the person who asked for it (an export that takes
    longer than a page should): they watch its progress, download it through the app only
    (never from a public address), and it is deleted a few days later."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Deleted")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prepared_files"
    )
    # A key of some app's files.FILE_KINDS ("audit.log_csv"); ``params`` are its inputs.
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(_("file"), upload_to="prepared/", blank=True, max_length=200)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("deleted after"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("last downloaded"), null=True, blank=True)

    class Meta:
        verbose_name = _("prepared file")
        verbose_name_plural = _("prepared files")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "requested_by", "-created_at"], name="ops_prepared_owner"
            ),
            models.Index(fields=["status", "expires_at"], name="ops_prepared_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="ops_prepared_progress"
            ),
        ]

    def __str__(self) -> str:
        return self.title
