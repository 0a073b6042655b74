"""The organisation's retention period: ended engagements older than it are anonymised by
the periodic job — their personal content removed and their client replaced by a
nameless account of their own — so that reports still count them."""

import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django_scopes import scope

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.engagements.models import (
    CalendarBlock,
    Engagement,
    EngagementEvent,
    Reflection,
    RematchRequest,
    Session,
)
from bansou.matching.models import MatchRequest
from bansou.orgs.models import Organization
from bansou.privacy.models import RETENTION_MAX_MONTHS, RETENTION_MIN_MONTHS, RetentionPolicy
from bansou.privacy.services.anonymise import new_tombstone, redact_audit_about, strip_engagements

CLOSED = (Engagement.Status.ENDED, Engagement.Status.INTERRUPTED)


def retention_months(*, organization: Organization) -> int | None:
    policy = RetentionPolicy.objects.filter(organization=organization).first()
    return policy.ended_engagement_months if policy else None


def retention_set(*, organization: Organization, months: int | None, actor: User) -> None:
    if months is not None and not RETENTION_MIN_MONTHS <= months <= RETENTION_MAX_MONTHS:
        raise ValidationError(
            {
                "months": _("Choose between %(low)s and %(high)s months, or leave it empty.")
                % {"low": RETENTION_MIN_MONTHS, "high": RETENTION_MAX_MONTHS}
            }
        )
    with transaction.atomic():
        RetentionPolicy.objects.update_or_create(
            organization=organization,
            defaults={"ended_engagement_months": months, "updated_by": actor},
        )
        audit_log(
            organization=organization,
            actor=actor,
            action="retention_set",
            data={"months": months},
        )


def expired_engagements(*, organization: Organization, now: datetime.datetime) -> list[int]:
    """Ended or interrupted engagements whose end (the last change to that status, or
    their creation when none is recorded) lies before the retention period."""
    months = retention_months(organization=organization)
    if months is None:
        return []
    cutoff = now - relativedelta(months=months)
    ended = Max(
        "events__created_at",
        filter=Q(events__kind=EngagementEvent.Kind.STATUS, events__to_status__in=CLOSED),
    )
    return list(
        Engagement.objects.filter(
            organization=organization, status__in=CLOSED, anonymised_at__isnull=True
        )
        .annotate(ended_at=Coalesce(ended, "created_at"))
        .filter(ended_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def anonymise_engagement(*, organization: Organization, engagement_id: int) -> bool:
    """Anonymises one engagement: its content goes (``strip_engagements``) and each row
    that tied it to its client now points at a fresh nameless account."""
    with transaction.atomic():
        engagement = (
            Engagement.objects.select_for_update()
            .filter(organization=organization, pk=engagement_id, anonymised_at__isnull=True)
            .first()
        )
        if engagement is None:
            return False
        client = engagement.client
        sessions = Session.objects.filter(organization=organization, engagement=engagement)
        redact_audit_about(
            organization=organization,
            objects={Engagement: [engagement.pk], Session: sessions.values_list("pk", flat=True)},
            detach=client,
        )
        strip_engagements(organization=organization, engagement_ids=[engagement.pk])
        tombstone = new_tombstone()
        own = {"organization": organization}
        Engagement.objects.filter(pk=engagement.pk).update(client=tombstone)
        sessions.filter(cancelled_by=client).update(cancelled_by=tombstone)
        Reflection.objects.filter(**own, session__in=sessions, entered_by=client).update(
            entered_by=tombstone
        )
        EngagementEvent.objects.filter(**own, engagement=engagement, actor=client).update(
            actor=tombstone
        )
        RematchRequest.objects.filter(**own, engagement=engagement).update(requested_by=tombstone)
        MatchRequest.objects.filter(**own, engagement=engagement).update(client=tombstone)
        CalendarBlock.objects.filter(**own, session__in=sessions, user=client).delete()
    return True


def retention_apply(*, organization: Organization, now: datetime.datetime) -> int:
    """Anonymises every engagement past the period, one transaction each."""
    done = 0
    for engagement_id in expired_engagements(organization=organization, now=now):
        done += anonymise_engagement(organization=organization, engagement_id=engagement_id)
    if done:
        audit_log(
            organization=organization,
            actor=None,
            action="retention_applied",
            data={"engagements": done},
        )
    return done


def retention_apply_all(*, now: datetime.datetime) -> int:
    done = 0
    for organization in Organization.objects.filter(is_active=True, retention_policy__isnull=False):
        with scope(organization=organization):
            done += retention_apply(organization=organization, now=now)
    return done
