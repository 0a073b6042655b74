"""Loads the demo data. Idempotent: running it again adds what is missing and never
changes or removes what is there."""

from django.db import transaction

from bansou.demo.loader import DemoLoadReport, organization_load
from bansou.demo.organizations import debut, mentoring, salon, university
from bansou.demo.specs import DemoOrganization

ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    salon.ORGANIZATION,
    mentoring.ORGANIZATION,
    university.ORGANIZATION,
    debut.ORGANIZATION,
)


@transaction.atomic
def demo_data_load(*, password: str) -> DemoLoadReport:
    report = DemoLoadReport()
    for spec in ORGANIZATIONS:
        organization_load(spec=spec, password=password, report=report)
    return report


def demo_logins(*, one_per_role: bool = False) -> list[tuple[str, str, str]]:
    """(email, organisation name, role label) for every demo login (the README), or for
    the first person of each role in each organisation (the console)."""
    rows = []
    for demo_org in ORGANIZATIONS:
        seen = set()
        for person in demo_org.people:
            if one_per_role and person.role in seen:
                continue
            seen.add(person.role)
            rows.append((person.email, demo_org.name, str(person.role.label)))
    return rows
