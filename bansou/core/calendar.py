"""Japanese public holidays (including substitute holidays) from the `holidays` package."""

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
