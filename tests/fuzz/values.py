"""What the fuzz suite types into a field: values a browser could send, and the ones an
outside tester sends (full- and half-width text, 𠮷, emoji, NUL bytes, 10,000 characters,
Unicode digits, huge integers, dates at the edges, values of another field's type)."""

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st

from tests.fuzz.pages import Field

UNICODE_DIGITS = ["²", "①", "٣", "१२", "๕", "𝟙", "１２", "⁹", "¹⁰", "Ⅻ", "½"]
HUGE_INTEGERS = [
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    "99999999999999999999",
    "-99999999999999999999",
    "1" * 400,
    "-0",
    "+1",
    " 1 ",
    "1e309",
    "NaN",
    "Infinity",
    "0x10",
    "1_000",
]
EDGE_DATES = [
    "0001-01-01",
    "0001-01-02",
    "1899-12-31",
    "1970-01-01",
    "9999-12-31",
    "9999-12-30",
    "10000-01-01",
    "0000-00-00",
    "2025-02-30",
    "2024-02-29",
    "２０２５-０１-０１",
    "2025/01/01",
    "01/02/2025",
    "0001-01-01 00:00",
    "9999-12-31 23:59",
    "0001-01-01T00:00",
    "9999-12-31T23:59:59",
    "24:00",
    "23:59:60",
    "00:00",
    "-1:00",
]
NASTY_TEXT = [
    "",
    " ",
    "\u3000",
    "𠮷野家",
    "ｱｲｳｴｵ",
    "ＡＢＣ",
    "髙﨑",
    "😀👨‍👩‍👧‍👦🏳️‍🌈",
    "\x00",
    "a\x00b",
    "\ufeff",
    "\u202ereversed",
    "e\u0301",
    "x" * 10_000,
    "𠮷" * 5_000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{ request }}",
    "%(name)s",
    "\r\n\r\n",
    "a@b",
    "ＡＢＣ@ｅｘａｍｐｌｅ．ｃｏｍ",
    "user@example.com.",
    "javascript:alert(1)",
    "http://",
    "https://例え.テスト/パス",
    "on",
    "true",
    "None",
    "[]",
    "{}",
]
EVERYTHING_ODD = UNICODE_DIGITS + HUGE_INTEGERS + EDGE_DATES + NASTY_TEXT

# Any text a browser could encode (lone surrogates cannot be sent as UTF-8).
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
odd = st.sampled_from(EVERYTHING_ODD)


def _dates() -> st.SearchStrategy[str]:
    return st.one_of(
        st.dates().map(datetime.date.isoformat),
        st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31)).map(
            datetime.date.isoformat
        ),
    )


def _times() -> st.SearchStrategy[str]:
    return st.times().map(lambda t: t.strftime("%H:%M"))


def _datetimes() -> st.SearchStrategy[str]:
    return st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))


def _integers() -> st.SearchStrategy[str]:
    return st.one_of(st.integers(-10, 1000), st.integers(-(2**70), 2**70)).map(str)


def typed(field: Field) -> st.SearchStrategy[str]:
    """A value of the field's own kind (which may still be out of range)."""
    if field.options:
        return st.sampled_from(field.options)
    if field.kind == "date":
        return _dates()
    if field.kind == "time":
        return _times()
    if field.kind == "datetime-local":
        return _datetimes()
    if field.kind == "number":
        return _integers()
    if field.kind == "email":
        return st.emails().map(str)
    if field.kind == "url":
        return st.sampled_from(["https://example.com/room", "http://例え.テスト/", "ftp://x"])
    return _text


def mutated(field: Field) -> st.SearchStrategy[list[Any]]:
    """What a tampered field sends: an odd value (Unicode digits, huge integers, edge
    dates, NUL, 10,000 characters, …) or any text, a value of its own kind, nothing at all
    (a missing field), the field twice (a duplicated field) or a file upload."""
    one = st.one_of(odd, odd, typed(field), _text)
    return st.one_of(
        one.map(lambda v: [v]),
        one.map(lambda v: [v]),
        st.just([]),
        st.lists(one, min_size=2, max_size=3),
        st.builds(_upload).map(lambda f: [f]),  # a file where text was expected
    )


def _upload() -> Any:
    return SimpleUploadedFile("x.bin", b"\x00\xff\xfe binary", content_type="application/pdf")


def form_data(
    fields: list[Field], defaults: dict[str, list[str]]
) -> st.SearchStrategy[dict[str, list[str]]]:
    """A whole submission: what the page filled in (or, where it left a field empty, a
    value of the field's kind, so that the rest of the form can pass and the tampered
    fields reach the service), with up to three fields tampered; sometimes a field the
    form does not have comes along."""
    names = [f.name for f in fields]
    base = st.fixed_dictionaries({f.name: _untampered(f, defaults.get(f.name, [])) for f in fields})
    tampered = (
        st.sets(st.sampled_from(names), max_size=min(3, len(names))).flatmap(
            lambda chosen: st.fixed_dictionaries({n: mutated(_by_name(fields, n)) for n in chosen})
        )
        if names
        else st.just({})
    )
    extra = st.dictionaries(
        st.sampled_from(["pk", "id", "action", "next", "page", "q"]),
        odd.map(lambda v: [v]),
        max_size=1,
    )
    return st.tuples(extra, base, tampered).map(lambda t: {**t[0], **t[1], **t[2]})


def _untampered(field: Field, default: list[str]) -> st.SearchStrategy[list[str]]:
    if field.kind == "submit":  # which button was pressed, if any
        return st.one_of(st.just([]), st.sampled_from(field.options).map(lambda v: [v]))
    if any(default):
        return st.just(default)
    return typed(field).map(lambda v: [v])


def _by_name(fields: list[Field], name: str) -> Field:
    return next(f for f in fields if f.name == name)
