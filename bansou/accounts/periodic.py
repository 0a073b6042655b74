from datetime import datetime

from django.contrib.sessions.models import Session

from bansou.core.periodic import periodic_job


@periodic_job("accounts.clear_expired_sessions")
def clear_expired_sessions(now: datetime) -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return deleted
