from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.names import NAME_MAX_LENGTH, validate_kana, validate_person_name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Names follow Japanese order: 姓 (family) then 名 (given)."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
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
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=[("ja", _("Japanese")), ("en", _("English"))],
        default="ja",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Set when the person was erased (privacy.services.erasure): the row stays so that
    # records pointing at it keep their shape, but it holds no personal data and cannot
    # sign in.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.erased_at is not None:
            return str(_("(erased)"))
        full = f"{self.family_name} {self.given_name}".strip()
        return full or self.email

    @property
    def reading(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.family_name or self.email
