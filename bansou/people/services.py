from django.db import transaction

from bansou.accounts.models import User
from bansou.orgs.models import Organization
from bansou.people.models import ClientProfile, SupporterProfile


@transaction.atomic
def supporter_profile_ensure(*, organization: Organization, user: User) -> SupporterProfile:
    """The supporter's profile in this organisation, created empty when missing."""
    profile, _ = SupporterProfile.objects.get_or_create(
        organization=organization, user=user, defaults={"languages": ["ja"]}
    )
    return profile


@transaction.atomic
def client_profile_ensure(
    *, organization: Organization, user: User, category: str = ClientProfile.Category.OTHER
) -> ClientProfile:
    """The client's profile in this organisation, created when missing."""
    profile, _ = ClientProfile.objects.get_or_create(
        organization=organization,
        user=user,
        defaults={"category": category, "languages": [user.language or "ja"]},
    )
    return profile
