"""The demo organisations' internal meetings (a mentor pair's own reflection meeting),
planned through the meeting service so that they hold the members' calendars. Built once:
while the organisation has no meeting."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from bansou.demo.specs import DemoMeeting
from bansou.engagements.models import Meeting
from bansou.engagements.services.meetings import meeting_create
from bansou.orgs.models import Organization
from bansou.people.models import Team, TeamMember

SEARCH_DAYS = 14


def meetings_load(*, organization: Organization, specs: tuple[DemoMeeting, ...]) -> int:
    if not specs or Meeting.objects.filter(organization=organization).exists():
        return 0
    made = 0
    tz = timezone.get_default_timezone()
    for spec in specs:
        team = Team.objects.get(organization=organization, name=spec.team)
        members = [
            m.user
            for m in TeamMember.objects.filter(organization=organization, team=team)
            .select_related("user")
            .order_by("user_id")
        ]
        for offset in range(SEARCH_DAYS):
            day = timezone.localdate() + datetime.timedelta(days=spec.days_ahead + offset)
            starts_at = datetime.datetime.combine(day, datetime.time(spec.hour), tzinfo=tz)
            try:
                meeting_create(
                    organization=organization,
                    title=spec.title,
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(minutes=spec.minutes),
                    attendees=members,
                    actor=members[0],
                    team=team,
                    place=spec.place,
                )
            except ValidationError:
                continue  # someone is busy then: the next day
            made += 1
            break
    return made
