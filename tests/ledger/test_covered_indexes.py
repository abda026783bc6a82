"""items 0005 / ledger 0003 drop the single-column indexes that composite indexes already cover — and
nothing else: the foreign keys, the unique and partial constraints stay; backwards puts the indexes back."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from duban.items import services
from duban.items.models import Assignment
from tests.factories import make_district

COVERED = {
    "ledger_event": {"item_id", "jurisdiction_id", "kind"},
    "items_assignment": {"item_id", "unit_id", "jurisdiction_id"},
    "items_item": {"jurisdiction_id"},
    "items_report": {"jurisdiction_id"},
    "items_review": {"jurisdiction_id"},
}


def _plain_single_column_indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {
        info["columns"][0] for info in found.values()
        if info["index"] and not info["unique"] and not info["primary_key"] and len(info["columns"]) == 1
    }


def _constraints(table: str) -> dict[str, dict[str, object]]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


@pytest.mark.django_db
def test_covered_columns_have_no_index_of_their_own_and_the_composites_remain() -> None:
    for table, columns in COVERED.items():
        assert not (_plain_single_column_indexes(table) & columns), table
    assert {"event_item_seq", "event_kind_at", "event_seq_unique"} <= set(_constraints("ledger_event"))
    assert {"assignment_unit_once", "assignment_unit_item", "assignment_one_lead"} <= set(
        _constraints("items_assignment"))
    # the columns that lead no composite keep theirs (a user's or a unit's events, on deletion checks)
    assert {"actor_id", "unit_id"} <= _plain_single_column_indexes("ledger_event")
    if connection.vendor == "postgresql":  # the foreign keys are still there
        fks = {tuple(i["columns"]) for i in _constraints("ledger_event").values() if i["foreign_key"]}
        assert {("item_id",), ("jurisdiction_id",), ("actor_id",), ("unit_id",)} <= fks


@pytest.mark.django_db
def test_one_lead_unit_per_item_is_still_enforced() -> None:
    """S1-五(二): one lead unit — the partial unique index Django's own AlterField would have dropped."""
    d = make_district()
    item = services.do_register(actor=d.alice, title="事项", content="内容", source="gov_meeting", level="fairly")
    Assignment.objects.create(jurisdiction=d.jurisdiction, item=item, unit=d.lead, role=Assignment.Role.LEAD)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(jurisdiction=d.jurisdiction, item=item, unit=d.co, role=Assignment.Role.LEAD)


@pytest.mark.django_db(transaction=True)
def test_the_migrations_reverse_and_reapply() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("ledger", "0002_initial"), ("items", "0004_sequence_kind_length")])
    try:
        assert {"item_id", "jurisdiction_id", "kind"} <= _plain_single_column_indexes("ledger_event")
        assert {"item_id", "unit_id"} <= _plain_single_column_indexes("items_assignment")
        assert "assignment_one_lead" in _constraints("items_assignment")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert not (_plain_single_column_indexes("ledger_event") & COVERED["ledger_event"])
    assert "assignment_one_lead" in _constraints("items_assignment")
