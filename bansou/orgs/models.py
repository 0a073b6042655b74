from typing import ClassVar, Self

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from bansou.core.roles import Role

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("Use 1–50 lower-case letters, digits and hyphens."),
)


class Organization(models.Model):
    """The tenant root. Everything an organisation owns carries a foreign key to it."""

    class Kind(models.TextChoices):
        NPO = "npo", _("NPO")
        UNIVERSITY = "university", _("University career centre")
        INDEPENDENT = "independent", _("Independent consultant")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=50, unique=True, validators=[SLUG_VALIDATOR])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NPO)
    description = models.TextField(_("description"), blank=True)
    # Where people reply to the organisation's mail (its Reply-To and signature); without
    # one, mail does not ask for a reply.
    contact_email = models.EmailField(
        _("contact email"),
        blank=True,
        help_text=_("Replies to the organisation's mail go to this address."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    closes_new_year = models.BooleanField(
        _("closed over the New Year holidays (12/29–1/3)"), default=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantModel(models.Model):
    """The base of every model an organisation owns: its organisation and a manager that
    django-scopes guards (a query outside a scope raises instead of reading every tenant).
    A model may redeclare ``organization`` (same name, e.g. another ``related_name`` or
    ``on_delete``) or ``objects`` (a ``ScopedManager`` on its own queryset); the tenancy
    test checks that every tenant model still ends up scoped by ``organization``."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)

    objects: ClassVar[models.Manager[Self]] = ScopedManager(organization="organization")

    class Meta:
        abstract = True


class Membership(TenantModel):
    """A user's role in one organisation. One role per user and organisation."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="orgs_membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="orgs_membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class Venue(TenantModel):
    """A place where support happens: a school campus, a partner site, a centre."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        CAMPUS = "campus", _("University campus")
        PARTNER_SITE = "partner_site", _("Partner site")
        ONLINE = "online", _("Online")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SCHOOL)
    address = models.CharField(_("address"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="orgs_venue_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
