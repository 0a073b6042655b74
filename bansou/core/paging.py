"""The one way a list pages: a Django ``Page`` of the rows and the query string without
``page`` (for ``partials/pager.html``, so that the filters stay in the URL)."""

from collections.abc import Sequence
from typing import Any, TypedDict

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict

PAGE_SIZE = 50


class ListPage(TypedDict):
    page: Page[Any]
    query: str


def page_of(
    rows: QuerySet[Any] | Sequence[Any], *, params: QueryDict, per_page: int = PAGE_SIZE
) -> ListPage:
    """The page named by ``params["page"]`` (the first for a missing or bad one, the last
    past the end), ``per_page`` rows long."""
    page = Paginator(rows, per_page).get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return {"page": page, "query": query.urlencode()}
