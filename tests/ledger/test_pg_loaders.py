"""On PostgreSQL timestamps are read by psycopg's compiled loader (duban.ledger.pg_loaders): the values
are exactly those of Django's own loader — the same instants, the same ``tzinfo`` object."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from duban.items.models import Item
from duban.ledger import pg_loaders
from tests.factories import District, at

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg loaders: PostgreSQL only"),
]

LITERALS = [
    "2026-03-02 09:00:00+08", "2026-03-02 01:00:00.123456+00", "1999-12-31 23:59:59.999999-05:30",
    "0001-01-01 00:00:00+00", "2026-11-01 05:30:00+00", "9999-12-31 23:59:59.5+00", None,
]


def _read(literals: list[str | None]) -> list[dt.datetime | None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT v::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n",
                       [literals])
        return [row[0] for row in cursor.fetchall()]


def test_the_compiled_loader_is_on_the_connection_and_reads_what_djangos_loader_reads() -> None:
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    connection.ensure_connection()
    raw = connection.connection
    assert raw.adapters.get_loader(1184, 0) is pg_loaders.UtcTimestamptzLoader  # timestamptz, text
    with connection.cursor() as cursor:  # the row maker really holds the compiled loader
        assert type(cursor.cursor.adapters.get_loader(1184, 0)(1184, None)).__module__.startswith("psycopg_")
    fast = _read(LITERALS)
    register_tzloader(connection.timezone, raw)  # Django's own loader back on this connection
    try:
        assert raw.adapters.get_loader(1184, 0) is not pg_loaders.UtcTimestamptzLoader
        slow = _read(LITERALS)
    finally:
        raw.adapters.register_loader("timestamptz", pg_loaders.UtcTimestamptzLoader)
    assert fast == slow
    assert [v.tzinfo for v in fast if v] == [v.tzinfo for v in slow if v] == [dt.UTC] * (len(LITERALS) - 1)
    assert fast[0] == dt.datetime(2026, 3, 2, 1, tzinfo=dt.UTC) and fast[-1] is None


def test_model_timestamps_come_back_aware_in_utc(district: District) -> None:
    from duban.items import batch
    from duban.items.services import Registration

    now = at("2026-03-02", 9)
    pk = batch.register_many(actor=district.alice, rows=[Registration(
        title="t", content="c", source="other", level="generally")], now=now).done[0]
    item = Item.objects.get(pk=pk)
    assert item.registered_at == now and item.registered_at.tzinfo is dt.UTC


def test_a_connection_in_another_zone_keeps_djangos_loader() -> None:
    class Elsewhere:
        vendor = "postgresql"
        timezone = dt.timezone(dt.timedelta(hours=8))

    assert pg_loaders.use_compiled_loader(None, Elsewhere()) is False
