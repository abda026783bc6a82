"""Database round trips per action: ceilings so the count cannot silently grow (bench/lifecycle).

Each ceiling is today's count. A single action is: lock the row (visibility decided in the same query),
read the assignments once when a unit acts, write the rows, one UPDATE of the item that includes the
next due moment, and the ledger append (lock head, INSERT event, UPDATE head). On PostgreSQL the
per-item services send statements together where nothing waits on their results
(``duban.ledger.rows.Script``: the INSERTs with the head's lock, then the UPDATEs with the event's
INSERT and the head's move — one multi-statement query, one round trip, counted once here), so the
counts there are lower. A batch action costs a constant number of queries per chunk, whatever the
number of items in it (a ``COPY`` is not counted).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.items import batch, services
from duban.items.models import Item
from tests.factories import District, at

pytestmark = pytest.mark.django_db

NOW = at("2026-03-02", 9)
DEADLINE = dt.date(2026, 3, 31)


def queries(fn: Callable[[], Any]) -> tuple[int, Any]:
    """Statements sent, without the SAVEPOINT/RELEASE pair the test's own transaction adds."""
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    sent = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    return len(sent), result


CEILINGS = {
    "register": 5, "approve": 5, "assign": 6, "receive": 7, "report_progress": 8, "report_completion": 8,
    "office_accept": 6, "leader_pass": 6, "archive": 6,
}
# PostgreSQL (statements sent together: see the module docstring). Was 57 in all before.
PG_CEILINGS = {
    "register": 3, "approve": 3, "assign": 3, "receive": 4, "report_progress": 4, "report_completion": 4,
    "office_accept": 3, "leader_pass": 3, "archive": 4,
}


def lifecycle(d: District) -> dict[str, int]:
    counts: dict[str, int] = {}
    counts["register"], item = queries(lambda: services.do_register(
        actor=d.alice, title="事项", content="内容", source="gov_meeting", level="fairly", now=NOW))
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("approve", lambda: services.do_approve(actor=d.olga, item=item, now=NOW)),
        ("assign", lambda: services.do_assign(actor=d.alice, item=item, lead_unit=d.lead,
                                              co_units=[services.CoUnit(d.co)], deadline=DEADLINE, now=NOW)),
        ("receive", lambda: services.do_receive(actor=d.ursula, item=item, responsible_leader="王",
                                                responsible_section="科", responsible_person="李", now=NOW)),
        ("report_progress", lambda: services.do_report_progress(actor=d.ursula, item=item, text="进展", now=NOW)),
        ("report_completion", lambda: services.do_report_completion(actor=d.ursula, item=item, text="完成",
                                                                    now=NOW)),
        ("office_accept", lambda: services.do_office_accept(actor=d.alice, item=item, now=NOW)),
        ("leader_pass", lambda: services.do_leader_pass(actor=d.gina, item=item, now=NOW)),
        ("archive", lambda: services.do_archive(actor=d.alice, item=item, custodian=d.alice, now=NOW)),
    ]
    for name, step in steps:
        counts[name], _ = queries(step)
    return counts


def test_queries_per_action_stay_under_their_ceilings(district: District) -> None:
    lifecycle(district)  # warm the per-process caches (calendar, policy)
    counts = lifecycle(district)
    ceilings = PG_CEILINGS if connection.vendor == "postgresql" else CEILINGS
    over = {name: (n, ceilings[name]) for name, n in counts.items() if n > ceilings[name]}
    assert not over, f"queries per action grew (got, ceiling): {over}"
    assert sum(counts.values()) <= sum(ceilings.values())  # 57 / 31; was 76 before the cuts (bench/lifecycle, #2)


def _pending(d: District, n: int) -> list[int]:
    rows = [services.Registration(title=f"事项{k}", content="内容", source="gov_meeting", level="fairly")
            for k in range(n)]
    return batch.register_many(actor=d.alice, rows=rows, now=NOW).done


def test_a_batch_costs_the_same_queries_for_5_items_as_for_40(district: District) -> None:
    d = district
    lifecycle(d)
    few, many = _pending(d, 5), _pending(d, 40)
    n_few, r_few = queries(lambda: batch.approve_many(actor=d.olga, items=few, now=NOW))
    n_many, r_many = queries(lambda: batch.approve_many(actor=d.olga, items=many, now=NOW))
    assert len(r_few.done) == 5 and len(r_many.done) == 40
    assert n_few == n_many <= 5
    n_reg, result = queries(lambda: _pending(d, 40))
    assert len(result) == 40 and n_reg <= 6  # SQLite splits the 40-row INSERT by its variable limit
    assert Item.objects.count() == 1 + 5 + 40 + 40


def test_a_unit_batch_reads_visibility_and_assignments_once_per_chunk(district: District) -> None:
    d = district
    lifecycle(d)
    ids = _pending(d, 30)
    batch.approve_many(actor=d.olga, items=ids, now=NOW)
    batch.assign_many(actor=d.alice, items=ids, lead_unit=d.lead, deadline=DEADLINE, now=NOW)
    n, result = queries(lambda: batch.receive_many(actor=d.ursula, items=ids, responsible_leader="王",
                                                   responsible_section="科", responsible_person="李", now=NOW))
    assert len(result.done) == 30
    assert n <= 7
