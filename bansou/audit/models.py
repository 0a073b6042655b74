from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from bansou.orgs.models import Organization, TenantModel


class AuditImmutableError(Exception):
    pass


class AuditQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise AuditImmutableError("Audit entries cannot be changed.")

    def redact(self, *, detach_person: bool = False) -> int:
        """The one change an audit row allows: its personal details (the model's
        ``REDACTED_VALUES``) are cleared for an erasure (APPI 第35条) while what happened, to
        which object and when stay; ``detach_person`` also clears who it was. A row is
        redacted at most once. On PostgreSQL the trigger (migration 0005) refuses any
        other change, whatever SQL is sent."""
        cleared = dict(self.model.REDACTED_VALUES)
        if detach_person:
            cleared[self.model.PERSON_FIELD] = None
        pending = self.filter(redacted_at__isnull=True)
        return models.QuerySet.update(pending, redacted_at=timezone.now(), **cleared)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError("Audit entries cannot be deleted.")


class AppendOnly(TenantModel):
    """A row that is written once: saving it again or deleting it is refused (and, on
    PostgreSQL, a trigger refuses the same from any SQL: migration 0003)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditImmutableError(f"{self._meta.verbose_name} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError(f"{self._meta.verbose_name} cannot be deleted.")


class AuditEntry(AppendOnly):
    """Who did or read what, when, where from. Append-only: the application can neither
    change nor delete an entry."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    redacted_at = models.DateTimeField(null=True, blank=True)

    REDACTED_VALUES: ClassVar[dict[str, Any]] = {"reason": "", "data": {}, "ip_address": None}
    PERSON_FIELD: ClassVar[str] = "actor"

    objects: ClassVar[models.Manager["AuditEntry"]] = ScopedManager(
        organization="organization", _manager_class=AuditQuerySet.as_manager().__class__
    )

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]


class SecurityEvent(AppendOnly):
    """Sign-ins, failed sign-ins, lockouts and refused organisation pages, each with the
    client address. Append-only like ``AuditEntry`` (and, on PostgreSQL, enforced by a
    trigger). Most events happen before anyone is inside an organisation, so the
    organisation is optional: set for a refused organisation page."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOCKOUT = "lockout", _("Sign-in throttled")
        DENIED = "denied", _("Organisation page refused")

    # The only other tenant model whose organisation is optional (see ops.OutboxMessage).
    organization = models.ForeignKey(  # type: ignore[assignment]
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="security_events",
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # For a sign-in attempt with an address that has no account: its SHA-256, so attempts
    # can be counted without keeping what a stranger typed.
    login_digest = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    redacted_at = models.DateTimeField(null=True, blank=True)

    REDACTED_VALUES: ClassVar[dict[str, Any]] = {"login_digest": "", "ip_address": None}
    PERSON_FIELD: ClassVar[str] = "user"

    objects: ClassVar[models.Manager["SecurityEvent"]] = ScopedManager(
        organization="organization", _manager_class=AuditQuerySet.as_manager().__class__
    )

    class Meta:
        ordering = ["-created_at", "-id"]
