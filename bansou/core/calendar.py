"""Japanese public holidays (including substitute holidays) from the `holidays` package, and
the 年度 (the fiscal and school year, April to March)."""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _japan(year: int, language: str) -> dict[datetime.date, str]:
    return dict(holidays.country_holidays("JP", years=[year], language=language))


def holiday_name(day: datetime.date, *, language: str = "ja") -> str | None:
    """The holiday's name on ``day`` (in Japanese or English), or None on a working day."""
    return _japan(day.year, "ja" if language == "ja" else "en_US").get(day)


def is_holiday(day: datetime.date) -> bool:
    return holiday_name(day) is not None


FISCAL_YEAR_FIRST_MONTH = 4


def fiscal_year_of(day: datetime.date) -> int:
    """The 年度 a day belongs to: 2026-03-31 is in 2025年度, 2026-04-01 in 2026年度."""
    return day.year if day.month >= FISCAL_YEAR_FIRST_MONTH else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """The first and the last day of a 年度 (1 April to 31 March)."""
    return datetime.date(year, FISCAL_YEAR_FIRST_MONTH, 1), datetime.date(year + 1, 3, 31)
