import datetime
from dataclasses import dataclass

import factory
import pytest
from django.utils import timezone
from factory.django import DjangoModelFactory

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Organization
from bansou.people.models import GuardianConsent, Qualification
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


class QualificationFactory(DjangoModelFactory[Qualification]):
    class Meta:
        model = Qualification

    organization = factory.SelfAttribute("profile.organization")
    kind = Qualification.Kind.CAREER_CONSULTANT
    registration_number = factory.Sequence(lambda n: f"1601{n:04d}")


class GuardianConsentFactory(DjangoModelFactory[GuardianConsent]):
    class Meta:
        model = GuardianConsent

    organization = factory.SelfAttribute("client.organization")
    guardian_name = "山田 花子"
    relationship = "母"
    method = GuardianConsent.Method.PAPER
    given_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=3))


@dataclass
class Org:
    organization: Organization
    coordinator: User

    def member(self, role: Role, **kwargs: object) -> User:
        user = UserFactory(**kwargs)
        MembershipFactory(organization=self.organization, user=user, role=role)
        return user


@pytest.fixture
def org(db: None) -> Org:
    """A fresh organisation with one coordinator, for tests that count rows or queries."""
    organization = OrganizationFactory(slug="people-org", name="伴走ネット")
    coordinator = UserFactory(family_name="調整", given_name="役")
    MembershipFactory(organization=organization, user=coordinator, role=Role.COORDINATOR)
    return Org(organization=organization, coordinator=coordinator)
