"""What an erasure will remove, counted before the coordinator confirms it."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bansou.engagements.models import Engagement, Reflection, Session, SessionNote, SessionRecord
from bansou.matching.models import MatchRequest
from bansou.ops.models import OutboxMessage
from bansou.orgs.models import Organization
from bansou.people.models import ClientProfile, GuardianConsent
from bansou.programs.models import Application


@dataclass(frozen=True)
class ErasureLine:
    label: str | Promise
    count: int


def erasure_plan(*, organization: Organization, profile: ClientProfile) -> list[ErasureLine]:
    """One line per kind of record the erasure empties or deletes, with how many."""
    person = profile.user
    org = {"organization": organization}
    engagements = Engagement.objects.filter(**org, client=person)
    sessions = Session.objects.filter(**org, engagement__in=engagements)
    lines = [
        (_("Name, reading and email address in this organisation"), 1),
        (_("Client profile (school, what they want help with, languages)"), 1),
        (
            _("Goals and next steps of engagements"),
            engagements.exclude(goals="", next_steps="").count(),
        ),
        (
            _("Summaries shared after sessions"),
            SessionRecord.objects.filter(**org, session__in=sessions)
            .exclude(shared_summary="")
            .count(),
        ),
        (_("Private notes"), SessionNote.objects.filter(**org, session__in=sessions).count()),
        (_("Reflections"), Reflection.objects.filter(**org, session__in=sessions).count()),
        (
            _("Guardian consents (names and notes)"),
            GuardianConsent.objects.filter(**org, client=profile).count(),
        ),
        (_("Applications"), Application.objects.filter(**org, user=person).count()),
        (
            _("Match requests and preferences"),
            MatchRequest.objects.filter(**org, client=person).count(),
        ),
        (
            _("Mail sent to them"),
            OutboxMessage.objects.filter(**org, to_address=person.email).count(),
        ),
    ]
    return [ErasureLine(label=label, count=count) for label, count in lines]
