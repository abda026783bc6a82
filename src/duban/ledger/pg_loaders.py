"""PostgreSQL: timestamps read by psycopg's compiled loader instead of Django's Python one.

Decision — Django 5.2 registers its own ``timestamptz`` loader on every psycopg 3 connection: psycopg's
pure-Python ``TimestamptzLoader`` followed by ``replace(tzinfo=…)``. With the compiled psycopg that duban
installs (``psycopg[binary]``) this makes each timestamp read a Python parse, about 4.5 µs, ten times the
compiled loader: on the batch path (two timestamps per locked item, more per assignment) it was a tenth
of the client's CPU, and every list page and export pays it per row.

When the connection's zone is UTC — whenever ``USE_TZ`` is on and the database entry sets no
``TIME_ZONE``, Django then sets the session to UTC — the compiled loader already returns exactly what
Django's does: psycopg maps the session zone ``UTC`` to ``datetime.timezone.utc``, the very object
Django puts in. So on such a connection the compiled loader is registered back, behind a small class
that carries the ``timezone`` attribute Django's ``create_cursor`` compares (it re-registers its own
loader on a cursor when they differ) and whose constructor hands out the compiled loader itself, so
psycopg's compiled row maker keeps its fast path. Any other set-up (another zone, psycopg without its
compiled part) keeps Django's loader. A session whose zone is changed by raw SQL afterwards would get
aware values in that zone (the same instants); duban never does that.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.backends.signals import connection_created

TIMESTAMPTZ = "timestamptz"


def compiled_loader() -> Any | None:
    """psycopg's compiled text loader for ``timestamptz``, or None without the compiled part."""
    import psycopg

    if psycopg.pq.__impl__ not in ("binary", "c"):
        return None
    loader = psycopg.adapters.get_loader(psycopg.postgres.types[TIMESTAMPTZ].oid, psycopg.pq.Format.TEXT)
    if loader is None or loader.__module__.startswith("psycopg."):  # the pure-Python one
        return None
    return loader


class UtcTimestamptzLoader:
    """Registered as a loader class; constructing it gives the compiled loader (see the module doc)."""

    timezone = dt.UTC  # what django.db.backends.postgresql.base.DatabaseWrapper.create_cursor compares
    compiled: Any = None
    format: Any = None  # psycopg's Format.TEXT, set with ``compiled``

    def __new__(cls, oid: int, context: Any = None) -> Any:
        return cls.compiled(oid, context)


def use_compiled_loader(sender: Any, connection: Any, **kwargs: Any) -> bool:
    """``connection_created`` receiver: put the compiled loader on a UTC connection. Returns whether it did."""
    if connection.vendor != "postgresql" or connection.timezone is not dt.UTC:
        return False
    compiled = compiled_loader()
    raw = connection.connection
    if compiled is None or raw.info.parameter_status("TimeZone") != "UTC":
        return False
    UtcTimestamptzLoader.compiled, UtcTimestamptzLoader.format = compiled, compiled.format
    raw.adapters.register_loader(TIMESTAMPTZ, UtcTimestamptzLoader)
    return True


def connect() -> None:
    connection_created.connect(use_compiled_loader, dispatch_uid="duban.ledger.pg_loaders")
