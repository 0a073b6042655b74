"""Loads the demo data. Idempotent: running it again adds what is missing and never
changes or removes what is there."""

from dataclasses import dataclass

from django.db import transaction
from django_scopes import scope

from bansou.accounts.models import User
from bansou.accounts.services import user_create
from bansou.demo.accompaniment import accompaniment_load
from bansou.demo.matching import matching_load
from bansou.demo.people import ORGANIZATIONS, DemoOrganization, DemoPerson
from bansou.orgs.models import Membership, Organization, Venue
from bansou.orgs.services import membership_grant, organization_create, venue_create


@dataclass
class DemoLoadReport:
    organizations_created: int = 0
    users_created: int = 0
    memberships_created: int = 0
    venues_created: int = 0
    accompaniments_created: int = 0


@transaction.atomic
def demo_data_load(*, password: str) -> DemoLoadReport:
    report = DemoLoadReport()
    for demo_org in ORGANIZATIONS:
        organization = _organization(demo_org, report)
        with scope(organization=organization):
            for demo_venue in demo_org.venues:
                if not Venue.objects.filter(
                    organization=organization, name=demo_venue.name
                ).exists():
                    venue_create(
                        organization=organization,
                        name=demo_venue.name,
                        kind=demo_venue.kind,
                        address=demo_venue.address,
                    )
                    report.venues_created += 1
            for person in demo_org.people:
                user = _user(person, password, report)
                if not Membership.objects.filter(organization=organization, user=user).exists():
                    membership_grant(organization=organization, user=user, role=person.role)
                    report.memberships_created += 1
            if accompaniment_load(organization=organization):
                report.accompaniments_created += 1
            matching_load(organization=organization)
    return report


def _organization(demo_org: DemoOrganization, report: DemoLoadReport) -> Organization:
    existing = Organization.objects.filter(slug=demo_org.slug).first()
    if existing:
        return existing
    report.organizations_created += 1
    return organization_create(
        name=demo_org.name, slug=demo_org.slug, kind=demo_org.kind, description=demo_org.description
    )


def _user(person: DemoPerson, password: str, report: DemoLoadReport) -> User:
    existing = User.objects.filter(email=person.email).first()
    if existing:
        return existing
    report.users_created += 1
    return user_create(
        email=person.email,
        password=password,
        family_name=person.family_name,
        given_name=person.given_name,
        family_name_kana=person.family_name_kana,
        given_name_kana=person.given_name_kana,
        language=person.language,
    )


def demo_logins() -> list[tuple[str, str, str]]:
    """(email, organisation name, role label) for every demo login, for the README and
    the console."""
    rows = []
    for demo_org in ORGANIZATIONS:
        for person in demo_org.people:
            rows.append((person.email, demo_org.name, str(person.role.label)))
    return rows
