"""Writes of trainings and their attendance checklist."""

import datetime
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.inputs import validate_day_in_range, validate_days_in_range
from bansou.programs.models import Enrollment, Program, Side, Training, TrainingAttendance


@transaction.atomic
def training_create(
    *,
    program: Program,
    name: str,
    description: str = "",
    held_on: datetime.date | None = None,
    is_required: bool = True,
) -> Training:
    validate_days_in_range(held_on=held_on)
    training = Training(
        organization=program.organization,
        program=program,
        name=name.strip(),
        description=description,
        held_on=held_on,
        is_required=is_required,
    )
    training.full_clean()
    training.save()
    return training


@transaction.atomic
def training_update(
    *,
    training: Training,
    name: str,
    description: str = "",
    held_on: datetime.date | None = None,
    is_required: bool = True,
) -> Training:
    validate_days_in_range(held_on=held_on)
    training = Training.objects.select_for_update().get(pk=training.pk)
    training.name = name.strip()
    training.description = description
    training.held_on = held_on
    training.is_required = is_required
    training.full_clean()
    training.save()
    return training


@transaction.atomic
def training_attendance_set(
    *,
    training: Training,
    attended: Mapping[int, datetime.date | None],
    recorded_by: User | None,
) -> list[TrainingAttendance]:
    """Records the checklist for the program's enrolled supporters: ``attended`` maps a
    user id to the date they attended, or ``None`` when they did not (an earlier record
    is then removed). Users not listed are left as they are. Dates in the future are
    refused."""
    enrolled = set(
        Enrollment.objects.filter(
            program=training.program, side=Side.SUPPORTER, is_active=True
        ).values_list("user_id", flat=True)
    )
    strangers = set(attended) - enrolled
    if strangers:
        raise ValidationError(_("Only supporters enrolled in the program can attend."))
    for day in attended.values():
        validate_day_in_range(day)
    today = timezone.localdate()
    if any(day is not None and day > today for day in attended.values()):
        raise ValidationError(_("An attendance date cannot be in the future."))
    existing = {
        a.user_id: a
        for a in TrainingAttendance.objects.select_for_update().filter(
            training=training, user_id__in=list(attended)
        )
    }
    absent = [uid for uid, day in attended.items() if day is None and uid in existing]
    TrainingAttendance.objects.filter(training=training, user_id__in=absent).delete()
    saved = []
    for user_id, day in attended.items():
        if day is None:
            continue
        attendance = existing.get(user_id)
        if attendance is not None and attendance.attended_on == day:
            saved.append(attendance)
            continue
        if attendance is None:
            attendance = TrainingAttendance(
                organization=training.organization, training=training, user_id=user_id
            )
        attendance.attended_on = day
        attendance.recorded_by = recorded_by
        # recorded_by is nullable (kept when the recorder's account is deleted) but not blank.
        attendance.full_clean(exclude=["recorded_by"] if recorded_by is None else None)
        attendance.save()
        saved.append(attendance)
    return saved
