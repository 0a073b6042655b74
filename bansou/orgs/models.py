from typing import ClassVar, Self

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from bansou.accounts.names import NAME_MAX_LENGTH, validate_kana, validate_person_name
from bansou.core.roles import Role

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("Use 1–50 lower-case letters, digits and hyphens."),
)


# The purposes of use (個人情報の利用目的, APPI 第21条) a new organisation starts with; its
# coordinators adapt them on the privacy notice page. Japanese: the organisation's own text.
DEFAULT_PURPOSES_OF_USE = "\n".join(
    (
        "当団体は、お預かりする個人情報を次の目的で利用します。",
        "",
        "1. キャリア支援（相談・伴走支援、プログラムへの参加の受付と運営）のため",
        "2. 面談・サロン・イベントの日程のご案内など、ご本人（未成年の方は保護者の方を"
        "含みます）へのご連絡のため",
        "3. 助成元や連携先への報告に使う統計の作成のため（氏名など個人がわかる情報は含めません）",
        "4. 法令にもとづく義務を果たすため",
        "",
        "個人情報は、ご本人の同意なく第三者に提供しません。ただし、法令にもとづく場合"
        "など、個人情報保護法が認める場合を除きます。",
        "",
        "ご本人は、ご自身の個人情報の開示、訂正・追加・削除、利用の停止を求めることが"
        "できます（個人情報保護法 第33条〜第35条）。下記のお問い合わせ窓口までご連絡"
        "ください。ご本人であることを確認したうえで、すみやかに対応します。",
    )
)


def default_purposes_of_use() -> str:
    return DEFAULT_PURPOSES_OF_USE


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
    # The public privacy notice (/p/<slug>/privacy/), linked from every public form.
    privacy_contact = models.TextField(
        _("contact for privacy enquiries"),
        blank=True,
        max_length=1000,
        help_text=_(
            "The person or office responsible, with an address and a phone number or email."
        ),
    )
    purposes_of_use = models.TextField(
        _("purposes of use of personal data"),
        max_length=5000,
        default=default_purposes_of_use,
    )
    privacy_updated_at = models.DateTimeField(
        _("privacy notice last changed"), default=timezone.now
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
    # Campus notes: what a supporter needs on the day.
    room = models.CharField(_("room"), max_length=120, blank=True)
    access = models.TextField(_("how to get in"), blank=True)
    contact = models.CharField(_("contact at the venue"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="orgs_venue_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Invitation(TenantModel):
    """An invitation by email into a role. Only the SHA-256 digest of its token is
    stored; resending replaces the token (the old link stops working). At most one
    pending invitation per organisation and address (a partial unique constraint)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email"), max_length=254)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    family_name = models.CharField(
        _("family name"), max_length=NAME_MAX_LENGTH, blank=True, validators=[validate_person_name]
    )
    given_name = models.CharField(
        _("given name"), max_length=NAME_MAX_LENGTH, blank=True, validators=[validate_person_name]
    )
    family_name_kana = models.CharField(
        _("family name (katakana)"),
        max_length=NAME_MAX_LENGTH,
        blank=True,
        validators=[validate_kana],
    )
    given_name_kana = models.CharField(
        _("given name (katakana)"),
        max_length=NAME_MAX_LENGTH,
        blank=True,
        validators=[validate_kana],
    )
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    expires_at = models.DateTimeField(_("valid until"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("last sent"))
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(status="pending"),
                name="orgs_invitation_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="orgs_invitation_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} @ {self.organization} ({self.get_role_display()})"
