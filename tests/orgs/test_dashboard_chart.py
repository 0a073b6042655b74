"""The dashboard's chart of people by role: bars with visible labels, values and a scale;
one image to a screen reader, whose label says every figure; and a table under it with
the same numbers."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils.translation import gettext, ngettext, override, pgettext

from bansou.core.roles import Role
from bansou.orgs.models import Membership
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


class _Chart(HTMLParser):
    """Reads the bars (label, value), the image's label and the table's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.image_label = ""
        self.scale: list[str] = []
        self.bars: list[list[str]] = []
        self.table: list[list[str]] = []
        self._in: list[str] = []  # the open elements of interest
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if attributes.get("role") == "img":
            self.image_label = attributes.get("aria-label") or ""
        if "bar-row" in classes and "bar-axis" not in classes:
            self.bars.append([])
        if "bar-scale" in classes:
            self._in.append("scale")
        if "chart-data" in classes:
            self._in.append("table")
        if tag == "tr" and "table" in self._in:
            self.table.append([])
        if tag in ("th", "td") and "table" in self._in:
            self._cell = []
        if "bar-label" in classes or "bar-value" in classes:
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in and self._in[-1] == "scale" and data.strip():
            self.scale.append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        if self._cell is not None and tag in ("th", "td") and "table" in self._in:
            self.table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif self._cell is not None and tag == "span":
            if self.bars:
                self.bars[-1].append("".join(self._cell).strip())
            self._cell = None
        if tag == "table" and "table" in self._in:
            self._in.remove("table")
        if tag == "span" and self._in and self._in[-1] == "scale" and len(self.scale) >= 2:
            self._in.pop()


def _chart(html: str) -> _Chart:
    parser = _Chart()
    parser.feed(html[html.index("役割別の人数") :])
    return parser


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.VIEWER])
def test_the_role_chart_has_labels_a_text_alternative_and_the_same_numbers_as_a_table(
    world, client_for, role
):
    organization = world.a.organization
    for _ in range(3):
        MembershipFactory(organization=organization, role=Role.SUPPORTER)
    MembershipFactory(organization=organization, role=Role.CLIENT, is_active=False)
    expected = {
        r: Membership.objects.filter(organization=organization, role=r, is_active=True).count()
        for r in Role
    }
    assert expected[Role.SUPPORTER] >= 4 and len(set(expected.values())) > 1

    response = client_for(world.a.members[role]).get(
        reverse("orgs:dashboard", args=[organization.slug])
    )
    chart = _chart(response.content.decode())

    with override("ja"):  # as the page says it, translated or not yet
        labels = {r: str(r.label) for r in Role}
        head = [gettext("Role"), gettext("People")]
        said = [
            ngettext("%(role)s %(n)s person", "%(role)s %(n)s people", n)
            % {"role": labels[r], "n": n}
            for r, n in expected.items()
        ]
        separator = pgettext("list separator", ", ")
    shown = [[labels[r], str(n)] for r, n in expected.items()]
    assert chart.bars == shown  # each bar names its role and says its number
    assert chart.table == [head, *shown]  # the table holds the same numbers
    assert chart.scale == ["0", str(max(expected.values()))]
    assert chart.image_label == f"役割別の人数: {separator.join(said)}"  # every figure, said
