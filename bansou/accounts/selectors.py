from allauth.account.utils import url_str_to_user_pk

from bansou.accounts.models import User


def user_for_link(*, uidb36: str) -> User | None:
    """The active person a mailed password link (``<uidb36>-<key>``) was sent to."""
    try:
        pk = url_str_to_user_pk(uidb36)
    except (ValueError, OverflowError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()
