"""The tenancy rules that code review alone would let slip:

- every model of a Bansō app is either a tenant model (``orgs.models.TenantModel``: an
  ``organization`` foreign key and only django-scopes managers) or listed below as
  not belonging to any organisation;
- the scope is switched off or set only in the places listed, with their reasons, in
  ``bansou/core/scoping.py``.
"""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from bansou.core.scoping import SCOPE_SWITCHES
from bansou.orgs.models import Organization, TenantModel

ROOT = Path(__file__).resolve().parents[2]

# Models that belong to no organisation. Membership is NOT here: it is a tenant model
# (the middleware reads it inside the URL's organisation scope); the one read across
# organisations, a user's own memberships for the switcher, is a listed scope switch.
NOT_TENANT = {
    "accounts.User": "a person may belong to several organisations (one login)",
    "orgs.Organization": "the tenant root itself",
}


def bansou_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_config.name.startswith("bansou.")]


def tenant_models() -> list[type[models.Model]]:
    return [m for m in bansou_models() if m._meta.label not in NOT_TENANT]


def test_every_model_is_a_tenant_model_or_listed_as_not_one():
    unlisted = [
        m._meta.label
        for m in bansou_models()
        if m._meta.label not in NOT_TENANT and not issubclass(m, TenantModel)
    ]
    assert unlisted == [], (
        "Each model either subclasses orgs.models.TenantModel or is added to NOT_TENANT "
        f"with a reason: {unlisted}"
    )
    listed_but_tenant = [
        label for label in NOT_TENANT if issubclass(apps.get_model(label), TenantModel)
    ]
    assert listed_but_tenant == []


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_tenant_model_has_an_organisation_foreign_key(model):
    field = model._meta.get_field("organization")
    assert isinstance(field, models.ForeignKey)
    assert field.related_model is Organization


def refuses_queries_outside_a_scope(manager: models.Manager) -> bool:
    with scope():
        try:
            manager.all().exists()
        except ScopeError:
            return True
    return False


def filters_by_the_active_organisation(manager: models.Manager) -> bool:
    with scope(organization=918273):
        sql = str(manager.all().query)
    return re.search(r'"organization_id"\s*=\s*918273', sql) is not None


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_every_manager_of_a_tenant_model_is_scoped_by_organisation(model):
    assert model._meta.managers
    for manager in model._meta.managers:
        assert refuses_queries_outside_a_scope(manager), manager.name
        assert filters_by_the_active_organisation(manager), manager.name


@pytest.mark.django_db
def test_the_manager_checks_catch_an_unscoped_manager():
    plain = Organization._default_manager
    assert not refuses_queries_outside_a_scope(plain)
    assert not filters_by_the_active_organisation(plain)


# --- scope switches ------------------------------------------------------------------------

SWITCH_CALLS = {"scope", "scopes_disabled"}


def scope_switches_in(source: str, path: str) -> set[tuple[str, str, str]]:
    """(path, enclosing function, call) for every ``scope(...)`` / ``scopes_disabled(...)``
    call in ``source`` (as a call, a ``with`` item or a decorator)."""
    found: set[tuple[str, str, str]] = set()

    def walk(node: ast.AST, names: list[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                walk(child, [*names, child.name])
                continue
            if isinstance(child, ast.Call):
                func = child.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in SWITCH_CALLS:
                    found.add((path, ".".join(names) or "<module>", name))
            walk(child, names)

    walk(ast.parse(source), [])
    return found


def scope_switches_in_code() -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for file in sorted((ROOT / "bansou").rglob("*.py")):
        if "migrations" in file.parts:
            continue
        found |= scope_switches_in(file.read_text(), file.relative_to(ROOT).as_posix())
    return found


def test_every_scope_switch_is_listed_with_its_reason():
    listed = {(s.path, s.function, s.call) for s in SCOPE_SWITCHES}
    in_code = scope_switches_in_code()
    assert sorted(in_code - listed) == [], (
        "Add each new scope switch to SCOPE_SWITCHES in bansou/core/scoping.py with its reason"
    )
    assert sorted(listed - in_code) == [], "Remove entries that no longer match any call"


def test_scope_switch_reasons_are_given_and_unique():
    keys = [(s.path, s.function, s.call) for s in SCOPE_SWITCHES]
    assert len(keys) == len(set(keys))
    assert all(len(s.reason) > 20 for s in SCOPE_SWITCHES)


def test_the_scanner_finds_switches_in_every_form():
    source = (
        "from django_scopes import scope, scopes_disabled\n"
        "import django_scopes\n"
        "class V:\n"
        "    def get(self):\n"
        "        with scope(organization=1):\n"
        "            pass\n"
        "with scope():\n"
        "    pass\n"
        "@scopes_disabled()\n"
        "def job():\n"
        "    with django_scopes.scopes_disabled():\n"
        "        pass\n"
        "# scope( in a comment and 'scopes_disabled(' in a string are not calls\n"
        "TEXT = 'scopes_disabled()'\n"
    )
    assert scope_switches_in(source, "x.py") == {
        ("x.py", "V.get", "scope"),
        ("x.py", "<module>", "scope"),
        ("x.py", "job", "scopes_disabled"),
    }
