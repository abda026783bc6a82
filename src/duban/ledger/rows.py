"""Model rows written and read in bulk without the ORM's per-object overhead.

The ledger's appends and the item services (per item and in batches, ``duban.items.services``) write
thousands of rows a second; Django's per-object machinery (``Model.__init__``, the compiler's
per-field preparation) was most of their cost (bench/lifecycle). These three helpers do the same
work with less Python:

- ``instances(model, names, rows)``: the instances ``Model.from_db`` would give for rows, built
  without ``Model.__init__`` — the values go straight into each instance's ``__dict__`` (a field not
  named is deferred, as with ``QuerySet.only``: loaded on first access). When ``pre_init`` /
  ``post_init`` have receivers for the model, ``from_db`` itself is used.
- ``new(model, **values)``: ``model(**values)`` for a new row, the same way (see its docstring).
- ``insert(model, objs)``: insert new instances and give them their ids. On PostgreSQL one row is one
  ``INSERT … RETURNING``; more rows take ids from the table's sequence (one query) and stream in with
  one ``COPY``. Elsewhere ``save`` / ``bulk_create``. Values are prepared as ``Field.get_db_prep_save``
  prepares them (values of the types that pass through it unchanged skip the call). Models with other
  field types, instances that already have a pk, and a single row whose model has ``pre_save`` /
  ``post_save`` receivers go through ``save`` / ``bulk_create`` unchanged.
- ``update(model, pks, values, bump=None)``: one ``UPDATE … WHERE pk = ANY(…)`` setting ``values``
  (field names or attnames; model instances stand for their pk) and incrementing the integer column
  ``bump`` — what ``QuerySet.update(**values, bump=F(bump) + 1)`` sends, without compiling a query.
- ``Script``: statements sent together — one multi-statement round trip on PostgreSQL with
  client-side binding — and ``insert_statement`` to queue an ``INSERT … RETURNING`` in one.
- ``raw_reads(model, names)``: whether a raw SELECT of those columns returns what ``values_list``
  would (PostgreSQL, no converters), so a caller may write the SELECT itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, post_save, pre_init, pre_save

M = TypeVar("M", bound=models.Model)

# Field classes whose ``get_db_prep_save`` returns a value of these types unchanged on PostgreSQL (exact
# classes: a subclass may prepare its values differently, so it always gets the call).
_KINDS: dict[type[Any], str] = {
    models.CharField: "str", models.TextField: "str", models.BooleanField: "bool",
    models.IntegerField: "int", models.BigIntegerField: "int", models.SmallIntegerField: "int",
    models.PositiveIntegerField: "int", models.PositiveSmallIntegerField: "int",
    models.PositiveBigIntegerField: "int", models.AutoField: "int", models.BigAutoField: "int",
    models.SmallAutoField: "int", models.DateTimeField: "datetime", models.DateField: "date",
}


def _init_signals(model: type[models.Model]) -> bool:
    return pre_init.has_listeners(model) or post_init.has_listeners(model)


def instances(model: type[M], names: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[M]:
    """The saved instances for rows of values (``names`` are attnames; see the module docstring)."""
    if _init_signals(model):
        return [model.from_db(DEFAULT_DB_ALIAS, list(names), list(values)) for values in rows]
    new = model.__new__
    result = []
    for values in rows:
        obj = new(model)
        attrs = obj.__dict__
        attrs.update(zip(names, values, strict=True))
        state = attrs["_state"] = ModelState()
        state.adding = False
        state.db = DEFAULT_DB_ALIAS
        result.append(obj)
    return result


@dataclass(frozen=True)
class _InitPlan:
    """What ``Model.__init__`` does with keyword arguments, per model: the attnames, the foreign keys
    given by name (attname, the related model, the target field's attname), the constant defaults
    (shared objects, as the constructor shares them) and the fields whose default is computed."""

    attnames: frozenset[str]
    foreign: dict[str, tuple[str, type[models.Model], str]]
    constant: dict[str, Any]
    computed: tuple[tuple[str, str, Any], ...]  # (name, attname, field)


@cache
def _init_plan(model: type[models.Model]) -> _InitPlan:
    foreign, constant, computed = {}, {}, []
    for f in model._meta.concrete_fields:
        if isinstance(f, models.ForeignKey):
            foreign[f.name] = (f.attname, f.remote_field.model._meta.concrete_model, f.target_field.attname)
        if f.has_default() and callable(f.default):
            computed.append((f.name, f.attname, f))
        else:
            constant[f.attname] = f.get_default()
    return _InitPlan(frozenset(f.attname for f in model._meta.concrete_fields), foreign, constant, tuple(computed))


def new(model: type[M], **values: Any) -> M:
    """``model(**values)`` for a new row, built without ``Model.__init__``: the same attributes, the
    defaults of the fields not given, foreign keys given as instances cached as the constructor caches
    them. Anything the shortcut does not cover (properties, unknown names, a related object of the
    wrong type or database, init signals, database routers) goes to the constructor itself."""
    if _init_signals(model) or settings.DATABASE_ROUTERS:
        return model(**values)
    plan = _init_plan(model)
    obj = model.__new__(model)
    attrs = obj.__dict__
    state = attrs["_state"] = ModelState()
    attrs.update(plan.constant)
    cached: dict[str, Any] = {}
    for key, value in values.items():
        if key in plan.foreign:
            attname, related, target_attname = plan.foreign[key]
            if attname in values:
                return model(**values)  # given twice: the constructor decides
            if value is None:
                attrs[attname] = cached[key] = None  # the constructor caches "no related object" too
                continue
            if not isinstance(value, related) or value._state.db not in (None, DEFAULT_DB_ALIAS):
                return model(**values)  # the constructor decides (and raises the error)
            attrs[attname] = getattr(value, target_attname)
            cached[key] = value
            state.db = DEFAULT_DB_ALIAS
            if value._state.db is None:
                value._state.db = DEFAULT_DB_ALIAS
        elif key in plan.attnames:
            attrs[key] = value
        else:
            return model(**values)
    for name, attname, field in plan.computed:
        if name not in values and attname not in values:
            attrs[attname] = field.get_default()
    if cached:
        state.fields_cache = cached
    return obj


@cache
def _kind(field: models.Field[Any, Any]) -> str | None:
    """The type of value ``field`` passes through ``get_db_prep_save`` unchanged, or None (always call it)."""
    if type(field) is models.ForeignKey:
        return "int" if _KINDS.get(type(field.target_field)) == "int" else None
    kind = _KINDS.get(type(field))
    if kind in ("datetime", "date") and (field.auto_now or field.auto_now_add):  # type: ignore[attr-defined]
        return None
    return kind


def _prep(field: models.Field[Any, Any], kind: str | None, value: Any, postgresql: bool) -> Any:
    """``field.get_db_prep_save(value)``; on PostgreSQL, values it would return unchanged skip the call."""
    if value is None:
        return None
    if postgresql:
        if kind == "str":
            if isinstance(value, str):
                return value
        elif kind == "int":
            if type(value) is int:
                return value
        elif kind == "datetime":
            if type(value) is dt.datetime and value.tzinfo is not None:
                return value
        elif kind == "bool":
            if type(value) is bool:
                return value
        elif kind == "date" and type(value) is dt.date:
            return value
    if isinstance(value, models.Model) and field.remote_field:
        value = value.prepare_database_save(field)
    return field.get_db_prep_save(value, connection)


@cache
def _insertable(model: type[models.Model]) -> tuple[tuple[models.Field[Any, Any], str | None], ...] | None:
    """The model's columns with their kinds, or None when the fast insert does not apply."""
    pk = model._meta.pk
    if not isinstance(pk, models.AutoField):
        return None
    fields = tuple((f, _kind(f)) for f in model._meta.concrete_fields if not f.primary_key)
    if any(kind is None for _, kind in fields):
        return None
    return fields


_SEQUENCES: dict[tuple[str, str], str] = {}


def sequence(table: str, column: str) -> str:
    """PostgreSQL: the name of the sequence behind ``table.column`` (looked up once per database)."""
    key = (connection.settings_dict["NAME"], table)
    if key not in _SEQUENCES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [connection.ops.quote_name(table), column])
            row = cursor.fetchone()
        if row is None or row[0] is None:
            raise LookupError(f"no sequence for {table}.{column}")
        _SEQUENCES[key] = row[0]
    return _SEQUENCES[key]


