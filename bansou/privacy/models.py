from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bansou.orgs.models import Organization, TenantModel

RETENTION_MIN_MONTHS = 6
RETENTION_MAX_MONTHS = 240


class RetentionPolicy(TenantModel):
    """How long an organisation keeps the personal content of ended engagements. Past
    that, the periodic job anonymises them (privacy.services.retention); without a
    period they are kept until someone erases the client."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="retention_policy"
    )
    ended_engagement_months = models.PositiveSmallIntegerField(
        _("keep ended engagements for (months)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(RETENTION_MIN_MONTHS),
            MaxValueValidator(RETENTION_MAX_MONTHS),
        ],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("retention period")
