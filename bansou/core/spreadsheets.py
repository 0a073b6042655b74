"""Text that goes into a spreadsheet cell (CSV or XLSX) or comes out of one.

A cell whose text starts with = + - @ (or a tab or carriage return, which some
spreadsheets skip before looking) is run as a formula when the file is opened: CSV or
formula injection (``=HYPERLINK(...)``, ``=cmd|...``). Every export writes its text through
``cell_text``, which keeps such text as text behind an apostrophe, the mark spreadsheets
themselves use for "this is text"; every import flags it (``starts_like_formula``)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula."""
    return text.startswith(FORMULA_STARTS)


def cell_text(text: str) -> str:
    """``text`` as a cell shows it and never runs it: an apostrophe before a formula start."""
    return "'" + text if starts_like_formula(text) else text
