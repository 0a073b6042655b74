from django.db import transaction

from bansou.accounts.models import User
from bansou.accounts.names import normalize_kana, normalize_name


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    family_name: str = "",
    given_name: str = "",
    family_name_kana: str = "",
    given_name_kana: str = "",
    language: str = "ja",
) -> User:
    user = User(
        email=User.objects.normalize_email(email).lower(),
        family_name=normalize_name(family_name),
        given_name=normalize_name(given_name),
        family_name_kana=normalize_kana(family_name_kana),
        given_name_kana=normalize_kana(given_name_kana),
        language=language,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_update_profile(*, user: User, **fields: str) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean()
    user.save(update_fields=list(fields))
    return user
