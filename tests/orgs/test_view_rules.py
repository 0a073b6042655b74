"""The house rules for views, checked on the code itself: one base family for
organisation pages, no database query in a view module, one helper for service errors,
and an orgs app that imports none of the apps built on it."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.core.exceptions import ValidationError
from django.urls import URLPattern, URLResolver, get_resolver

import bansou
from bansou.core.access import OrgRoles, PublicInOrg
from bansou.engagements.forms import SessionForm
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgMixin, PublicOrgView

PACKAGE = Path(bansou.__file__).parent
# Apps the orgs app is built on; everything else is built on orgs.
BELOW_ORGS = {"bansou.core", "bansou.accounts", "bansou.orgs"}


def _views() -> Iterator[tuple[str, type]]:
    def walk(patterns: list) -> Iterator[tuple[str, type]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "view_class", None)
                if view_class is not None and view_class.__module__.startswith("bansou."):
                    yield str(pattern.pattern), view_class

    return walk(get_resolver().url_patterns)


def test_every_organisation_page_uses_the_one_base_family():
    wrong = []
    for route, view_class in _views():
        policy = getattr(view_class, "access_policy", None)
        if isinstance(policy, OrgRoles) and not issubclass(view_class, OrgMixin):
            wrong.append(f"{route}: {view_class.__qualname__} is not an OrgMixin")
        if isinstance(policy, PublicInOrg) and not issubclass(view_class, PublicOrgView):
            wrong.append(f"{route}: {view_class.__qualname__} is not a PublicOrgView")
    assert wrong == []


def _view_modules() -> list[Path]:
    return sorted(
        [*PACKAGE.glob("*/views.py"), *PACKAGE.glob("*/views/*.py")],
        key=str,
    )


QUERY = re.compile(
    r"\.objects\b|get_object_or_404|get_list_or_404|\.filter\(|\.exclude\(|"
    r"\.select_related\(|\.prefetch_related\(|\.values_list\(|\.raw\("
)


def test_no_view_module_queries_the_database_itself():
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in _view_modules()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if QUERY.search(line)
    ]
    assert found == []


def test_no_type_ignore_for_the_request_of_a_view():
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in [*_view_modules(), PACKAGE / "orgs" / "middleware.py"]
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "type: ignore" in line and re.search(r"request|membership|organization", line)
    ]
    assert found == []


def test_one_helper_maps_service_errors_onto_forms():
    definitions = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"^def add_service_errors?\(", path.read_text(), re.MULTILINE)
    ]
    assert definitions == ["orgs/forms.py"]


def test_orgs_imports_no_app_built_on_it():
    upward = []
    for path in (PACKAGE / "orgs").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                top = ".".join(name.split(".")[:2])
                if name.startswith("bansou.") and top not in BELOW_ORGS:
                    upward.append(f"{path.relative_to(PACKAGE)}: {name}")
    assert upward == []


def test_service_errors_go_to_the_named_mapped_or_top_of_the_form():
    form = SessionForm(data={})
    add_service_errors(
        form,
        ValidationError(
            {"place": "Too far.", "starts_at": "Too early.", "budget": "Unknown field."}
        ),
        field_map=SessionForm.SERVICE_FIELD_MAP,
    )
    assert "Too far." in form.errors["place"]
    assert "Too early." in form.errors["start_time"]
    assert form.non_field_errors() == ["Unknown field."]


def test_a_plain_service_error_goes_to_the_top_of_the_form():
    form = SessionForm(data={})
    add_service_errors(form, ValidationError("Not now."))
    assert form.non_field_errors() == ["Not now."]
