from django.db.models import QuerySet

from bansou.ops.models import OutboxMessage
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
