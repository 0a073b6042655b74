"""Inviting many people at once from a CSV or XLSX file: reading the file (the encodings
Japanese Excel writes: UTF-8 with or without BOM, Shift_JIS/CP932), checking every row
(the preview shows each row's problems before anything is saved) and creating all the
invitations in one transaction, or none.

XLSX is read with openpyxl (with defusedxml installed, it refuses XML bombs); CSV with
the standard csv module after the encoding is found. Nothing is written to disk."""

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.accounts.names import (
    NAME_MAX_LENGTH,
    normalize_kana,
    normalize_name,
    validate_kana,
    validate_person_name,
)
from bansou.core.roles import Role
from bansou.core.spreadsheets import starts_like_formula
from bansou.orgs.models import Invitation, Organization
from bansou.people.services.invitations import invitation_create, invitation_refusal

MAX_FILE_BYTES = 1024 * 1024
MAX_ROWS = 500
FIELDS = ("email", "family_name", "given_name", "family_name_kana", "given_name_kana", "role")
# Header cells (folded: NFKC, lower case, no spaces) and the column each one names.
HEADERS = {
    "email": ("メール", "メールアドレス", "eメール", "email", "e-mail", "mail", "mailaddress"),
    "family_name": ("姓", "氏", "苗字", "名字", "familyname", "lastname", "surname"),
    "given_name": ("名", "名前", "givenname", "firstname"),
    "family_name_kana": ("セイ", "せい", "姓(カナ)", "姓カナ", "familynamekana", "lastnamekana"),
    "given_name_kana": ("メイ", "めい", "名(カナ)", "名カナ", "givennamekana", "firstnamekana"),
    "role": ("役割", "ロール", "権限", "role"),
}


@dataclass
class ImportRow:
    """One row of the file (``line`` is its line in the file, for the messages)."""

    line: int
    email: str = ""
    family_name: str = ""
    given_name: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""
    role: str = ""
    problems: dict[str, list[str]] = field(default_factory=dict)

    def as_data(self) -> dict[str, str | int]:
        data = asdict(self)
        data.pop("problems")
        return data

    @classmethod
    def of(cls, *, line: int, values: Mapping[str, object]) -> "ImportRow":
        """A row from its cells by column name (missing ones are empty)."""
        cells = {name: str(values.get(name) or "") for name in FIELDS}
        return cls(
            line=line,
            email=cells["email"],
            family_name=cells["family_name"],
            given_name=cells["given_name"],
            family_name_kana=cells["family_name_kana"],
            given_name_kana=cells["given_name_kana"],
            role=cells["role"],
        )

    @property
    def ok(self) -> bool:
        return not self.problems


def _fold(value: object) -> str:
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()


def _header_key(cell: str) -> str:
    return "".join(_fold(cell).lower().split()).replace("（", "(").replace("）", ")")


_HEADER_LOOKUP = {_header_key(h): name for name, hs in HEADERS.items() for h in hs}


def _decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Shift_JIS as Windows writes it (CP932)."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        {
            "file": _(
                "The file's characters could not be read. Save it from Excel as "
                "“CSV UTF-8” or “CSV (comma delimited)” and try again."
            )
        }
    )


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise ValidationError({"file": _("This does not look like a CSV file.")})
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise ValidationError({"file": _("The CSV file could not be read.")}) from error


