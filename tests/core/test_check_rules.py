"""scripts/check_rules.py finds what it promises to find, and nothing else."""

from pathlib import Path

from scripts.check_rules import check

QUERYING_VIEW = """
from django.db.models import Count
from django.shortcuts import get_object_or_404

from bansou.x.models import Thing


def detail(request, pk):
    thing = get_object_or_404(Thing, pk=pk)
    rows = Thing.objects.all()
    other = thing.children.filter(done=True).order_by("name")
    return rows, other
"""

CLEAN_VIEW = """
from bansou.x import selectors
from bansou.x.models import Thing


def detail(request, pk):
    thing = selectors.thing_for(pk=pk)
    data = {"status": Thing.Status.OPEN, "n": request.GET.get("n")}
    return thing, data
"""

LOCAL_IMPORTS = """
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bansou.x.models import Thing


def later():
    # Imported here: x.tasks imports this module.
    from bansou.x.tasks import run

    from bansou.x.other import thing
    return run, thing
"""


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_queries_in_view_modules_are_reported(tmp_path):
    root = _tree(
        tmp_path,
        {"bansou/x/views.py": QUERYING_VIEW, "bansou/y/views/pages.py": QUERYING_VIEW},
    )
    problems = check(root)
    for path in ("bansou/x/views.py", "bansou/y/views/pages.py"):
        messages = {p.message for p in problems if p.path == path}
        assert messages == {
            "query expression `Count` in a view",
            "`get_object_or_404` imported in a view",
            "`get_object_or_404` in a view (use a selector)",
            "ORM manager `.objects` in a view",
            "queryset method `.filter(` in a view",
            "queryset method `.order_by(` in a view",
        }


def test_a_view_that_calls_selectors_passes_and_other_modules_are_not_views(tmp_path):
    root = _tree(
        tmp_path,
        {"bansou/x/views.py": CLEAN_VIEW, "bansou/x/selectors.py": QUERYING_VIEW},
    )
    assert check(root) == []


def test_a_function_local_import_needs_a_reason(tmp_path):
    root = _tree(tmp_path, {"bansou/x/services.py": LOCAL_IMPORTS})
    problems = check(root)
    assert [(p.path, p.line) for p in problems] == [("bansou/x/services.py", 12)]


def _view_of_length(name: str, body_lines: int) -> str:
    body = "".join(f"        x{i} = {i}\n" for i in range(body_lines - 1))
    return f"class {name}:\n    def get(self):\n{body}"


def test_a_view_longer_than_forty_lines_is_reported_and_one_of_forty_is_not(tmp_path):
    text = _view_of_length("ShortView", 40) + "\n\n" + _view_of_length("LongView", 41)
    root = _tree(tmp_path, {"bansou/x/views/pages.py": text, "bansou/x/forms.py": text})
    problems = check(root)
    assert [(p.path, p.message.split(" is ")[0]) for p in problems] == [
        ("bansou/x/views/pages.py", "view `LongView`")
    ]
    assert "41 lines long (at most 40)" in problems[0].message
