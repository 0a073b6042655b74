"""House rules that the import linter cannot see; ``make rules`` runs it, CI fails on any hit.

1. No ORM query in a view module (``bansou/*/views.py``, ``bansou/*/views/*.py``): reads go
   through the app's selectors, writes through its services. Flagged: ``X.objects`` /
   ``X._default_manager``, ``get_object_or_404`` / ``get_list_or_404``, queryset methods
   (``.filter(``, ``.exclude(``, ``.annotate(`` …) on anything, and query expressions
   imported from ``django.db.models`` (``Q``, ``F``, ``Count``, ``Prefetch`` …).
2. A function-local import carries a one-line reason: a comment on the line itself or on
   the line just above (``if TYPE_CHECKING:`` blocks are not function-local).
3. A view (a top-level class or function of a view module) spans at most
   ``MAX_VIEW_LINES`` lines after its ``class``/``def`` line: parsing and validation go
   into forms, reads into selectors, writes into services.

The tenant-model rule (every tenant model scoped) lives in tests/core/test_tenancy_rules.py.
Usage: ``python scripts/check_rules.py [ROOT]`` (default: the repository root).
"""

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

QUERYSET_METHODS = frozenset(
    {
        "filter",
        "exclude",
        "annotate",
        "alias",
        "aggregate",
        "select_related",
        "prefetch_related",
        "values_list",
        "order_by",
        "distinct",
        "only",
        "defer",
        "select_for_update",
        "get_or_create",
        "update_or_create",
        "bulk_create",
        "bulk_update",
        "in_bulk",
        "raw",
        "extra",
        "refresh_from_db",
    }
)
MAX_VIEW_LINES = 40
MANAGER_ATTRIBUTES = frozenset({"objects", "_default_manager", "_base_manager"})
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})
QUERY_EXPRESSIONS = frozenset(
    {
        "Q",
        "F",
        "Value",
        "Count",
        "Sum",
        "Avg",
        "Min",
        "Max",
        "Exists",
        "OuterRef",
        "Subquery",
        "Prefetch",
        "Case",
        "When",
        "Func",
        "ExpressionWrapper",
    }
)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def view_modules(root: Path) -> Iterator[Path]:
    package = root / "bansou"
    yield from sorted(package.glob("*/views.py"))
    yield from sorted(package.glob("*/views/*.py"))


def queries_in_view(tree: ast.AST, path: str) -> Iterator[Problem]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGER_ATTRIBUTES:
            yield Problem(path, node.lineno, f"ORM manager `.{node.attr}` in a view")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in SHORTCUTS:
                yield Problem(path, node.lineno, f"`{func.id}` in a view (use a selector)")
            elif isinstance(func, ast.Attribute) and func.attr in QUERYSET_METHODS:
                yield Problem(path, node.lineno, f"queryset method `.{func.attr}(` in a view")
        elif isinstance(node, ast.ImportFrom):
            if node.module == "django.shortcuts":
                for alias in node.names:
                    if alias.name in SHORTCUTS:
                        yield Problem(path, node.lineno, f"`{alias.name}` imported in a view")
            elif node.module in ("django.db.models", "django.db.models.functions"):
                for alias in node.names:
                    if alias.name in QUERY_EXPRESSIONS or node.module.endswith("functions"):
                        yield Problem(
                            path, node.lineno, f"query expression `{alias.name}` in a view"
                        )


def long_views(tree: ast.Module, path: str) -> Iterator[Problem]:
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno
            if length > MAX_VIEW_LINES:
                yield Problem(
                    path,
                    node.lineno,
                    f"view `{node.name}` is {length} lines long (at most {MAX_VIEW_LINES}): "
                    "move parsing into forms, reads into selectors, writes into services",
                )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def local_imports_without_reason(tree: ast.AST, lines: list[str], path: str) -> Iterator[Problem]:
    def has_comment(lineno: int) -> bool:
        here = lines[lineno - 1]
        above = lines[lineno - 2].strip() if lineno >= 2 else ""
        return "#" in here or above.startswith("#")

    def walk(node: ast.AST, in_function: bool) -> Iterator[Problem]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                continue
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if (
                in_function
                and isinstance(child, ast.Import | ast.ImportFrom)
                and not has_comment(child.lineno)
            ):
                yield Problem(
                    path,
                    child.lineno,
                    "function-local import without a one-line reason (comment) "
                    "or move it to module level",
                )
            yield from walk(child, inside)

    yield from walk(tree, False)


def check(root: Path) -> list[Problem]:
    problems: list[Problem] = []
    for file in view_modules(root):
        tree = ast.parse(file.read_text(), filename=str(file))
        problems.extend(queries_in_view(tree, file.relative_to(root).as_posix()))
        problems.extend(long_views(tree, file.relative_to(root).as_posix()))
    for file in sorted((root / "bansou").rglob("*.py")):
        if "migrations" in file.parts:
            continue
        text = file.read_text()
        tree = ast.parse(text, filename=str(file))
        problems.extend(
            local_imports_without_reason(tree, text.splitlines(), file.relative_to(root).as_posix())
        )
    return sorted(problems, key=lambda p: (p.path, p.line, p.message))


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1]
    problems = check(root)
    for problem in problems:
        print(problem)
    print(f"check_rules: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
