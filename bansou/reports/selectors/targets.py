"""A program's KPI targets against their actuals: actual / target = achievement %.

The rounding rule (``ROUNDING_RULE``, shown by the dashboards under every table of
targets): achievement is actual ÷ target × 100, rounded half up to a whole percent
(22 / 20 = 110 %, 247 / 231 = 106.93… → 107 %, 1 / 3 → 33 %, 2 / 3 → 67 %). The division
is exact (Decimal), so no binary rounding moves a half. Rates are percentages with one
decimal, rounded half up the same way (``kpis.rate``)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from bansou.orgs.models import Organization
from bansou.programs.models import Program, Target
from bansou.reports.selectors.kpis import KPI_DEFINITIONS, KpiDefinition, KpiValues, kpi_values

ROUNDING_RULE = _(
    "Achievement = actual ÷ target × 100, rounded half up to a whole percent "
    "(22 / 20 → 110, 247 / 231 → 107). Rates are percentages with one decimal, "
    "rounded half up."
)


@dataclass(frozen=True)
class Achievement:
    """``actual`` against ``target`` (above 0): ``percent`` is a whole number (None while
    the actual is unknown). For a KPI where less is better (the no-show rate) the target
    is met by staying at or under it; ``percent`` is still actual ÷ target."""

    actual: int | float | None
    target: int
    percent: int | None
    lower_is_better: bool = False

    @property
    def met(self) -> bool | None:
        if self.actual is None:
            return None
        if self.lower_is_better:
            return self.actual <= self.target
        return self.actual >= self.target


def achievement(
    *, actual: int | float | None, target: int, lower_is_better: bool = False
) -> Achievement:
    """actual / target = achievement %, rounded half up to a whole percent."""
    if target <= 0:
        raise ValueError("a target is above 0 (programs_target_value_positive)")
    percent = None
    if actual is not None:
        exact = Decimal(str(actual)) * 100 / Decimal(target)
        percent = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Achievement(
        actual=actual, target=target, percent=percent, lower_is_better=lower_is_better
    )


@dataclass(frozen=True)
class TargetRow:
    """One target with its KPI's actual over the target's own period. ``definition`` is
    None for a KPI this version does not compute (the actual is then None); ``base`` is
    what the actual rests on (a count itself, a rate's denominator), for suppression."""

    target: Target
    definition: KpiDefinition | None
    actual: int | float | None
    base: int
    achievement: Achievement

    @property
    def period_start(self) -> datetime.date:
        return self.target.period_start

    @property
    def period_end(self) -> datetime.date:
        return self.target.period_end


def target_report(
    *,
    organization: Organization,
    program: Program,
    start: datetime.date,
    end: datetime.date,
    known: Iterable[KpiValues] = (),
) -> list[TargetRow]:
    """Each target of ``program`` whose period overlaps ``start``–``end`` (both included),
    in the targets' order, paired with its KPI's actual **over the target's own period**
    (``period_start``–``period_end``), not over the period asked: a grant target of 22
    schools for April–September is compared with April–September even on a dashboard
    showing one month; for a target period still running, the actual so far. One query
    for the targets, then ``kpi_values`` once per distinct target period (targets
    usually share one) unless ``known`` already holds that period's values (a dashboard
    showing the 年度 of its targets passes the ``kpi_values`` it computed: no query)."""
    targets = list(
        Target.objects.filter(
            organization=organization,
            program=program,
            period_start__lte=end,
            period_end__gte=start,
        ).order_by("period_start", "name", "pk")
    )
    periods = {(values.start, values.end): values for values in known}
    rows = []
    for target in targets:
        period = (target.period_start, target.period_end)
        if period not in periods:
            periods[period] = kpi_values(
                organization=organization, program=program, start=period[0], end=period[1]
            )
        values = periods[period]
        definition = KPI_DEFINITIONS.get(target.kpi)
        actual = values.value(target.kpi)
        rows.append(
            TargetRow(
                target=target,
                definition=definition,
                actual=actual,
                base=values.base(target.kpi),
                achievement=achievement(
                    actual=actual,
                    target=target.target_value,
                    lower_is_better=bool(definition and definition.lower_is_better),
                ),
            )
        )
    return rows
