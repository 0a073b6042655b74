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
