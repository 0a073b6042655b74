"""Writes of a person's matching profile (times, modes, areas, preferences)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from bansou.accounts.models import User
from bansou.matching.adapter import SLOTS
from bansou.matching.models import MatchingProfile
from bansou.orgs.models import Organization


@transaction.atomic
def matching_profile_save(
    *, organization: Organization, user: User, values: dict[str, Any]
) -> MatchingProfile:
    """Stores the fields given (times, modes, areas, preferences); others keep their value."""
    profile, _created = MatchingProfile.objects.select_for_update().get_or_create(
        organization=organization, user=user
    )
    if "slots" in values:
        profile.slots = [s for s in values["slots"] if s in SLOTS]
    if "areas" in values:
        profile.areas = [a.strip() for a in str(values["areas"]).split(",") if a.strip()]
    if "modes" in values:
        profile.modes = [m for m in values["modes"] if m in MatchingProfile.Mode.values]
    for name in ("preferred_mode", "preferred_gender", "keep_previous"):
        if name in values:
            setattr(profile, name, values[name])
    if "experience_level" in values:
        profile.experience_level = int(values["experience_level"] or 0)
    profile.full_clean(exclude=["conflict_user_ids", "conflict_venue_ids"])
    profile.save()
    return profile
