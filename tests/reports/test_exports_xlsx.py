"""The table writers (XLSX through XlsxWriter's constant-memory mode, and CSV):
what openpyxl and LibreOffice read back from the files it makes."""

import datetime
import io
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from bansou.core.spreadsheets import cell_text, starts_like_formula
from bansou.reports.selectors.suppression import FewerThan
from bansou.reports.services.spreadsheets import Column, Table, write_csv, write_xlsx


def _table(rows, **extra):
    columns = [
        Column("日付", 12, "date"),
        Column("時刻", 7, "time"),
        Column("日時", 16, "datetime"),
        Column("回答", 30),
        Column("件数", 8, "number"),
        Column("率", 8, "percent"),
    ]
    return Table(title="回答", columns=columns, chunks=[rows], total=len(rows), **extra)


ROW = [
    datetime.date(2025, 4, 1),
    datetime.time(13, 30),
    datetime.datetime(2026, 3, 31, 23, 59),
    "=1+1",
    1234,
    28.6,
]


def _book(tables, progress=None):
    out = io.BytesIO()
    write_xlsx(out=out, tables=tables, progress=progress or (lambda done, total: None))
    return out.getvalue()


def test_cells_come_back_as_real_dates_numbers_and_escaped_text():
    content = _book([_table([ROW, [None, None, None, "ok\x01\x1f <&> ", FewerThan(5), None]])])
    sheet = load_workbook(io.BytesIO(content))["回答"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["日付", "時刻", "日時", "回答", "件数", "率"]
    assert all(c.font.b for c in sheet[1])
    date, time, moment, text, count, rate = sheet[2]
    assert date.is_date and date.value == datetime.datetime(2025, 4, 1)
    assert date.number_format == "yyyy/mm/dd"
    assert time.value == datetime.time(13, 30) and time.number_format == "h:mm"
    assert moment.value == datetime.datetime(2026, 3, 31, 23, 59)
    assert moment.number_format == "yyyy/mm/dd h:mm"
    assert text.data_type == "s" and text.value == "'=1+1"  # never a formula
    assert count.value == 1234 and count.number_format == "#,##0"
    assert rate.value == 28.6 and rate.number_format == "0.0"
    second = sheet[3]
    assert second[0].value is None
    assert second[3].value == "ok <&> "  # control characters dropped, spaces kept
    assert second[4].value == str(FewerThan(5)) and second[4].number_format == "General"
    # XlsxWriter stores a width with Excel's cell padding (about 0.7 of a character).
    assert 12 <= sheet.column_dimensions["A"].width < 13
    assert 30 <= sheet.column_dimensions["D"].width < 31


def test_one_sheet_per_table_with_unique_names_a_preface_and_the_freeze_below_it():
    preface = [["団体", "テスト"], ["期間", "2025/04/01 – 2026/03/31"], []]
    content = _book([_table([ROW], preface=preface), _table([ROW]), _table([])])
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["回答", "回答 2", "回答 3"]
    first = book["回答"]
    assert first.freeze_panes == "A5"
    assert [c.value for c in first[4]][:2] == ["日付", "時刻"]
    assert first["B1"].value == "テスト"
    assert book["回答 3"].max_row == 1  # the header only


def test_progress_counts_every_table_row():
    seen = []
    _book(
        [_table([ROW, ROW]), _table([ROW])], progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(2, 3), (3, 3)]


def test_a_headers_width_is_kept_when_the_column_is_narrower():
    table = Table(title="t", columns=[Column("とても長い見出しの列", 4)], chunks=[[["x"]]], total=1)
    sheet = load_workbook(io.BytesIO(_book([table])))["t"]
    assert 22 <= sheet.column_dimensions["A"].width < 23  # ten kanji and a margin


def test_csv_has_the_bom_the_same_escaping_and_a_title_per_table_when_several():
    out = io.BytesIO()
    write_csv(out=out, tables=[_table([ROW]), _table([ROW])], progress=lambda d, t: None)
    text = out.getvalue().decode("utf-8")
    assert text.startswith("\ufeff回答\r\n日付,")
    assert "2025-04-01,13:30,2026-03-31 23:59,'=1+1,1234,28.6" in text
    assert text.count("\r\n\r\n回答\r\n") == 1


@pytest.mark.parametrize(
    ("text", "shown"),
    [("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx")],
)
def test_cell_text_keeps_formula_starts_as_text(text, shown):
    assert starts_like_formula(text) and cell_text(text) == shown


def test_cell_text_leaves_ordinary_text():
    assert cell_text("自己理解、進路") == "自己理解、進路" and cell_text("") == ""


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_workbook(tmp_path: Path):
    path = tmp_path / "kpis.xlsx"
    path.write_bytes(_book([_table([ROW]), _table([ROW])]))
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    document = pdfium.PdfDocument((tmp_path / "kpis.pdf").read_bytes())
    text = "".join(page.get_textpage().get_text_bounded() for page in document)
    assert "日付" in text and "2025/04/01" in text and "'=1+1" in text and "1,234" in text
