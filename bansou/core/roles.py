from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    SUPPORTER = "supporter", _("Supporter")
    CLIENT = "client", _("Client")
    PARTNER = "partner", _("Partner (e.g. teacher)")
    VIEWER = "viewer", _("Viewer (e.g. funder)")
