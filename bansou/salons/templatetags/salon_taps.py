"""A fresh idempotency key for each tap form of the salon screen: a double tap or a retry
of that form sends the same key and records one visit."""

import uuid

from django import template

register = template.Library()


@register.simple_tag
def tap_key() -> str:
    return str(uuid.uuid4())
