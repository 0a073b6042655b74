"""Writes of self-match programs: rankings of the other side, and requests from a client
to a supporter (race-safe capacity on accept)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bansou.accounts.models import User
from bansou.engagements.models import Engagement
from bansou.engagements.services.lifecycle import engagement_create
from bansou.matching import engine
from bansou.matching.adapter import (
    OPEN_STATUSES,
    build_pool,
    criteria_for,
    open_load,
    supporter_capacity,
    unit_id_for,
)
from bansou.matching.explain import rules_text
from bansou.matching.models import MatchRanking, MatchRequest
from bansou.matching.services.notifications import notify_match
from bansou.ops.mail import send_templated_mail
from bansou.people.models import SupporterProfile
from bansou.programs.models import Enrollment, Program, Side


@transaction.atomic
def ranking_save(
    *, program: Program, user: User, side: str, ranked_user_ids: list[int]
) -> MatchRanking:
    """Stores one person's ranking of the other side (best first, no repeats)."""
    if not criteria_for(program=program).allow_self_match:
        raise ValidationError(_("This program does not let clients choose a supporter."))
    if side not in MatchRanking.Side.values:
        raise ValidationError(_("Unknown side."))
    seen: list[int] = []
    for pk in ranked_user_ids:
        if pk not in seen:
            seen.append(pk)
    ranking, _created = MatchRanking.objects.select_for_update().get_or_create(
        organization=program.organization, program=program, user=user, side=side
    )
    ranking.ranked_user_ids = seen
    ranking.save()
    return ranking


def _client_has_open_engagement(program: Program, client: User) -> bool:
    return Engagement.objects.filter(
        program=program, client=client, status__in=OPEN_STATUSES
    ).exists()


@transaction.atomic
def match_request_create(
    *, program: Program, client: User, supporter: User, message: str = ""
) -> MatchRequest:
    if not criteria_for(program=program).allow_self_match:
        raise ValidationError(_("This program does not let clients choose a supporter."))
    if not Enrollment.objects.filter(
        program=program, user=client, side=Side.CLIENT, is_active=True
    ).exists():
        raise ValidationError(_("You are not enrolled in this program as a client."))
    if _client_has_open_engagement(program, client):
        raise ValidationError(_("You already have a supporter in this program."))
    unit_id = unit_id_for(supporter_id=supporter.pk)
    pool = build_pool(program=program, client_ids=[client.pk], unit_ids=[unit_id])
    c, u = pool.client(client.pk), pool.unit(unit_id)
    if c is None or u is None:
        raise ValidationError(_("This supporter cannot be chosen in this program."))
    broken = engine.explain_pair(client=c, unit=u, program=pool.rules).broken_rules
    if broken:
        raise ValidationError(
            _("This supporter cannot be chosen: %(rules)s") % {"rules": rules_text(broken)}
        )
    if MatchRequest.objects.filter(
        program=program, client=client, status=MatchRequest.Status.PENDING
    ).exists():
        raise ValidationError(
            _("You already have a request waiting for an answer in this program.")
        )
    request = MatchRequest.objects.create(
        organization=program.organization,
        program=program,
        client=client,
        supporter=supporter,
        message=message.strip(),
    )
    send_templated_mail(
        recipient=supporter,
        organization=program.organization,
        subject=gettext_lazy("A client would like you as their supporter"),
        template="matching/email/request.txt",
        context={"request": request, "program": program, "organization": program.organization},
    )
    return request


@transaction.atomic
def match_request_decide(
    *, match_request: MatchRequest, supporter: User, accept: bool
) -> MatchRequest:
    """Accept (creates the engagement, started) or decline. The supporter's profile row is
    locked first, so two accepts at once are served one after the other and the second is
    refused when the capacity is used up."""
    org = match_request.organization
    profile = (
        SupporterProfile.objects.select_for_update()
        .filter(organization=org, user=supporter)
        .first()
    )
    request = MatchRequest.objects.select_for_update().get(pk=match_request.pk)
    if request.supporter_id != supporter.pk:
        raise ValidationError(_("This request is not addressed to you."))
    if request.status != MatchRequest.Status.PENDING:
        raise ValidationError(_("This request has already been answered."))
    request.decided_at = timezone.now()
    if not accept:
        request.status = MatchRequest.Status.DECLINED
        request.save(update_fields=["status", "decided_at"])
        return request
    if profile is None:
        raise ValidationError(_("You need a supporter profile to accept clients."))
    load = open_load(organization=org, user_ids=[supporter.pk]).get(supporter.pk, 0)
    if supporter_capacity(profile=profile, load=load) <= 0:
        raise ValidationError(
            _("You have no capacity left (%(load)d of %(max)d engagements).")
            % {"load": load, "max": profile.max_concurrent}
        )
    if _client_has_open_engagement(request.program, request.client):
        raise ValidationError(_("This client already has a supporter in this program."))
    engagement = engagement_create(
        program=request.program,
        client=request.client,
        supporter=supporter,
        created_by=supporter,
        start_now=True,
    )
    request.status = MatchRequest.Status.ACCEPTED
    request.engagement = engagement
    request.save(update_fields=["status", "decided_at", "engagement"])
    notify_match(engagement=engagement, sender=supporter)
    return request
