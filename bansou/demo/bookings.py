"""The demo organisations' upcoming client bookings, made through the booking service as a
client would make them (so they hold calendars, queue their mails and wait for their
reminders). Built once: while the organisation has no booking made by a client."""

import datetime

from django.utils import timezone

from bansou.accounts.models import User
from bansou.demo.specs import DemoBooking
from bansou.engagements.models import Session
from bansou.engagements.selectors.booking import open_times
from bansou.engagements.selectors.booking_targets import booking_target
from bansou.engagements.services.booking import booking_create
from bansou.programs.models import Program
from bansou.scheduling.models import AppointmentType


def bookings_load(*, program: Program, specs: tuple[DemoBooking, ...]) -> int:
    """Books what ``specs`` name; returns how many bookings were made."""
    if (
        not specs
        or Session.objects.filter(
            organization=program.organization, booked_via=Session.BookedVia.CLIENT
        ).exists()
    ):
        return 0
    made = 0
    for spec in specs:
        client = User.objects.get(email=spec.client)
        appointment_type = AppointmentType.objects.get(
            organization=program.organization, program=program, name=spec.appointment_type
        )
        target = booking_target(appointment_type=appointment_type, client=client)
        chosen = User.objects.get(email=spec.supporter).pk if spec.supporter else None
        ids = [chosen] if chosen is not None else list(target.supporter_ids)
        from_day = timezone.localdate() + datetime.timedelta(days=spec.days_ahead)
        slot = next(
            (
                s
                for s in open_times(
                    appointment_type=appointment_type, supporter_ids=ids, mode=target.mode
                )
                if s.day >= from_day
            ),
            None,
        )
        if slot is None:
            continue
        booking_create(
            appointment_type=appointment_type,
            client=client,
            starts_at=slot.starts_at,
            booked_by=client,
            supporter_id=chosen,
        )
        made += 1
    return made
