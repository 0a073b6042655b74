"""The organisation's privacy notice (purposes of use, APPI 第21条, and whom to ask): its
fields live on ``Organization``; a change is written here, above audit, with its entry."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.orgs.models import Organization

CONTACT_MAX_LENGTH = 1000
PURPOSES_MAX_LENGTH = 5000


def _text(value: str) -> str:
    """Line ends unified and trailing spaces dropped; paragraphs stay."""
    return "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").split("\n")).strip()


@transaction.atomic
def privacy_notice_set(
    *,
    organization: Organization,
    actor: User | None,
    privacy_contact: str,
    purposes_of_use: str,
) -> Organization:
    """Saves the notice; when anything changed, its date moves to now and the change is
    audited (the entry keeps no text, only which parts changed). ``actor`` is None only for
    the demo loader."""
    contact, purposes = _text(privacy_contact), _text(purposes_of_use)
    errors: dict[str, list[str]] = {}
    if not purposes:
        errors["purposes_of_use"] = [str(_("Please state the purposes of use."))]
    if not contact:
        errors["privacy_contact"] = [
            str(_("Please say whom people can ask (an office, an address, a phone or email)."))
        ]
    if errors:
        raise ValidationError(errors)
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    changed = [
        name
        for name, value in (("privacy_contact", contact), ("purposes_of_use", purposes))
        if getattr(locked, name) != value
    ]
    if not changed:
        return locked
    locked.privacy_contact, locked.purposes_of_use = contact, purposes
    locked.privacy_updated_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=[*changed, "privacy_updated_at"])
    audit_log(
        organization=locked, actor=actor, action="privacy.notice.changed", data={"changed": changed}
    )
    return locked
