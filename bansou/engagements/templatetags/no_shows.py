"""Template filters for the one-tap no-show buttons: which sessions still wait to be
marked (the rule lives in ``selectors.no_shows.awaiting_mark``; no queries here)."""

from django import template

from bansou.engagements.models import Session
from bansou.engagements.selectors.calendar import CalendarItem, PersonWeek
from bansou.engagements.selectors.no_shows import awaiting_mark

register = template.Library()


@register.filter
def awaits_mark(session: Session | None) -> bool:
    """``{% if s|awaits_mark %}``: started, still scheduled."""
    return session is not None and awaiting_mark(session)


@register.filter
def items_awaiting_mark(person: PersonWeek) -> list[CalendarItem]:
    """The session items of one person's week that wait to be marked, each session once
    (one that runs past midnight shows on two days)."""
    seen: set[int] = set()
    items = []
    for day in person.days:
        for item in day.items:
            session = item.session
            if session is not None and session.pk not in seen and awaiting_mark(session):
                seen.add(session.pk)
                items.append(item)
    return items
