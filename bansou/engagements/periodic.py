from datetime import datetime

from bansou.core.periodic import periodic_job
from bansou.engagements.services.digest import radar_digest_all
from bansou.engagements.services.reminders import reminders_send_due


@periodic_job("engagements.radar_digest")
def radar_digest(now: datetime) -> int:
    return radar_digest_all(now=now)


@periodic_job("engagements.session_reminders")
def session_reminders(now: datetime) -> int:
    return reminders_send_due(now=now)
