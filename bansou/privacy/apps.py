from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Data rights (APPI 第33・35条): a person's own data as PDF and JSON, a coordinator's
    disclosure export, erasure, and the organisation's retention period."""

    name = "bansou.privacy"
    label = "privacy"
    verbose_name = _("Data rights")
