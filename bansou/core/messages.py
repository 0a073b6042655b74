"""Django's own form messages, said plainly.

Django's Japanese for its stock messages reads like a system (「このフィールドは必須です。」).
The project's catalogue takes precedence over Django's for the same message
(``LOCALE_PATHS``), so listing the messages here puts them in our catalogue, where they
get plain Japanese (「入力してください。」). Nothing in the app calls these functions; they exist so
that ``makemessages`` finds the messages and ``tests/core/test_messages.py`` can check
that every one reads differently from Django's."""

from django.utils.translation import gettext_noop, ngettext


def stock_messages() -> list[str]:
    return [
        gettext_noop("This field is required."),
        gettext_noop("Enter a valid email address."),
        gettext_noop("Enter a whole number."),
        gettext_noop("Enter a number."),
        gettext_noop("Enter a valid date."),
        gettext_noop("Enter a valid time."),
        gettext_noop("Enter a valid date/time."),
        gettext_noop("Enter a valid URL."),
        gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
        gettext_noop("Select a valid choice. That choice is not one of the available choices."),
        gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
        gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
        gettext_noop("Null characters are not allowed."),
    ]


def too_long_message(limit: int, length: int) -> str:
    """The one plural among them (a form's error for text past its maximum length)."""
    return ngettext(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        limit,
    ) % {"limit_value": limit, "show_value": length}