def _xlsx_rows(data: bytes) -> list[list[str]]:
    # openpyxl is only needed for an XLSX upload: loaded here, not for every request.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ValidationError({"file": _("The Excel file could not be read.")}) from error
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(["" if v is None else str(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def invitation_file_read(*, data: bytes, filename: str, default_role: str) -> list[ImportRow]:
    """The rows of an uploaded file, unchecked. Refuses (ValidationError on ``file``) a
    file that is too big, unreadable, without an email column, empty or too long."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError({"file": _("The file is larger than 1 MB.")})
    is_xlsx = filename.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK"
    table = _xlsx_rows(data) if is_xlsx else _csv_rows(data)
    table = [row for row in table if any(_fold(cell) for cell in row)]
    if not table:
        raise ValidationError({"file": _("The file is empty.")})
    columns = {index: _HEADER_LOOKUP.get(_header_key(cell)) for index, cell in enumerate(table[0])}
    if "email" not in columns.values():
        raise ValidationError(
            {"file": _("The first row must name the columns; a “メール” (email) column is needed.")}
        )
    if len(table) - 1 > MAX_ROWS:
        raise ValidationError(
            {"file": _("The file has more than %(max)s rows.") % {"max": MAX_ROWS}}
        )
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        values = {
            name: _fold(cell)[:254]
            for index, cell in enumerate(cells)
            if (name := columns.get(index))
        }
        row = ImportRow.of(line=number, values=values)
        row.role = role_from_text(row.role) or row.role if row.role else default_role
        rows.append(row)
    if not rows:
        raise ValidationError({"file": _("The file has a header row but no people.")})
    return rows


def role_from_text(text: str) -> str | None:
    """A role's value from its value or its name in Japanese or English."""
    folded = _header_key(text)
    for role in Role:
        names = {role.value, _header_key(role.name)}
        for language in ("ja", "en"):  # whatever language the page is in
            with translation.override(language):
                label = _header_key(str(role.label))
                names |= {label, label.split("(")[0]}  # 「連携先」 for 「連携先（教員など）」
        if folded in names:
            return role.value
    return None


def _check_row(row: ImportRow, organization: Organization, seen: dict[str, int]) -> ImportRow:
    row = replace(row, problems={})

    def problem(name: str, message: str) -> None:
        row.problems.setdefault(name, []).append(message)

    for name in FIELDS:
        value = _fold(getattr(row, name))
        # A cell a spreadsheet would run as a formula (CSV injection): flagged for a person.
        if starts_like_formula(value):
            problem(
                name,
                _("Starts with “%(char)s”, which a spreadsheet reads as a formula. Remove it.")
                % {"char": value[0]},
            )
    row.email = _fold(row.email).lower()
    if not row.email:
        problem("email", _("An email address is needed."))
    elif row.email in seen:
        problem("email", _("The same address as row %(line)s.") % {"line": seen[row.email]})
    else:
        seen[row.email] = row.line
        refusal = invitation_refusal(organization=organization, email=row.email)
        if refusal is not None:
            for message in refusal.message_dict.get("email", []):
                problem("email", message)
    role = role_from_text(row.role)
    if role is None:
        if row.role:
            problem("role", _("“%(role)s” is not a role.") % {"role": row.role})
        else:
            problem("role", _("Choose a role."))
    else:
        row.role = role
    for name, normalize, validate in (
        ("family_name", normalize_name, validate_person_name),
        ("given_name", normalize_name, validate_person_name),
        ("family_name_kana", normalize_kana, validate_kana),
        ("given_name_kana", normalize_kana, validate_kana),
    ):
        value = normalize(getattr(row, name))
        setattr(row, name, value)
        if len(value) > NAME_MAX_LENGTH:
            problem(name, _("At most %(max)s characters.") % {"max": NAME_MAX_LENGTH})
        try:
            validate(value)
        except ValidationError as error:
            for message in error.messages:
                problem(name, message)
    return row


def invitation_rows_check(
    *, organization: Organization, rows: Iterable[ImportRow]
) -> list[ImportRow]:
    """Every row with its problems (an empty dict: it can be invited)."""
    seen: dict[str, int] = {}
    return [_check_row(row, organization, seen) for row in rows]


@transaction.atomic
def invitation_import_confirm(
    *, organization: Organization, invited_by: User, rows: Sequence[ImportRow]
) -> list[Invitation]:
    """Invites every row, or nobody: a row with a problem (also one that another
    coordinator's invitation gave a problem since the preview) refuses the whole import."""
    checked = invitation_rows_check(organization=organization, rows=rows)
    bad = [row.line for row in checked if not row.ok]
    if bad:
        raise ValidationError(
            _("Rows %(lines)s still have problems. Nothing has been sent.")
            % {"lines": ", ".join(str(line) for line in bad)}
        )
    if not checked:
        raise ValidationError(_("There is nobody to invite."))
    invitations = []
    for row in checked:
        try:
            invitations.append(
                invitation_create(
                    organization=organization,
                    invited_by=invited_by,
                    email=row.email,
                    role=row.role,
                    family_name=row.family_name,
                    given_name=row.given_name,
                    family_name_kana=row.family_name_kana,
                    given_name_kana=row.given_name_kana,
                )
            )
        except ValidationError as error:
            raise ValidationError(
                _("Row %(line)s: %(problem)s Nothing has been sent.")
                % {"line": row.line, "problem": " ".join(error.messages)}
            ) from error
    return invitations
