from datetime import datetime

from bansou.core.periodic import periodic_job
from bansou.privacy.services.retention import retention_apply_all


@periodic_job("privacy.retention")
def retention(now: datetime) -> int:
    return retention_apply_all(now=now)
