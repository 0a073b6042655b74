from datetime import datetime

from bansou.engagements.services.digest import radar_digest_all
from bansou.ops.periodic import periodic_job


@periodic_job("engagements.radar_digest")
def radar_digest(now: datetime) -> int:
    return radar_digest_all(now=now)
