"""A person's own data (``privacy.selectors.export.PersonalData``) as a readable PDF and as
a machine-readable JSON file.

The PDF is the Django template ``privacy/export_pdf.html`` with the stylesheet
``privacy/export_pdf.css``, laid out by WeasyPrint (A4, Noto Sans CJK JP through
fontconfig, page numbers in the footer), in the active language. It fetches nothing: every
URL in the document is refused, so no text a person typed can make the server load a
resource.

The JSON file (UTF-8, not ASCII-escaped, dates and times in ISO 8601 with their offset,
Asia/Tokyo) has these keys; a code is stable, its label is in the language of the file:

- ``format_version`` (1), ``generated_at``, ``organization`` {``name``, ``slug``},
  ``includes_private_notes`` (true only in a coordinator's disclosure export)
- ``profile``: ``family_name``, ``given_name``, ``family_name_kana``, ``given_name_kana``,
  ``email``, ``language`` {code, label}, ``member_since``, ``has_client_profile``,
  ``category`` {code, label} or null, ``school_or_organization``, ``venue``, ``grade``,
  ``languages`` [label], ``wants_help_with``, ``is_minor``
- ``guardian_consents``: [{``guardian_name``, ``relationship``, ``method`` {code, label},
  ``given_on``, ``withdrawn_on``, ``note``}]
- ``engagements``: [{``id``, ``program``, ``supporter``, ``team``, ``team_members``,
  ``status`` {code, label}, ``goals``, ``next_steps``, ``started_at``,
  ``events`` [{``kind`` {code, label}, ``at``, ``by``, ``member_name``}],
  ``rematch_requested_at`` [datetime],
  ``sessions`` [{``id``, ``starts_at``, ``ends_at``, ``mode``, ``place``, ``venue``,
  ``status``, ``cancel_reason``, ``cancelled_by``, ``booked_via``, ``appointment_type``,
  ``created_at``, ``shared_summary``, ``topics`` [name], ``reflection`` {``important``,
  ``noticed``, ``next_step``, ``feeling`` (1–5 or null), ``via``, ``written_at``} or null,
  and ``private_notes`` [{``author``, ``body``, ``written_at``}] only when included}]}]
- ``applications``: [{``program``, ``side``, the names and ``email`` as sent, ``answers``
  [{``question``, ``answer``}], ``message``, ``status``, ``decision_message``,
  ``submitted_at``, ``decided_at``, ``privacy_consent_at``, ``category`` {code, label}
  or null, ``school_or_organization``, ``grade``, ``is_minor``, ``guardian_name``,
  ``guardian_relationship``, ``guardian_contact``, ``guardian_consent_at``}]
- ``matching``: {``preferences`` {``times``, ``modes``, ``areas``, ``preferred_gender``,
  ``preferred_mode``, ``keep_previous``} or null, ``requests`` [{``program``,
  ``supporter``, ``message``, ``status``, ``requested_at``, ``decided_at``}]}
- ``bookings``: [{``session_id``, ``appointment_type``, ``starts_at``, ``status``,
  ``booked_at``}] (the sessions the person booked themselves)
- ``salon_visits``: [{``at``, ``venue``, ``kind``, ``kind_code``, ``grade``, ``topics``
  [name]}]
- ``survey_answers``: [{``survey``, ``question``, ``answer``, ``submitted_on``}] (named
  surveys only: an anonymous answer is nobody's)
"""

import dataclasses
import datetime
import json
import logging
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from bansou.privacy.selectors.export import PersonalData

# WeasyPrint reports every layout step at INFO; only its warnings belong in our logs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
FORMAT_VERSION = 1
PDF_CONTENT_TYPE = "application/pdf"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def export_pdf(data: PersonalData) -> bytes:
    """The data as an A4 PDF in the active language."""
    # Imported here: WeasyPrint takes half a second to import (it parses its stylesheets),
    # which every web process, worker and command would pay at start for a rare download.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher  # imported here for the same reason

    html = render_to_string("privacy/export_pdf.html", {"data": data})
    css = render_to_string("privacy/export_pdf.css")
    fetch_nothing = URLFetcher(allowed_protocols=())  # every URL refused, even data:
    document = HTML(string=html, url_fetcher=fetch_nothing)
    pdf: bytes = document.write_pdf(stylesheets=[CSS(string=css, url_fetcher=fetch_nothing)])
    return pdf


def _json_value(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def export_dict(data: PersonalData) -> dict[str, Any]:
    """The JSON file's content as plain Python values (the keys of the module docstring)."""
    tree = dataclasses.asdict(data)
    for engagement in tree["engagements"]:
        for session in engagement["sessions"]:
            if not data.includes_private_notes:
                del session["private_notes"]
    for application in tree["applications"]:
        application["answers"] = [
            {"question": question, "answer": answer} for question, answer in application["answers"]
        ]
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": data.generated_at,
        "organization": {"name": data.organization_name, "slug": data.organization_slug},
        "includes_private_notes": data.includes_private_notes,
        "profile": tree["profile"],
        "guardian_consents": tree["guardian_consents"],
        "engagements": tree["engagements"],
        "applications": tree["applications"],
        "matching": {
            "preferences": tree["matching_preferences"],
            "requests": tree["match_requests"],
        },
        "bookings": [dataclasses.asdict(b) for b in data.bookings],
        "salon_visits": tree["salon_visits"],
        "survey_answers": tree["survey_answers"],
    }


def export_json(data: PersonalData) -> bytes:
    """The data as UTF-8 JSON (see the module docstring for its keys)."""
    text = json.dumps(export_dict(data), ensure_ascii=False, indent=2, default=_json_value)
    return (text + "\n").encode("utf-8")
