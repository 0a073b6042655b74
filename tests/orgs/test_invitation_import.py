"""Inviting many people from a file: the encodings Japanese Excel writes, Japanese and
English headers, every row's problems in the preview, fixing rows there, and all
invitations in one transaction or none."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from bansou.core.roles import Role
from bansou.orgs.models import Invitation
from bansou.people.services.invitation_import import (
    ImportRow,
    invitation_file_read,
    invitation_import_confirm,
    invitation_rows_check,
)
from bansou.people.services.invitations import invitation_create
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

HEADER = "メール,姓,名,セイ,メイ,役割\r\n"


@pytest.fixture(autouse=True)
def _english(settings):
    """The messages are checked in the source language."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    return OrganizationFactory(slug="imp-org", name="取込テスト団体")


@pytest.fixture
def coordinator(org):
    user = UserFactory(language="en", email="coord@imp.test")
    MembershipFactory(organization=org, user=user, role=Role.COORDINATOR)
    return user


def _read(data: bytes, name: str = "people.csv") -> list[ImportRow]:
    return invitation_file_read(data=data, filename=name, default_role=Role.CLIENT)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis"])
def test_the_encodings_japanese_excel_writes_are_read(encoding):
    text = HEADER + "hanako@example.test,山田,花子,ヤマダ,ハナコ,支援者\r\n"
    (row,) = _read(text.encode(encoding))
    assert (row.email, row.family_name, row.given_name) == ("hanako@example.test", "山田", "花子")
    assert (row.family_name_kana, row.given_name_kana, row.role) == (
        "ヤマダ",
        "ハナコ",
        "supporter",
    )
    assert row.line == 2


def test_english_headers_any_order_and_a_default_role():
    text = "Given name,Family Name,E-mail\nTaro,Sato,taro@example.test\n"
    (row,) = _read(text.encode())
    assert (row.email, row.family_name, row.given_name, row.role) == (
        "taro@example.test",
        "Sato",
        "Taro",
        Role.CLIENT,
    )


