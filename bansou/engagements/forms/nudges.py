"""The nudges ticked on the radar, as the radar's checkboxes and the confirmation send
them: ``kind:recipient`` or ``kind:recipient:engagement`` (ids in ASCII digits)."""

from collections.abc import Sequence

from bansou.core.inputs import whole_number

# Values read from one request at most: enough to say "too many" about any real choice
# without reading an unbounded list.
MAX_VALUES = 1000


def nudge_choice_value(kind: str, recipient_id: int, engagement_id: int | None = None) -> str:
    return ":".join(str(part) for part in (kind, recipient_id, engagement_id) if part is not None)


def nudge_choice_ids(values: Sequence[str]) -> tuple[list[tuple[str, int, int | None]], int]:
    """The readable choices among ``values`` as ``(kind, recipient id, engagement id or
    None)``, and how many were unreadable."""
    chosen: list[tuple[str, int, int | None]] = []
    unreadable = 0
    for value in values[:MAX_VALUES]:
        kind, _, rest = value.partition(":")
        recipient_text, _, engagement_text = rest.partition(":")
        recipient = whole_number(recipient_text)
        engagement = whole_number(engagement_text) if engagement_text else None
        if not kind or recipient is None or (engagement_text and engagement is None):
            unreadable += 1
        else:
            chosen.append((kind, recipient, engagement))
    return chosen, unreadable
