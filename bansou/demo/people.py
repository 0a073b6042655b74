"""People the demo makes in bulk (the salon schools' other teachers and students): a few
queries for all of them instead of the services' few for each. Like every demo person
they have the demo's one password (its hash, made once) and a confirmed address; like
every demo record, whoever is there already is kept as they are."""

from collections.abc import Sequence

from allauth.account.models import EmailAddress

from bansou.accounts.models import User
from bansou.demo.specs import DemoPerson
from bansou.orgs.models import Membership, Organization


def people_bulk_load(
    *, organization: Organization, people: Sequence[DemoPerson], password_hash: str
) -> tuple[int, int]:
    """Makes the accounts and memberships that are missing; how many of each it made."""
    emails = [person.email for person in people]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    new = [
        User(
            email=person.email,
            password=password_hash,
            family_name=person.family_name,
            given_name=person.given_name,
            family_name_kana=person.family_name_kana,
            given_name_kana=person.given_name_kana,
            language=person.language,
        )
        for person in people
        if person.email not in existing
    ]
    User.objects.bulk_create(new)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in new]
    )
    members = set(
        Membership.objects.filter(organization=organization, user__email__in=emails).values_list(
            "user__email", flat=True
        )
    )
    roles = {person.email: person.role for person in people}
    memberships = Membership.objects.bulk_create(
        [
            Membership(organization=organization, user=user, role=roles[user.email])
            for user in User.objects.filter(email__in=emails).exclude(email__in=members)
        ]
    )
    return len(new), len(memberships)
