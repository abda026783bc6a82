"""Migration helpers shared by the apps.

``drop_covered_indexes`` removes the single-column index Django gives a foreign key (or a ``db_index``
field) when a composite index already leads with that column. Django's own ``AlterField`` would do it by
dropping and re-adding the foreign key — revalidating every row of a table that may hold millions of
ledger events, and on PostgreSQL also dropping partial unique indexes on the column (``assignment_one_lead``)
without re-creating them. This drops only the plain index, found by introspection, and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import migrations


def _plain_indexes(schema_editor: Any, model: Any, column: str) -> list[str]:
    """Names of the non-unique, single-column indexes on ``column`` that the model does not declare."""
    declared = {index.name for index in model._meta.indexes} | {c.name for c in model._meta.constraints}
    with schema_editor.connection.cursor() as cursor:
        found = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
    return sorted(
        name for name, info in found.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]
        and name not in declared
    )


def drop_covered_indexes(app_label: str, fields: Sequence[tuple[str, str]], state_operations: list[Any]) -> Any:
    """One operation: the state changes of ``state_operations`` (``AlterField(db_index=False)``), and in
    the database only the plain indexes of ``fields`` ((model, field) pairs) dropped — re-created on
    reverse."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        for model_name, field_name in fields:
            model = apps.get_model(app_label, model_name)
            column = model._meta.get_field(field_name).column
            for name in _plain_indexes(schema_editor, model, column):
                schema_editor.execute(schema_editor._delete_index_sql(model, name))

    def backwards(apps: Any, schema_editor: Any) -> None:
        for model_name, field_name in fields:
            model = apps.get_model(app_label, model_name)
            field = model._meta.get_field(field_name)
            if _plain_indexes(schema_editor, model, field.column):
                continue
            for statement in schema_editor._field_indexes_sql(model, field):
                schema_editor.execute(statement)

    return migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RunPython(forwards, backwards)],
        state_operations=state_operations,
    )
