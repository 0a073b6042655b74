"""Values that a lower app repeats because it may not import the higher one."""

from bansou.engagements.models import Engagement, Session
from bansou.people import selectors as people_selectors
from bansou.programs.models import Side


def test_people_counts_use_the_engagement_status_values():
    assert people_selectors.SESSION_HELD == Session.Status.HELD
    assert people_selectors.ENGAGEMENT_ACTIVE == Engagement.Status.ACTIVE


def test_the_supporter_list_uses_the_enrolment_side_value():
    assert people_selectors.ENROLMENT_SUPPORTER == Side.SUPPORTER