def _saved(obj: models.Model, pk: int) -> None:
    obj.__dict__[obj._meta.pk.attname] = pk
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS


def insert(model: type[M], objs: Sequence[M]) -> None:
    """Insert new instances of ``model`` and set their pks (see the module docstring)."""
    if not objs:
        return
    fields = _insertable(model) if connection.vendor == "postgresql" else None
    single_with_signals = len(objs) == 1 and (pre_save.has_listeners(model) or post_save.has_listeners(model))
    if fields is None or single_with_signals or any(o.pk is not None for o in objs):
        if len(objs) == 1:
            objs[0].save(force_insert=True)
        else:
            model._default_manager.bulk_create(objs, batch_size=500)
        return
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(f.column) for f, _ in fields)
    values = [[_prep(f, kind, getattr(o, f.attname), True) for f, kind in fields] for o in objs]
    with connection.cursor() as cursor:
        if len(objs) == 1:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
                f"RETURNING {quote(meta.pk.column)}",
                values[0],
            )
            row = cursor.fetchone()
            assert row is not None
            _saved(objs[0], row[0])
            return
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)",
                       [sequence(meta.db_table, meta.pk.column), len(objs)])
        ids = sorted(r[0] for r in cursor.fetchall())
        with cursor.cursor.copy(f"COPY {table} ({quote(meta.pk.column)}, {columns}) FROM STDIN") as copy:
            for pk, row_values in zip(ids, values, strict=True):
                copy.write_row([pk, *row_values])
    for obj, pk in zip(objs, ids, strict=True):
        _saved(obj, pk)


