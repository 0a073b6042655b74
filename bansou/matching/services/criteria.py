"""Writes of a program's matching criteria (weights, self-match switch)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.matching import engine
from bansou.matching.adapter import criteria_for
from bansou.matching.models import WEIGHT_FIELDS, MatchingCriteria
from bansou.programs.models import Program


@transaction.atomic
def criteria_save(
    *, program: Program, actor: User, weights: dict[str, int], allow_self_match: bool
) -> MatchingCriteria:
    bad = [k for k in WEIGHT_FIELDS if not 0 <= int(weights.get(k, 0)) <= engine.MAX_WEIGHT]
    if bad:
        raise ValidationError(_("Every weight must be between 0 and 10."))
    criteria = criteria_for(program=program)
    for name in WEIGHT_FIELDS:
        setattr(criteria, name, int(weights.get(name, 0)))
    criteria.allow_self_match = allow_self_match
    criteria.updated_by = actor
    criteria.save()
    return criteria
