import datetime

from django.db.models import QuerySet
from django.utils import timezone

from bansou.accounts.models import User
from bansou.ops.models import OutboxMessage, PreparedFile
from bansou.ops.services.files import KEEP_FOR
from bansou.orgs.models import Organization


def outbox_messages(
    *, organization: Organization, status: str = "", search: str = ""
) -> QuerySet[OutboxMessage]:
    """The organisation's mail, newest first; ``search`` matches the recipient address."""
    messages = OutboxMessage.objects.filter(organization=organization).defer("body", "html_body")
    if status in OutboxMessage.Status.values:
        messages = messages.filter(status=status)
    if search.strip():
        messages = messages.filter(to_address__icontains=search.strip())
    return messages.order_by("-created_at", "-id")


def outbox_message_for(*, organization: Organization, pk: int) -> OutboxMessage | None:
    return OutboxMessage.objects.filter(organization=organization, pk=pk).first()


def prepared_files_of(*, organization: Organization, user: User) -> QuerySet[PreparedFile]:
    """The person's own files of the last days, newest first (nobody sees another's)."""
    since = timezone.now() - KEEP_FOR - datetime.timedelta(days=1)
    return PreparedFile.objects.filter(
        organization=organization, requested_by=user, created_at__gte=since
    ).order_by("-created_at", "-id")


def prepared_file_for(*, organization: Organization, user: User, pk: int) -> PreparedFile | None:
    return PreparedFile.objects.filter(organization=organization, requested_by=user, pk=pk).first()
