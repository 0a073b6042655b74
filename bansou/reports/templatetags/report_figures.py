"""A report figure as text: ``{{ value|figure:"percent" }}`` gives 12.3%, a count 1,234, a
mean 4.2, a score +35; a suppressed figure says "fewer than 5"; nothing gives "–"."""

from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import number_format

from bansou.reports.selectors.suppression import FewerThan

register = template.Library()


@register.filter
def figure(value: Any, measure: str = "count") -> str:
    if value is None:
        return "–"
    if isinstance(value, FewerThan):
        return str(value)
    if measure == "percent":
        return f"{number_format(value, decimal_pos=1)}%"
    if measure == "mean":
        return number_format(value, decimal_pos=2)
    if measure == "score":
        number = int(value)
        return f"+{number}" if number > 0 else str(number)
    return str(intcomma(value))