def test_an_xlsx_file_is_read_and_a_formula_stays_text():
    book = Workbook()
    sheet = book.active
    sheet.append(["メールアドレス", "姓", "名", "セイ", "メイ", "役割"])
    sheet.append(["a@example.test", "佐藤", '=HYPERLINK("x")', "サトウ", "アオイ", "client"])
    buffer = io.BytesIO()
    book.save(buffer)
    (row,) = _read(buffer.getvalue(), "people.xlsx")
    assert row.given_name.startswith("=HYPERLINK")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        ("名前,電話\n山田,03\n".encode(), "メール"),
        (HEADER.encode(), "no people"),
        (b"\xff\xfe\x00\x00garbage\x81", "characters"),
        (b"PK\x03\x04broken", "Excel"),
        (HEADER.encode() + b"a@example.test\n" * 501, "500"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_with_a_reason(data, message):
    with pytest.raises(Exception) as excinfo:
        _read(data)
    assert message in str(excinfo.value)


def test_the_preview_names_every_problem_of_every_row(org, coordinator):
    MembershipFactory(organization=org, user=UserFactory(language="en", email="member@imp.test"))
    invitation_create(
        organization=org, invited_by=coordinator, email="pending@imp.test", role=Role.CLIENT
    )
    text = HEADER + "\r\n".join(
        [
            "ok@imp.test,山田,花子,やまだ,ハナコ,相談者",  # hiragana is fine (folded)
            "not-an-email,山田,花子,,,client",
            "ok@imp.test,山田,花子,,,client",  # the same address again
            "member@imp.test,,,,,client",
            "pending@imp.test,,,,,client",
            "x@imp.test,,,,,先生",
            "y@imp.test,,,山田,,client",
            "z@imp.test,=cmd|' /C calc'!A0,,,,client",
            "ｗ＠ｉｍｐ．ｔｅｓｔ,,,,,client",  # full-width: folded
        ]
    )
    rows = invitation_rows_check(organization=org, rows=_read(text.encode("cp932")))
    problems = {row.line: row.problems for row in rows}
    assert problems[2] == {} and rows[0].family_name_kana == "ヤマダ"
    assert "valid email" in problems[3]["email"][0]
    assert "row 2" in problems[4]["email"][0]
    assert "already a member" in problems[5]["email"][0]
    assert "already been invited" in problems[6]["email"][0]
    assert "先生" in problems[7]["role"][0]
    assert "katakana" in problems[8]["family_name_kana"][0]
    assert "formula" in problems[9]["family_name"][0]
    assert problems[10] == {} and rows[-1].email == "w@imp.test"


def test_confirming_creates_all_or_none(org, coordinator, django_capture_on_commit_callbacks):
    rows = [ImportRow(line=2, email="a@imp.test", role="client")]
    rows.append(ImportRow(line=3, email="a@imp.test", role="client"))
    with pytest.raises(Exception, match="Rows 3 still have problems"):
        invitation_import_confirm(organization=org, invited_by=coordinator, rows=rows)
    assert not Invitation.objects.exists()
    rows[1].email = "b@imp.test"
    with django_capture_on_commit_callbacks(execute=True):
        made = invitation_import_confirm(organization=org, invited_by=coordinator, rows=rows)
    assert len(made) == 2 and len(mail.outbox) == 2


def _csv_of(count: int, bad: dict[int, str]) -> bytes:
    lines = [HEADER.strip()]
    for n in range(count):
        lines.append(bad.get(n, f"person{n}@imp.test,山田,太郎{n},ヤマダ,タロウ,相談者"))
    return "\r\n".join(lines).encode("cp932")


def test_fifty_from_shift_jis_two_bad_rows_fixed_in_the_preview(
    org, coordinator, client_for, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    data = _csv_of(
        50, {10: "broken-address,山田,一郎,,,相談者", 20: "p@imp.test,山田,,yamada,,相談者"}
    )
    upload = SimpleUploadedFile("名簿.csv", data, content_type="text/csv")
    response = client.post(
        reverse("people:invitation_import", args=[org.slug]),
        {"file": upload, "role": Role.CLIENT},
    )
    assert response.status_code == 302
    preview_url = reverse("people:invitation_import_preview", args=[org.slug])
    page = client.get(preview_url)
    assert page.context["total"] == 50 and page.context["bad"] == 2
    body = page.content.decode()
    assert "山田" in body and "太郎49" in body
    post = _formset_post(page)
    post["form-10-email"] = "ichiro@imp.test"
    post["form-20-family_name_kana"] = "ヤマダ"
    # Sending while a problem is left changes nothing.
    post_bad = {**post, "form-20-family_name_kana": "yamada", "action": "send"}
    again = client.post(preview_url, post_bad)
    assert again.status_code == 200 and again.context["bad"] == 1
    assert not Invitation.objects.exists()
    assert "katakana" in again.content.decode()
    assert 'value="ichiro@imp.test"' in again.content.decode()  # the fix is kept
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(preview_url, {**post, "action": "send"})
    assert done.status_code == 302
    assert Invitation.objects.filter(organization=org).count() == 50
    assert len(mail.outbox) == 50
    assert client.get(preview_url).context["formset"] is None  # the upload left the session


def test_a_row_can_be_left_out(org, coordinator, client_for, django_capture_on_commit_callbacks):
    client = client_for(coordinator)
    upload = SimpleUploadedFile("a.csv", _csv_of(3, {1: "bad,,,,,client"}))
    client.post(
        reverse("people:invitation_import", args=[org.slug]), {"file": upload, "role": "client"}
    )
    preview_url = reverse("people:invitation_import_preview", args=[org.slug])
    post = _formset_post(client.get(preview_url))
    post["form-1-DELETE"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(preview_url, {**post, "action": "send"})
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "person0@imp.test",
        "person2@imp.test",
    ]


def test_an_unreadable_file_is_named_on_the_upload_form(org, coordinator, client_for):
    response = client_for(coordinator).post(
        reverse("people:invitation_import", args=[org.slug]),
        {"file": SimpleUploadedFile("a.csv", "名前\n山田\n".encode("cp932")), "role": "client"},
    )
    assert response.status_code == 200
    assert "メール" in " ".join(response.context["form"].errors["file"])


def test_the_preview_without_an_upload_points_to_the_upload(org, coordinator, client_for):
    response = client_for(coordinator).get(
        reverse("people:invitation_import_preview", args=[org.slug])
    )
    assert response.status_code == 200
    assert reverse("people:invitation_import", args=[org.slug]) in response.content.decode()


def _formset_post(page) -> dict[str, str]:
    formset = page.context["formset"]
    data = {
        f"form-{key}": value
        for key, value in formset.management_form.initial.items()
        if value is not None
    }
    for index, form in enumerate(formset.forms):
        for name in ("line", "email", "role", "family_name", "given_name"):
            data[f"form-{index}-{name}"] = str(form.initial.get(name, ""))
        for name in ("family_name_kana", "given_name_kana"):
            data[f"form-{index}-{name}"] = str(form.initial.get(name, ""))
    return data
