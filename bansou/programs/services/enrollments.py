"""Writes of enrollments: who takes part in a program, on which side."""

from django.db import transaction

from bansou.accounts.models import User
from bansou.programs.models import Enrollment, Program


@transaction.atomic
def enrollment_ensure(*, program: Program, user: User, side: str) -> Enrollment:
    """The user's active enrollment in the program on that side, created or re-activated."""
    enrollment, created = Enrollment.objects.select_for_update().get_or_create(
        organization=program.organization,
        program=program,
        user=user,
        side=side,
        defaults={"is_active": True},
    )
    if not created and not enrollment.is_active:
        enrollment.is_active = True
        enrollment.full_clean()
        enrollment.save(update_fields=["is_active"])
    return enrollment
