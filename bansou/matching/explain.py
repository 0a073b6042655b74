"""Engine reasons, rules, notices and issues → translated sentences.

Everything here works on the JSON stored in a round (strings and numbers), so a confirmed
round is explained the same way later, in the reader's language."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from bansou.matching.adapter import DAYS, PARTS
from bansou.people.selectors import LANGUAGE_LABELS

CRITERION_LABELS: dict[str, Promise] = {
    "need": _("Specialty"),
    "language": _("Languages"),
    "time": _("Times"),
    "gender": _("Supporter gender"),
    "mode": _("Online / in person"),
    "continuity": _("Previous supporter"),
    "experience": _("Experience"),
    "school": _("School"),
    "area": _("Area"),
}
RULE_LABELS: dict[str, Promise] = {
    "no_shared_language": _("no shared language"),
    "conflict_of_interest": _("conflict of interest"),
    "not_ready": _("required training not completed"),
    "excluded": _("excluded pair"),
    "capacity": _("no capacity left"),
}
PART_LABELS: dict[str, Promise] = {
    "morning": _("morning"),
    "afternoon": _("afternoon"),
    "evening": _("evening"),
}
GENDER_LABELS: dict[str, Promise] = {
    "female": _("Female"),
    "male": _("Male"),
    "other": _("Other"),
}
MODE_LABELS: dict[str, Promise] = {"online": _("Online"), "in_person": _("In person")}
NOTICE_MESSAGES: dict[str, Promise] = {
    "no_ready_units": _(
        "No supporter in the pool is ready: the program's required trainings must be "
        "completed first."
    ),
    "no_capacity": _("No supporter in the pool has capacity left."),
    "demand_exceeds_capacity": _(
        "There are more clients than places: some clients will stay unmatched."
    ),
    "all_weights_zero": _(
        "All weights are zero: every allowed pair scores the same, so only the number of "
        "matched clients counts."
    ),
    "no_clients": _("There are no clients in the pool."),
    "not_certified": _("The result could not be proven optimal in time."),
}
UNMATCHED_MESSAGES: dict[str, Promise] = {
    "no_candidate": _("No supporter is possible"),
    "all_full": _("Every possible supporter is full"),
    "lost_to_higher_total": _("The possible supporters were needed for other clients"),
}


def join(items: Iterable[str]) -> str:
    return pgettext("list separator", ", ").join(items)


def slot_label(key: str) -> str:
    day, _sep, part = key.partition("-")
    if day not in DAYS or part not in PARTS:
        return key
    return pgettext("time slot", "%(day)s %(part)s") % {
        "day": WEEKDAYS_ABBR[DAYS.index(day)],
        "part": PART_LABELS[part],
    }


def item_label(criterion: str, item: str) -> str:
    if criterion == "language":
        return str(LANGUAGE_LABELS.get(item, item))
    if criterion == "time":
        return slot_label(item)
    if criterion == "gender":
        return str(GENDER_LABELS.get(item, item))
    if criterion == "mode":
        return str(MODE_LABELS.get(item, item))
    return item


def reason_sentence(reason: Mapping[str, Any]) -> str:
    """One scored criterion of a pair as a short sentence, e.g. 「言語: 英語・中国語」."""
    criterion = str(reason["criterion"])
    items = join(item_label(criterion, str(i)) for i in reason.get("items", ()))
    if criterion == "need":
        return gettext("Specialty: %(items)s matches") % {"items": items}
    if criterion == "language":
        return gettext("Languages: %(items)s") % {"items": items}
    if criterion == "time":
        return gettext("Times: %(items)s overlap") % {"items": items}
    if criterion == "gender":
        return gettext("Supporter gender as preferred")
    if criterion == "mode":
        return gettext("Online / in person: %(items)s") % {"items": items}
    if criterion == "continuity":
        return gettext("Keeps the previous supporter")
    if criterion == "experience":
        return gettext("Experience suits the situation")
    if criterion == "school":
        return gettext("School: %(items)s") % {"items": items}
    if criterion == "area":
        return gettext("Area: %(items)s") % {"items": items}
    return criterion


def reason_sentences(reasons: Sequence[Mapping[str, Any]]) -> list[str]:
    """Sentences for the criteria that earned points, best first."""
    earned = sorted(
        (r for r in reasons if int(r.get("points", 0)) > 0),
        key=lambda r: -int(r["points"]),
    )
    return [reason_sentence(r) for r in earned]


def rules_text(rules: Iterable[str]) -> str:
    return join(str(RULE_LABELS.get(r, r)) for r in rules)


def unmatched_sentence(entry: Mapping[str, Any]) -> str:
    message = str(UNMATCHED_MESSAGES.get(str(entry.get("reason")), entry.get("reason")))
    blocking = list(entry.get("blocking_rules", ()))
    if blocking:
        return gettext("%(message)s: %(rules)s") % {
            "message": message,
            "rules": rules_text(blocking),
        }
    return message


def unmatched_summary(unmatched: Sequence[Mapping[str, Any]]) -> list[str]:
    """E.g. "3 clients have no possible supporter: no shared language"."""
    counts: Counter[str] = Counter()
    others = 0
    for entry in unmatched:
        blocking = list(entry.get("blocking_rules", ()))
        if entry.get("reason") == "no_candidate" and blocking:
            counts[rules_text(blocking)] += 1
        else:
            others += 1
    lines = [
        ngettext(
            "%(count)d client has no possible supporter: %(rules)s",
            "%(count)d clients have no possible supporter: %(rules)s",
            n,
        )
        % {"count": n, "rules": rules}
        for rules, n in counts.most_common()
    ]
    if others:
        lines.append(
            ngettext(
                "%(count)d client could not be matched for lack of places or possible pairs.",
                "%(count)d clients could not be matched for lack of places or possible pairs.",
                others,
            )
            % {"count": others}
        )
    return lines


def issue_sentence(issue: Mapping[str, Any], labels: Mapping[str, Mapping[str, str]]) -> str:
    code = str(issue.get("code"))
    client = labels.get("clients", {}).get(str(issue.get("client_id")), "?")
    unit = labels.get("units", {}).get(str(issue.get("unit_id")), "?")
    if code == "lock_breaks_hard_rule":
        return gettext("The locked pair %(client)s – %(unit)s breaks a rule: %(rules)s") % {
            "client": client,
            "unit": unit,
            "rules": rules_text(issue.get("rules", ())),
        }
    if code == "lock_over_capacity":
        return gettext("Too many locked clients for %(unit)s (capacity).") % {"unit": unit}
    if code == "weight_out_of_range":
        return gettext("Every weight must be between 0 and 10.")
    if code in ("unknown_client", "unknown_unit"):
        return gettext(
            "A locked pair (%(client)s – %(unit)s) is no longer in the pool; remove the lock."
        ) % {"client": client, "unit": unit}
    return gettext("The input was refused (%(code)s).") % {"code": code}
