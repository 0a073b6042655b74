"""Small helpers shared by the people views (the base classes live in ``orgs.http``)."""

from typing import Any


def int_param(value: Any) -> int | None:
    """A positive integer from a query string, or None for anything else."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None
