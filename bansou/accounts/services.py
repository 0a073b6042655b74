from allauth.account.models import EmailAddress
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
    email_verified: bool = False,
    password_hash: str = "",
) -> User:
    """A new account whose address counts only once confirmed: ``email_verified`` for an
    address known to be the person's (the demo); otherwise setting the first password
    from the mailed link confirms it (``email_confirm_on_first_password``).
    ``password_hash`` (from ``make_password``) lets the demo hash its one shared password
    once instead of once a person: each hash takes a fifth of a second by design."""
    user = User(
        email=User.objects.normalize_email(email).lower(),
        family_name=normalize_name(family_name),
        given_name=normalize_name(given_name),
        family_name_kana=normalize_kana(family_name_kana),
        given_name_kana=normalize_kana(given_name_kana),
        language=language,
    )
    if password_hash:
        user.password = password_hash
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user


@transaction.atomic
def email_confirm_on_first_password(*, user: User) -> bool:
    """Confirms the address of an account that had no password until now. Such an account
    was made by the organisation and nobody has signed in to it: the only address it has
    is its login, so the set-password link can only have been read in that mailbox. Does
    nothing when the account has any other address, or when another account already
    confirmed this one. Returns whether the address is now confirmed."""
    addresses = list(EmailAddress.objects.select_for_update().filter(user=user))
    if any(address.email.lower() != user.email.lower() for address in addresses):
        return False
    address = addresses[0] if addresses else EmailAddress(user=user, email=user.email)
    if not address.can_set_verified():
        return False
    address.verified = True
    address.primary = True
    address.save()
    return True


@transaction.atomic
def user_update_profile(*, user: User, **fields: str) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean()
    user.save(update_fields=list(fields))
    return user
