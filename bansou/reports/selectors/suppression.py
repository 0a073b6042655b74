"""Small counts hidden from viewers (funders) and partners (teachers): the one place that
decides who sees what in a report.

A count above 0 and below the program's ``suppression_threshold`` (5 by default) is shown
to them as "fewer than N"; a rate, mean or score resting on such a small number of people
or appointments (its ``base``) is withheld the same way. 0 is shown as it is: nobody can
be recognised in it. Coordinators and supporters see every figure."""

from collections.abc import Iterable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from django.utils.translation import gettext as _

from bansou.core.roles import Role
from bansou.programs.models import Program
from bansou.reports.selectors.kpis import KPI_DEFINITIONS, KpiValues, VenueRow

SUPPRESSED_ROLES = frozenset({Role.VIEWER, Role.PARTNER})
# Organisation-wide reports (no program) and programs made before the setting: the
# model's default.
DEFAULT_THRESHOLD: int = Program._meta.get_field("suppression_threshold").default


@dataclass(frozen=True)
class FewerThan:
    """The marker shown instead of a small count (``rate=True``: instead of a rate, mean
    or score that rests on a small count)."""

    threshold: int
    rate: bool = False

    def __str__(self) -> str:
        if self.rate:
            return _("not shown (fewer than %(n)s)") % {"n": self.threshold}
        return _("fewer than %(n)s") % {"n": self.threshold}


Shown = int | float | None | FewerThan


def sees_small_counts(role: str) -> bool:
    """Whether this role sees every count (coordinators, supporters) or small ones
    hidden (viewers, partners)."""
    return role not in SUPPRESSED_ROLES


def threshold_for(program: Program | None) -> int:
    return program.suppression_threshold if program is not None else DEFAULT_THRESHOLD


def _small(count: int, threshold: int, role: str) -> bool:
    return not sees_small_counts(role) and 0 < count < threshold


def suppressed(value: int | None, *, threshold: int, role: str) -> int | FewerThan | None:
    """A count as this role may see it."""
    if value is not None and _small(value, threshold, role):
        return FewerThan(threshold)
    return value


def suppressed_rate(
    value: int | float | None, *, base: int, threshold: int, role: str
) -> int | float | FewerThan | None:
    """A rate, mean or score resting on ``base`` people or appointments, as this role may
    see it."""
    if value is not None and _small(base, threshold, role):
        return FewerThan(threshold, rate=True)
    return value


def shown_kpis(values: KpiValues, *, threshold: int, role: str) -> dict[str, Shown]:
    """Every KPI by key as this role may see it."""
    shown: dict[str, Shown] = {}
    for key, definition in KPI_DEFINITIONS.items():
        value = values.value(key)
        if definition.measure == "count":
            shown[key] = suppressed(
                None if value is None else int(value), threshold=threshold, role=role
            )
        else:
            shown[key] = suppressed_rate(
                value, base=values.base(key), threshold=threshold, role=role
            )
    return shown


def shown_row(
    row: Any, *, threshold: int, role: str, extra: Iterable[str] = ("visits",)
) -> dict[str, Shown]:
    """The counts of a ``MonthRow`` or ``VenueRow`` (its whole-number fields, and the
    ``extra`` totals it computes) as this role may see them; a venue's no-show rate is
    withheld when its reservations are few."""
    assert is_dataclass(row)
    shown: dict[str, Shown] = {}
    for item in fields(row):
        value = getattr(row, item.name)
        if isinstance(value, int) and not isinstance(value, bool):
            shown[item.name] = suppressed(value, threshold=threshold, role=role)
    for name in extra:
        shown[name] = suppressed(getattr(row, name), threshold=threshold, role=role)
    if isinstance(row, VenueRow):
        shown["no_show_rate"] = suppressed_rate(
            row.no_show_rate,
            base=row.visits_reserved + row.no_shows,
            threshold=threshold,
            role=role,
        )
    return shown
