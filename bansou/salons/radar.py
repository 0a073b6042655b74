"""The salons' sections of the continuity radar, found by the radar through the registry
(``engagements.selectors.radar.RADAR_APPS``): the engagements app, below this one, never
imports it. An organisation without any salon gets no section."""

import datetime
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from bansou.core.inputs import whole_number
from bansou.engagements.selectors.radar import RadarSection, radar_page
from bansou.orgs.models import Organization
from bansou.programs.models import Program
from bansou.salons.selectors.radar import (
    FALLING_DROP_PERCENT,
    FALLING_MIN_BEFORE,
    FALLING_WEEKS,
    NO_SHOW_MIN,
    NO_SHOW_WEEKS,
    ONE_VISIT_WEEKS,
    REFERRAL_WAIT_DAYS,
    falling_rows,
    falling_venues,
    has_salons,
    no_show_rows,
    one_visit_rows,
    one_visit_students,
    referral_rows,
    referred_never_came,
    repeated_salon_no_shows,
)

MAX_WEEKS = 52


def one_visit_weeks(params: Mapping[str, str]) -> int:
    """The radar's ``salon_weeks`` (1 to 52), else ``ONE_VISIT_WEEKS``."""
    return whole_number(params.get("salon_weeks"), maximum=MAX_WEEKS) or ONE_VISIT_WEEKS


def radar_sections(
    *,
    organization: Organization,
    program: Program | None,
    params: Mapping[str, str],
    now: datetime.datetime,
) -> list[RadarSection]:
    if not has_salons(organization=organization):
        return []
    weeks = one_visit_weeks(params)
    return [
        RadarSection(
            key="salon_once",
            title=_("Came to a salon once"),
            note=ngettext_lazy(
                "Students who came once and not again within %(n)s week, with no salon booked.",
                "Students who came once and not again within %(n)s weeks, with no salon booked.",
                "n",
            )
            % {"n": weeks},
            template="salons/radar_once.html",
            page=radar_page(
                one_visit_students(
                    organization=organization, program=program, weeks=weeks, now=now
                ),
                rows=one_visit_rows,
                number=params.get("salon_once_page"),
                dicts=True,
            ),
        ),
        RadarSection(
            key="salon_referred",
            title=_("Referred, never came"),
            note=_(
                "Students a teacher referred over %(days)s days ago who have not come to a "
                "salon since."
            )
            % {"days": REFERRAL_WAIT_DAYS},
            template="salons/radar_referred.html",
            page=radar_page(
                referred_never_came(organization=organization, program=program, now=now),
                rows=referral_rows,
                number=params.get("salon_referred_page"),
            ),
        ),
        RadarSection(
            key="salon_no_shows",
            title=_("Repeated no-shows at salons"),
            note=_(
                "Students who missed %(n)s or more booked salon visits in the last %(weeks)s weeks."
            )
            % {"n": NO_SHOW_MIN, "weeks": NO_SHOW_WEEKS},
            template="salons/radar_no_shows.html",
            page=radar_page(
                repeated_salon_no_shows(organization=organization, program=program, now=now),
                rows=no_show_rows,
                number=params.get("salon_no_shows_page"),
                dicts=True,
            ),
        ),
        RadarSection(
            key="salon_falling",
            title=_("Venues with falling visits"),
            note=_(
                "Visits in the last %(weeks)s weeks down by %(drop)s%% or more on the "
                "%(weeks)s weeks before (from at least %(min)s visits)."
            )
            % {"weeks": FALLING_WEEKS, "drop": FALLING_DROP_PERCENT, "min": FALLING_MIN_BEFORE},
            template="salons/radar_falling.html",
            page=radar_page(
                falling_venues(organization=organization, program=program, now=now),
                rows=falling_rows,
                number=params.get("salon_falling_page"),
            ),
        ),
    ]