def update(model: type[models.Model], pks: Sequence[Any], values: Mapping[str, Any], *, bump: str | None = None,
           script: Script | Pipeline | None = None) -> None:
    """``UPDATE model SET values…[, bump = bump + 1] WHERE pk IN pks`` (see the module docstring); queued
    in ``script`` when one is given."""
    if not pks:
        return
    meta = model._meta
    if any(hasattr(v, "resolve_expression") for v in values.values()):
        if script is not None:
            script.run()  # keep the order of the statements
        extra = {bump: models.F(bump) + 1} if bump else {}
        model._default_manager.filter(pk__in=pks).update(**values, **extra)
        return
    quote = connection.ops.quote_name
    postgresql = connection.vendor == "postgresql"
    sets, params = [], []
    for name, value in values.items():
        field = meta.get_field(name)
        assert isinstance(field, models.Field) and field.concrete
        sets.append(f"{quote(field.column)} = %s")
        params.append(_prep(field, _kind(field), value, postgresql))
    if bump:
        column = quote(meta.get_field(bump).column)  # type: ignore[union-attr]
        sets.append(f"{column} = {column} + 1")
    where, keys = (("= ANY(%s)", [list(pks)]) if postgresql  # one array parameter, however many rows
                   else (f"IN ({', '.join(['%s'] * len(pks))})", list(pks)))
    sql = f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} WHERE {quote(meta.pk.column)} {where}"
    if script is not None:
        script.add(sql, [*params, *keys])
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *keys])


class Script:
    """Statements sent to the database together, their results read per statement.

    On PostgreSQL with client-side parameter binding (psycopg 3's ``ClientCursor``, Django's default)
    the statements go as one multi-statement query: one round trip, run in order inside the current
    transaction, the first error aborting the rest (and the transaction) as it would have done one by
    one. Elsewhere each statement is executed on its own. ``run`` returns one list of rows per
    statement (empty for statements without a result)."""

    def __init__(self) -> None:
        self._statements: list[tuple[str, list[Any]]] = []

    @staticmethod
    def one_round_trip() -> bool:
        """Whether ``run`` sends everything at once here (per-item services use ``Script`` only then)."""
        if connection.vendor != "postgresql":
            return False
        import psycopg

        connection.ensure_connection()
        return connection.connection.cursor_factory is not None and issubclass(
            connection.connection.cursor_factory, psycopg.ClientCursor)

    def add(self, sql: str, params: Sequence[Any]) -> int:
        """Queue a statement; its position in ``run``'s result."""
        self._statements.append((sql, list(params)))
        return len(self._statements) - 1

    def __len__(self) -> int:
        return len(self._statements)

    def run(self) -> list[list[tuple[Any, ...]]]:
        statements, self._statements = self._statements, []
        if not statements:
            return []
        results: list[list[tuple[Any, ...]]] = []
        with connection.cursor() as cursor:
            if len(statements) > 1 and self.one_round_trip():
                cursor.execute("; ".join(sql for sql, _ in statements), [p for _, params in statements for p in params])
                for position in range(len(statements)):
                    if position:
                        cursor.nextset()
                    results.append(cursor.fetchall() if cursor.description else [])
                return results
            for sql, params in statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall() if cursor.description else [])
        return results


