"""Per-table fingerprints: each table's row count and checksum, computed the same way on
SQLite and PostgreSQL. Every table, rows ordered by primary key (text keys by their UTF-8
bytes), each row one line of compact JSON with each value in one spelling (times in UTC
with microseconds, JSON documents with sorted keys, UUIDs as 32 hex digits, decimals
without trailing zeros), one SHA-256 per table over its column names and rows. The same
rows therefore give the same checksum on both vendors."""

import datetime
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from decimal import Decimal
from typing import Any, TypedDict

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

FETCH_ROWS = 2000
# PostgreSQL writes its timestamps with time zone in _canonical's spelling itself, which
# spares parsing each one into a datetime (half the time on PostgreSQL).
TIMESTAMPTZ, TIMESTAMPTZ_OID = "timestamptz", 1184
UTC_TEXT = 'YYYY-MM-DD"T"HH24:MI:SS.US'


class Fingerprint(TypedDict):
    rows: int
    checksum: str


def _canonical_json(value: Any) -> str:
    if isinstance(value, str):
        value = json.loads(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _canonical_uuid(value: Any) -> str:
    return uuid.UUID(str(value)).hex


def _canonical_duration(value: Any) -> str:
    if isinstance(value, datetime.timedelta):
        return str(value // datetime.timedelta(microseconds=1))
    return str(int(value))


def _canonical(value: Any) -> Any:
    """One spelling of a value JSON has none for, whichever vendor returned it (strings,
    integers, booleans and None are written by JSON itself)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, bytes | bytearray | memoryview):
        return "x" + bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime.timedelta):
        return _canonical_duration(value)
    if isinstance(value, float | Decimal):
        return _canonical_number(value)
    return str(value)


def _canonical_number(value: Any) -> str:
    return format(Decimal(str(value)).normalize(), "f")


# A row is one line of compact JSON; values JSON cannot write go through _canonical.
_ROW_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_canonical)


_BY_FIELD_TYPE: dict[str, Callable[[Any], Any]] = {
    "JSONField": _canonical_json,
    "UUIDField": _canonical_uuid,
    "DurationField": _canonical_duration,
}


def _column_canonicals() -> dict[tuple[str, str], Callable[[Any], Any]]:
    """(table, column) → its canonical form, where the model field says more than the
    value's Python type (JSON stored as text, UUIDs as char(32), durations as integers)."""
    found: dict[tuple[str, str], Callable[[Any], Any]] = {}
    for model in apps.get_models(include_auto_created=True):
        for model_field in model._meta.concrete_fields:
            canonical = _BY_FIELD_TYPE.get(model_field.get_internal_type())
            if canonical is not None and model_field.column is not None:
                found[(model._meta.db_table, model_field.column)] = canonical
    return found


@contextmanager
def _read_snapshot(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """On PostgreSQL in autocommit, read every table from one snapshot."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    if not connection.get_autocommit():
        yield
        return
    connection.set_autocommit(False)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
    finally:
        connection.rollback()
        connection.set_autocommit(True)


def _order_by(connection: BaseDatabaseWrapper, keys: list[str], kinds: dict[str, str]) -> str:
    """Text keys in the order of their UTF-8 bytes on both vendors (SQLite's BINARY)."""
    quote = connection.ops.quote_name
    text = connection.vendor == "postgresql"
    return ", ".join(
        quote(k) + (' COLLATE "C"' if text and kinds[k] in ("CharField", "TextField") else "")
        for k in keys
    )


def _table_fingerprint(
    connection: BaseDatabaseWrapper,
    table: str,
    kinds: dict[str, str],
    keys: list[str],
    canonicals: dict[tuple[str, str], Callable[[Any], Any]],
) -> Fingerprint:
    quote = connection.ops.quote_name
    columns = sorted(kinds)
    special: list[tuple[int, Callable[[Any], Any]]] = []
    for i, column in enumerate(columns):
        if kinds[column] in ("DecimalField", "FloatField"):
            # Decimal from PostgreSQL, int or float from SQLite: one spelling.
            special.append((i, _canonical_number))
        elif (table, column) in canonicals:
            special.append((i, canonicals[(table, column)]))
    digest = hashlib.sha256(_ROW_ENCODER.encode(columns).encode() + b"\n")
    rows = 0
    selected = [
        f"to_char({quote(c)} AT TIME ZONE 'UTC', '{UTC_TEXT}')"
        if kinds[c] == TIMESTAMPTZ
        else quote(c)
        for c in columns
    ]
    # Table and column names come from introspection and are quoted.
    sql = (
        f"SELECT {', '.join(selected)} FROM {quote(table)} "
        f"ORDER BY {_order_by(connection, keys, kinds)}"
    )
    with closing(connection.chunked_cursor()) as cursor:
        cursor.execute(sql)
        while batch := cursor.fetchmany(FETCH_ROWS):
            lines = []
            for row in batch:
                if special:
                    row = list(row)
                    for i, canonical in special:
                        if row[i] is not None:
                            row[i] = canonical(row[i])
                lines.append(_ROW_ENCODER.encode(row))
            lines.append("")
            digest.update("\n".join(lines).encode())
            rows += len(batch)
    return {"rows": rows, "checksum": digest.hexdigest()}


def table_fingerprints(*, connection: BaseDatabaseWrapper) -> dict[str, Fingerprint]:
    """Every table's row count and checksum (see the module's docstring)."""
    canonicals = _column_canonicals()
    introspection = connection.introspection
    with _read_snapshot(connection):
        layouts = []
        with connection.cursor() as cursor:
            for table in sorted(introspection.table_names(cursor)):
                description = introspection.get_table_description(cursor, table)
                kinds = {
                    c.name: TIMESTAMPTZ
                    if connection.vendor == "postgresql" and c.type_code == TIMESTAMPTZ_OID
                    else introspection.get_field_type(c.type_code, c)
                    for c in description
                }
                keys = introspection.get_primary_key_columns(cursor, table) or sorted(kinds)
                layouts.append((table, kinds, keys))
        return {
            table: _table_fingerprint(connection, table, kinds, keys, canonicals)
            for table, kinds, keys in layouts
        }


def compare_fingerprints(
    *, expected: dict[str, Fingerprint], actual: dict[str, Fingerprint]
) -> list[str]:
    """One line per table that is missing, extra or different; empty when all match."""
    differences = []
    for table in sorted(expected.keys() | actual.keys()):
        want, got = expected.get(table), actual.get(table)
        if want is None:
            differences.append(f"{table}: not in the archive ({got and got['rows']} rows)")
        elif got is None:
            differences.append(f"{table}: missing ({want['rows']} rows in the archive)")
        elif want != got:
            differences.append(
                f"{table}: {got['rows']} rows, checksum {got['checksum'][:12]}; the archive "
                f"has {want['rows']} rows, checksum {want['checksum'][:12]}"
            )
    return differences
