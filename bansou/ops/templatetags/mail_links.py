"""Links in mail templates, on ``BANSOU_BASE_URL`` (``bansou.core.links``):
``{% mail_url "engagements:radar" org_slug=organization.slug %}``."""

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.translation import pgettext

from bansou.core.links import absolute_reverse

register = template.Library()


@register.simple_tag
def mail_url(viewname: str, *args: Any, **kwargs: Any) -> str:
    return absolute_reverse(viewname, *args, **kwargs)


@register.filter
def display_names(people: Iterable[Any]) -> str:
    """The people's names as one list in the language of the mail."""
    return pgettext("list separator", ", ").join(str(getattr(p, "display_name", p)) for p in people)
