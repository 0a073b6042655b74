"""Every page of the permission matrix, as every role it allows, requested with generated
query strings: the fields of its search and filter forms and every query parameter a view
reads (found in the source, so a new one is fuzzed without a change here). No request may
answer a server error; a refused filter form says why."""

import re
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import World
from tests.fuzz.conftest import FUZZ
from tests.fuzz.pages import Field, get_forms
from tests.fuzz.submit import client_as, problems, submit
from tests.fuzz.targets import TARGETS, page_url
from tests.fuzz.values import mutated

SOURCE = Path(__file__).resolve().parents[2] / "bansou"
_READS = re.compile(
    r"""GET\.get(?:list)?\(\s*"(\w+)"|GET\["(\w+)"\]|int_param\((?:self\.)?request,\s*"(\w+)"|params\.get\("(\w+)\""""
)


def query_names() -> set[str]:
    """Every query parameter a view or form helper reads by name."""
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for match in _READS.finditer(path.read_text(encoding="utf-8")):
            names.update(group for group in match.groups() if group)
    return names


QUERY_NAMES = sorted(query_names())


def test_query_names_found_in_the_source() -> None:
    # The scan must keep finding what the views read (a broken pattern would fuzz nothing).
    assert {"page", "q", "week", "client", "days", "program"} <= set(QUERY_NAMES)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "actor"), TARGETS)
def test_fuzz_every_query_string(fuzz_world: World, name: str, actor: str) -> None:
    url = page_url(fuzz_world, name)
    client = client_as(fuzz_world.actors()[actor])
    page = client.get(url)
    fields = {n: Field(name=n, kind="text") for n in QUERY_NAMES}
    shown = []
    if page.status_code == 200 and page.get("Content-Type", "").startswith("text/html"):
        shown = get_forms(page.content.decode(errors="replace"), url)
    for form in shown:
        fields.update(form.fields)
    # A filter form refuses with a message only where the page shows it.
    _fuzz_query(client, url, list(fields.values()), shown_form=bool(shown))


def _fuzz_query(client: Client, url: str, fields: list[Field], *, shown_form: bool) -> None:
    by_name = {f.name: f for f in fields}

    @FUZZ
    @given(
        query=st.sets(st.sampled_from(sorted(by_name)), min_size=1, max_size=3).flatmap(
            lambda names: st.fixed_dictionaries({n: mutated(by_name[n]) for n in names})
        )
    )
    def run(query: dict[str, list[str]]) -> None:
        response = submit(client, "get", url, query)
        found = problems(response, shown_form=shown_form)
        assert not found, f"GET {url} {query}\n" + "\n".join(found)

    run()