def insert_statement(model: type[M], objs: Sequence[M], script: Script) -> Any:
    """Queue ``INSERT … RETURNING pk`` of new instances in ``script`` (PostgreSQL, insertable models).
    Returns a function to call with ``script.run()``'s result that sets the pks, or None when the rows
    must go through ``insert`` instead."""
    fields = _insertable(model) if connection.vendor == "postgresql" else None
    if (not objs or fields is None or any(o.pk is not None for o in objs)
            or (len(objs) == 1 and (pre_save.has_listeners(model) or post_save.has_listeners(model)))):
        return None
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f, _ in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    position = script.add(
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * len(objs))} "
        f"RETURNING {quote(meta.pk.column)}",
        [_prep(f, kind, getattr(o, f.attname), True) for o in objs for f, kind in fields],
    )

    def finish(results: list[list[tuple[Any, ...]]]) -> None:
        for obj, (pk,) in zip(objs, results[position], strict=True):  # RETURNING follows VALUES order
            _saved(obj, pk)

    return finish


@cache
def _plain_columns(model: type[models.Model], names: tuple[str, ...]) -> bool:
    """Whether rows of these columns come back from the driver already as ``values_list`` gives them
    (PostgreSQL, no converters: then a raw SELECT reads the same values without the ORM)."""
    if connection.vendor != "postgresql":
        return False
    table = model._meta.db_table
    for name in names:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        if field.get_db_converters(connection) or connection.ops.get_db_converters(field.get_col(table)):
            return False
    return True


def raw_reads(model: type[models.Model], names: Sequence[str]) -> bool:
    """``_plain_columns`` for attnames (see there)."""
    return _plain_columns(model, tuple(names))


class Pipeline:
    """Statements sent to the database without waiting for them, while the caller goes on computing.

    Decision — the batch path's UPDATEs (a chunk's items and assignments: the server's longest work
    of an action, a non-HOT update of every row and its indexes) used to run while the client waited,
    and the client's longest work (the chunk's ledger links) ran while the server waited. Inside
    ``with Pipeline() as pipeline`` on PostgreSQL, ``pipeline.add(sql, params)`` hands the statement
    to psycopg's pipeline mode, which sends it at once and returns; leaving the block waits for the
    results and raises the first error (as Django's error, like any query). The statements run in the
    order given, in the caller's transaction, exactly as they would have one by one; only the client
    does not wait for each. Elsewhere (SQLite, no psycopg pipeline support) each statement simply runs
    when added. Statements whose results are needed do not belong here: ``add`` returns nothing.
    ``run`` (called by ``update`` before it falls back to the ORM) waits for what was sent and leaves
    pipeline mode, so the ORM's statement runs as usual."""

    def __init__(self) -> None:
        self._pipeline: Any = None
        self._cursor: Any = None
        self.sent = 0

    def __enter__(self) -> Pipeline:
        if connection.vendor == "postgresql":
            import psycopg

            connection.ensure_connection()
            raw = connection.connection
            if psycopg.Pipeline.is_supported():
                with connection.wrap_database_errors:
                    self._pipeline = raw.pipeline()
                    self._pipeline.__enter__()
                self._cursor = raw.cursor()
        return self

    def add(self, sql: str, params: Sequence[Any]) -> None:
        self.sent += 1
        if self._cursor is None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
            return
        with connection.wrap_database_errors:
            self._cursor.execute(sql, params)

    def run(self) -> None:
        """Wait for everything sent and leave pipeline mode (statements added later run directly)."""
        self._close(None, None, None)

    def _close(self, exc_type: Any, exc: Any, tb: Any) -> None:
        pipeline, self._pipeline = self._pipeline, None
        cursor, self._cursor = self._cursor, None
        if pipeline is None:
            return
        try:
            with connection.wrap_database_errors:
                pipeline.__exit__(exc_type, exc, tb)
        finally:
            cursor.close()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._close(exc_type, exc, tb)
