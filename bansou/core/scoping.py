"""Every place that switches the tenant scope off (``scopes_disabled()``) or sets it
(``scope(...)``) outside the test suite, each with its reason.

``TenancyMiddleware`` scopes every request; these are the only other places. A test
(tests/core/test_tenancy_rules.py) reads every module of ``bansou/`` and fails on a call
that is not listed here, and on an entry that no longer matches a call: adding a switch
means adding its reason here, in review.
"""

from dataclasses import dataclass
from typing import Literal

SwitchCall = Literal["scope", "scopes_disabled"]


@dataclass(frozen=True)
class ScopeSwitch:
    path: str  # relative to the repository root
    function: str  # qualified name of the enclosing function, e.g. "Class.method"
    call: SwitchCall
    reason: str


SCOPE_SWITCHES: tuple[ScopeSwitch, ...] = (
    # --- the request: the single enforcement point -----------------------------------------
    ScopeSwitch(
        "bansou/orgs/middleware.py",
        "TenancyMiddleware.__call__",
        "scope",
        "requests outside an organisation run in an empty scope, so a tenant query raises",
    ),
    ScopeSwitch(
        "bansou/orgs/middleware.py",
        "TenancyMiddleware._public_org_request",
        "scope",
        "a public page of one organisation runs in the organisation named by <org_slug>",
    ),
    ScopeSwitch(
        "bansou/orgs/middleware.py",
        "TenancyMiddleware._org_request",
        "scope",
        "a member's page runs in the organisation named by <org_slug>",
    ),
    # --- the one cross-tenant read -----------------------------------------------------
    ScopeSwitch(
        "bansou/orgs/selectors.py",
        "memberships_for_user",
        "scopes_disabled",
        "a user's own memberships across organisations, for the organisation switcher",
    ),
    ScopeSwitch(
        "bansou/orgs/selectors.py",
        "belongs_elsewhere",
        "scopes_disabled",
        "whether a person is also in another organisation (a yes or no): then only they "
        "correct their own name and address",
    ),
    # --- a person's calendar, which spans their organisations -----------------------------
    ScopeSwitch(
        "bansou/engagements/services/blocks.py",
        "clashes",
        "scopes_disabled",
        "no double-booking: a supporter's sessions in any organisation hold their time",
    ),
    ScopeSwitch(
        "bansou/engagements/selectors/booking.py",
        "_blocks",
        "scopes_disabled",
        "open times leave out a supporter's busy times in any organisation (times only)",
    ),
    ScopeSwitch(
        "bansou/engagements/selectors/calendar.py",
        "_blocks",
        "scopes_disabled",
        "a week calendar shows a person's blocks in other organisations as busy (times only)",
    ),
    # --- a tenant resolved from something other than the URL ------------------------------
    ScopeSwitch(
        "bansou/engagements/selectors/reflections.py",
        "reflection_link_resolve",
        "scopes_disabled",
        "a mailed reflection link is opened signed out: its token digest finds the link",
    ),
    ScopeSwitch(
        "bansou/engagements/views/reflections.py",
        "ReflectionLinkView.dispatch",
        "scope",
        "the reflection-link page then runs in the link's own organisation",
    ),
    # --- work outside a request ------------------------------------------------------------
    ScopeSwitch(
        "bansou/engagements/services/digest.py",
        "radar_digest_send",
        "scope",
        "the periodic digest works on one organisation at a time",
    ),
    ScopeSwitch(
        "bansou/engagements/services/reminders.py",
        "reminders_send_due",
        "scopes_disabled",
        "the reminder scan claims due reminders of every active organisation's sessions",
    ),
    ScopeSwitch(
        "bansou/ops/services/outbox.py",
        "outbox_deliver",
        "scopes_disabled",
        "the mail worker delivers any organisation's mail (and mail of none) by id",
    ),
    ScopeSwitch(
        "bansou/ops/services/outbox.py",
        "outbox_resend_due",
        "scopes_disabled",
        "the periodic resend scans every organisation's queued mail",
    ),
    ScopeSwitch(
        "bansou/ops/services/files.py",
        "prepared_file_build",
        "scopes_disabled",
        "the file worker is handed a prepared file's id; it then builds in the file's scope",
    ),
    ScopeSwitch(
        "bansou/ops/services/files.py",
        "_build",
        "scope",
        "a prepared file is built inside its own organisation's scope",
    ),
    ScopeSwitch(
        "bansou/ops/services/files.py",
        "_reporter.report",
        "scopes_disabled",
        "the builder's progress is written to the file's row by id",
    ),
    ScopeSwitch(
        "bansou/ops/services/files.py",
        "prepared_files_tidy",
        "scopes_disabled",
        "the periodic job deletes every organisation's files past their time",
    ),
    ScopeSwitch(
        "bansou/surveys/services/dispatch.py",
        "_open_surveys",
        "scopes_disabled",
        "the periodic survey scans find the open surveys of every active organisation",
    ),
    ScopeSwitch(
        "bansou/surveys/services/dispatch.py",
        "for_each_open_survey",
        "scope",
        "each survey is then sent or reminded inside its own organisation's scope",
    ),
    ScopeSwitch(
        "bansou/privacy/services/retention.py",
        "retention_apply_all",
        "scope",
        "the periodic retention job anonymises one organisation at a time",
    ),
    ScopeSwitch(
        "bansou/privacy/services/erasure.py",
        "_member_anywhere",
        "scopes_disabled",
        "an erased client's own account keeps its name while any organisation holds them",
    ),
    ScopeSwitch(
        "bansou/privacy/services/erasure.py",
        "_anonymise_account",
        "scopes_disabled",
        "a person in no organisation loses their mail of none and sign-in history everywhere",
    ),
    ScopeSwitch(
        "bansou/demo/loader.py",
        "organization_load",
        "scope",
        "the demo loader builds each demo organisation inside its own scope",
    ),
)
