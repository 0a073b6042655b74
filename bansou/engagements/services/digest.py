"""The daily radar digest for coordinators (run by the periodic scan)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import scope

from bansou.core.roles import Role
from bansou.engagements.models import RadarDigest
from bansou.engagements.selectors.radar import RECORD_GRACE_DAYS, radar_counts
from bansou.ops.mail import send_templated_mail
from bansou.orgs.models import Membership, Organization


def radar_digest_send(*, organization: Organization, now: datetime.datetime) -> int:
    """Emails the organisation's coordinators when the radar shows anyone, at most once a
    day. Returns how many coordinators were written to. Counts only (one COUNT per
    category): the mail links to the radar, which lists them."""
    with scope(organization=organization):
        radar = radar_counts(organization=organization, now=now)
        if radar.total == 0:
            return 0
        try:
            with transaction.atomic():
                RadarDigest.objects.create(
                    organization=organization, sent_on=timezone.localdate(now), total=radar.total
                )
        except IntegrityError:
            return 0
        coordinators = Membership.objects.filter(
            organization=organization, role=Role.COORDINATOR, is_active=True
        ).select_related("user")
        for membership in coordinators:
            send_templated_mail(
                recipient=membership.user,
                organization=organization,
                subject=_("Continuity radar: people who may be drifting out of touch"),
                template="engagements/email/radar_digest.txt",
                context={
                    "organization": organization,
                    "radar": radar,
                    "record_grace_days": RECORD_GRACE_DAYS,
                },
            )
        return len(coordinators)


def radar_digest_all(*, now: datetime.datetime) -> int:
    sent = 0
    for organization in Organization.objects.filter(is_active=True):
        sent += radar_digest_send(organization=organization, now=now)
    return sent
