"""From a visit to accompaniment: a student met at the salon starts individual job support
with the same supporter in one step. The engagement is an ordinary one of the salon's
program (journal, reflection, sessions work as anywhere); a minor needs their guardian's
consent on file first, as for any individual support."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Engagement
from bansou.engagements.services.lifecycle import engagement_create
from bansou.people.models import ClientProfile, GuardianConsent
from bansou.salons.models import Visit
from bansou.salons.services.staffing import check_works_block, role_of

MINOR_WITHOUT_CONSENT = gettext_lazy(
    "%(name)s is under 18: record their guardian's consent on their client page before "
    "individual support starts."
)


def _check_guardian(*, visit: Visit, student: User) -> None:
    profile = ClientProfile.objects.filter(
        organization_id=visit.organization_id, user=student
    ).first()
    if profile is None or not profile.is_minor:
        return
    if not GuardianConsent.objects.filter(client=profile, withdrawn_on__isnull=True).exists():
        raise ValidationError(str(MINOR_WITHOUT_CONSENT) % {"name": student.display_name})


@transaction.atomic
def visit_start_engagement(*, visit: Visit, actor: User) -> Engagement:
    """Starts an engagement between the visit's student and its supporter (the one who
    recorded it, or the actor when that was a coordinator) and links the visit to it."""
    locked = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("block", "student")
        .get(pk=visit.pk)
    )
    check_works_block(block=locked.block, actor=actor)
    if locked.engagement_id is not None:
        raise ValidationError(_("Individual support has already started from this visit."))
    if locked.student is None or locked.kind == Visit.Kind.NO_SHOW:
        raise ValidationError(
            _("Record who the student is first: individual support needs a registered student.")
        )
    supporter = actor
    recorder = locked.recorded_by
    if (
        role_of(organization=locked.block.organization, user=actor) == Role.COORDINATOR
        and recorder is not None
        and role_of(organization=locked.block.organization, user=recorder) == Role.SUPPORTER
    ):
        supporter = recorder
    _check_guardian(visit=locked, student=locked.student)
    engagement = engagement_create(
        program=locked.block.program,
        client=locked.student,
        supporter=supporter,
        created_by=actor,
        start_now=True,
    )
    locked.engagement = engagement
    locked.save(update_fields=["engagement"])
    return engagement
