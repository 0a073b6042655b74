"""Reads of appointment types."""

from django.db.models import QuerySet
from django.http import Http404

from bansou.orgs.models import Organization, Venue
from bansou.programs.models import Program
from bansou.scheduling.models import AppointmentType


def appointment_types_of(
    *, program: Program, active_only: bool = False
) -> QuerySet[AppointmentType]:
    """The program's appointment types, shortest first, with their venue."""
    types = AppointmentType.objects.filter(
        organization=program.organization, program=program
    ).select_related("venue")
    if active_only:
        types = types.filter(is_active=True)
    return types.order_by("duration_minutes", "name", "pk")


def appointment_type_for(*, program: Program, pk: int) -> AppointmentType:
    """One appointment type of this program; 404 for any other (another program's or
    another organisation's), so that it is not disclosed."""
    appointment_type = appointment_types_of(program=program).filter(pk=pk).first()
    if appointment_type is None:
        raise Http404
    return appointment_type


def in_person_venues(*, organization: Organization) -> QuerySet[Venue]:
    """The venues an in-person appointment can take place at (every kind but online)."""
    return (
        Venue.objects.filter(organization=organization)
        .exclude(kind=Venue.Kind.ONLINE)
        .order_by("name")
    )
