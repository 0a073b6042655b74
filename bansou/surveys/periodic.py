from datetime import datetime

from bansou.core.periodic import periodic_job
from bansou.surveys.services.dispatch import (
    surveys_after_sessions,
    surveys_at_phase_end,
    surveys_remind,
)


@periodic_job("surveys.after_sessions")
def after_sessions(now: datetime) -> int:
    """Invites to each open after-session survey the people of sessions held lately."""
    return surveys_after_sessions(now=now)


@periodic_job("surveys.phase_end")
def phase_end(now: datetime) -> int:
    """Invites the program's people to each open phase-end survey once a phase has ended."""
    return surveys_at_phase_end(now=now)


@periodic_job("surveys.reminders")
def reminders(now: datetime) -> int:
    """One reminder to unanswered invitations sent three or more days ago."""
    return surveys_remind(now=now)
