from datetime import datetime

from bansou.core.periodic import periodic_job
from bansou.engagements.services.digest import radar_digest_all


@periodic_job("engagements.radar_digest")
def radar_digest(now: datetime) -> int:
    return radar_digest_all(now=now)
