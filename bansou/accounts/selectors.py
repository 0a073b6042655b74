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
