"""Tables written as CSV or XLSX, streamed: rows arrive in chunks and leave at once, so a
100,000-row export holds one chunk in memory.

- CSV: UTF-8 with a BOM (Excel then opens Japanese text), the ``csv`` module, dates as
  2025-04-01 and times as 13:30. Several tables (the KPI export) follow one another, each
  under its title and after an empty line.
- XLSX: XlsxWriter in constant-memory mode, one sheet per table, Japanese
  headers in bold, the header row frozen, every column's width set (at least its
  header's), dates and times as real Excel dates and times (Tokyo wall-clock time, naive)
  with a number format.

Text goes through ``core.spreadsheets.cell_text`` in both (a cell starting with = + - @,
tab or CR keeps its text behind an apostrophe and never runs); the control characters
that XML cannot hold are dropped from XLSX."""

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO, Literal

import xlsxwriter
from django_stubs_ext import StrOrPromise

from bansou.core.spreadsheets import cell_text

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A column's kind: its number format in XLSX (``NUMBER_FORMATS``); "text"
# and "general" (a number shown as it is: a KPI column holds counts, rates and means) use
# none.
Kind = Literal["text", "general", "number", "percent", "date", "month", "time", "datetime"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Column:
    header: StrOrPromise
    width: float  # in Excel's units (about one half-width character; a kanji takes two)
    kind: Kind = "text"


@dataclass
class Table:
    """One sheet: its ``title`` (the sheet's name), its columns and its rows, given in
    chunks (lists of rows) so that progress can be reported between them. ``preface``
    rows (label, value) stand above the header; ``total`` is the number of rows, for the
    progress bar."""

    title: StrOrPromise
    columns: Sequence[Column]
    chunks: Iterable[Sequence[Sequence[Any]]]
    total: int
    preface: Sequence[Sequence[Any]] = field(default_factory=list)


def _tracker(tables: Sequence[Table], progress: Progress) -> Callable[[int], None]:
    total = sum(t.total for t in tables)
    done = 0

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        progress(done, total)

    return advance


# --- CSV --------------------------------------------------------------------------------


def _csv_value(value: Any, kind: str = "text") -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return cell_text(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m}" if kind == "month" else value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, bool | int | float | Decimal):
        return str(value)
    return cell_text(str(value))  # a "fewer than 5" marker, a lazy label


def write_csv(*, out: BinaryIO, tables: Sequence[Table], progress: Progress) -> None:
    """The tables to ``out`` as one CSV file (a title line above each when there are
    several)."""
    advance = _tracker(tables, progress)
    out.write("\ufeff".encode())
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    for number, table in enumerate(tables):
        if len(tables) > 1:
            if number:
                writer.writerow([])
            writer.writerow([_csv_value(str(table.title))])
        for line in table.preface:
            writer.writerow([_csv_value(v) for v in line])
        writer.writerow([_csv_value(str(c.header)) for c in table.columns])
        kinds = [c.kind for c in table.columns]
        for chunk in table.chunks:
            writer.writerows(
                [_csv_value(v, k) for v, k in zip(row, kinds, strict=True)] for row in chunk
            )
            advance(len(chunk))
    text.flush()
    text.detach()  # ``out`` stays open for its owner


# --- XLSX -------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """How many half-width characters ``text`` takes (a kanji or kana takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _sheet_title(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    name = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()[:31] or "Sheet"
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name[:28]} {n}"
        n += 1
    taken.add(candidate)
    return candidate


# Excel's number formats by column kind (see ``Kind``); "text" and "general" have none.
NUMBER_FORMATS: dict[str, str] = {
    "date": "yyyy/mm/dd",
    "month": 'yyyy"年"m"月"',
    "time": "h:mm",
    "datetime": "yyyy/mm/dd h:mm",
    "number": "#,##0",
    "percent": "0.0",
}
ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# Text stays text: nothing typed becomes a formula, a link or a number in the workbook.
WORKBOOK_OPTIONS = {
    "constant_memory": True,  # each row is written out as soon as the next one starts
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.date | datetime.time):
        return value
    # Text, a "fewer than 5" marker, a lazy label; without the control characters an XML
    # document cannot hold (looked for only in text that is not all printable).
    text = cell_text(str(value))
    return text if text.isprintable() else ILLEGAL.sub("", text)


class _Formats:
    """The workbook's cell formats, made once: bold headers, one per number format."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.bold = book.add_format({"bold": True})
        self.by_kind = {k: book.add_format({"num_format": f}) for k, f in NUMBER_FORMATS.items()}

    def of_value(self, value: Any) -> Any:
        """The format of a value in a row without columns (the preface): dates as dates."""
        if isinstance(value, datetime.datetime):
            return self.by_kind["datetime"]
        if isinstance(value, datetime.date):
            return self.by_kind["date"]
        return None


def _write_row(
    sheet: Any, row: int, values: Sequence[Any], formats: Sequence[Any], text_format: Any = None
) -> None:
    """A row of cells; text takes ``text_format`` (a number column's format is for
    numbers: a "fewer than 5" in it stays General)."""
    for col, (value, cell_format) in enumerate(zip(values, formats, strict=True)):
        value = _xlsx_value(value)
        if value is None:
            continue
        if isinstance(value, str):
            sheet.write_string(row, col, value, text_format)
        elif isinstance(value, datetime.date | datetime.time):
            sheet.write_datetime(row, col, value, cell_format)
        else:
            sheet.write_number(row, col, value, cell_format)


def write_xlsx(*, out: BinaryIO, tables: Sequence[Table], progress: Progress) -> None:
    """The tables to ``out`` as one workbook, a sheet each (XlsxWriter in constant-memory
    mode: a row is on disk once the next one starts)."""
    advance = _tracker(tables, progress)
    taken: set[str] = set()
    book = xlsxwriter.Workbook(out, WORKBOOK_OPTIONS)
    formats = _Formats(book)
    for table in tables:
        sheet = book.add_worksheet(_sheet_title(str(table.title), taken))
        for col, column in enumerate(table.columns):
            sheet.set_column(col, col, max(column.width, display_width(str(column.header)) + 2))
        row = 0
        for line in table.preface:
            _write_row(sheet, row, line, [formats.of_value(v) for v in line])
            row += 1
        headers = [str(c.header) for c in table.columns]
        _write_row(sheet, row, headers, [None] * len(headers), formats.bold)
        row += 1
        sheet.freeze_panes(row, 0)
        kinds = [formats.by_kind.get(c.kind) for c in table.columns]
        for chunk in table.chunks:
            for values in chunk:
                _write_row(sheet, row, values, kinds)
                row += 1
            advance(len(chunk))
    book.close()
