from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.account.utils import url_str_to_user_pk
from django.db.models import Q

from bansou.accounts.models import User
from bansou.accounts.names import normalize_kana, normalize_name


def user_for_link(*, uidb36: str) -> User | None:
    """The active person a mailed password link (``<uidb36>-<key>``) was sent to."""
    try:
        pk = url_str_to_user_pk(uidb36)
    except (ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def person_search(search: str, *, prefix: str = "", max_words: int = 5) -> Q:
    """People whose name, reading (typed in hiragana or katakana) or email holds every
    word of ``search``; ``prefix`` reaches the person through a relation
    (``"engagement__client__"``)."""
    matches = Q()
    for word in normalize_name(search).split()[:max_words]:
        reading = normalize_kana(word)  # readings are stored in katakana
        matches &= (
            Q(**{f"{prefix}family_name__icontains": word})
            | Q(**{f"{prefix}given_name__icontains": word})
            | Q(**{f"{prefix}family_name_kana__icontains": reading})
            | Q(**{f"{prefix}given_name_kana__icontains": reading})
            | Q(**{f"{prefix}email__icontains": word})
        )
    return matches


@dataclass(frozen=True)
class AddressAccount:
    """Which account an email address may bring a role to (an accepted application)."""

    user: User | None  # None: no account may take it (create one, unless ``unconfirmed``)
    # An account signs in with this address without ever having confirmed it: it may be
    # someone who typed a stranger's address, so it gets nothing and no account is created.
    unconfirmed: bool = False


def account_for_address(*, email: str) -> AddressAccount:
    """The account that proved it owns ``email`` (a confirmed address), else the account
    whose login it is if nobody has signed in to that one yet (it has no password: only
    the mailed set-password link, read in that mailbox, opens it)."""
    confirmed = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if confirmed is not None:
        return AddressAccount(user=confirmed.user)
    holder = User.objects.filter(email__iexact=email).first()
    if holder is None:
        return AddressAccount(user=None)
    if not holder.has_usable_password():
        return AddressAccount(user=holder)
    return AddressAccount(user=None, unconfirmed=True)


def address_reaches_account(*, user: User, email: str) -> bool:
    """Whether mail that signs in (a password reset link, a sign-in code) may go to
    ``email`` for ``user``: their login, or an address they confirmed. An address still
    waiting for confirmation (one a coordinator entered for them) reaches nobody yet."""
    if user.email.lower() == email.lower():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def address_used_by_another(*, user: User, email: str) -> bool:
    """Whether another account signs in with ``email``, confirmed it or waits for it."""
    return (
        User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
        or EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists()
    )


def address_taken_by_another(*, user: User, email: str) -> bool:
    """Whether another account signs in with ``email`` or confirmed it."""
    return (
        User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
        or EmailAddress.objects.filter(email__iexact=email, verified=True)
        .exclude(user=user)
        .exists()
    )


def pending_address(*, user: User) -> EmailAddress | None:
    """The address that waits for its owner's confirmation to replace the login."""
    return (
        EmailAddress.objects.filter(user=user, verified=False)
        .exclude(email__iexact=user.email)
        .order_by("-pk")
        .first()
    )
