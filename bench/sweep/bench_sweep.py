"""bench/sweep: finding and processing due items among 10^5 and 10^6 open items (1% due), PostgreSQL.

Prints, for each N, in one run:
- raw:   an indexed raw SQL select of the due rows (the floor);
- ours:  duban's due-item selection (``urging.services.due_item_ids``), and the full sweep
         (selection + evaluating each due item + drafting tickets);
- naive: a full scan that loads every open item with its lead assignment and computes what is due
         in Python, as a system without a stored next-due moment would.
Ratios are ours / raw. "Flat in N": the full sweep time at 10^5 and 10^6 with the same number of due items.

Usage: DUBAN_DATABASE_URL=postgresql://… python bench/sweep/bench_sweep.py [--sizes 100000,1000000] [--due 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

NOW = timezone.make_aware(dt.datetime(2026, 6, 15, 8, 0))


def load(n: int, due: int) -> None:
    """Fill the database with n open items, ``due`` of them past their next due moment."""
    with connection.cursor() as cur:
        cur.execute("TRUNCATE urging_ticket, ledger_event, ledger_ledgerhead, items_assignment, items_item, "
                    "notify_outboxmessage, notify_notification, items_sequence RESTART IDENTITY CASCADE")
        cur.execute("SELECT id FROM org_jurisdiction WHERE code='BENCH'")
        row = cur.fetchone()
    if row is None:
        from duban.core.lifecycle import Role
        from duban.org.models import Jurisdiction, RoleGrant, Unit, User

        j = Jurisdiction.objects.create(code="BENCH", name="基准区")
        office = Unit.objects.create(jurisdiction=j, code="OFFICE", name="督查室", kind=Unit.Kind.OFFICE)
        staff = User.objects.create(username="bench", jurisdiction=j, unit=office)
        RoleGrant.objects.create(jurisdiction=j, user=staff, role=Role.OFFICE_STAFF)
        head = User.objects.create(username="bench-head", jurisdiction=j, unit=office)
        RoleGrant.objects.create(jurisdiction=j, user=head, role=Role.OFFICE_HEAD)
        for k in range(40):
            Unit.objects.create(jurisdiction=j, code=f"U{k:02d}", name=f"单位{k}", kind=Unit.Kind.DEPARTMENT)
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM org_jurisdiction WHERE code='BENCH'")
        (jid,) = cur.fetchone()
        cur.execute("SELECT id FROM org_user WHERE username='bench'")
        (uid,) = cur.fetchone()
        cur.execute("SELECT min(id), max(id) FROM org_unit WHERE jurisdiction_id=%s AND code LIKE 'U%%'", [jid])
        umin, umax = cur.fetchone()
        # Every (n/due)-th item is due: next_due_at yesterday; the rest are due next month.
        step = max(n // due, 1)
        cur.execute(
            """
            INSERT INTO items_item (jurisdiction_id, code, title, content, source, source_detail, level, state,
                confidential, requirements, channel, deadline, deadline_provisional, registered_by_id,
                registered_at, approved_at, assigned_at, return_count, resupervise_count, next_due_at,
                key_supervision, version)
            SELECT %(j)s, 'B' || g, '基准事项' || g, '内容', 'gov_meeting', '', 'fairly', 'in_progress',
                false, '', 'platform', DATE '2026-09-30', false, %(u)s,
                TIMESTAMPTZ '2026-05-01 09:00+08', TIMESTAMPTZ '2026-05-01 10:00+08',
                TIMESTAMPTZ '2026-05-04 10:00+08', 0, 0,
                CASE WHEN g %% %(step)s = 0 THEN TIMESTAMPTZ '2026-06-14 00:00+08'
                     ELSE TIMESTAMPTZ '2026-07-15 00:00+08' END,
                false, 1
            FROM generate_series(1, %(n)s) g
            """,
            {"j": jid, "u": uid, "n": n, "step": step},
        )
        cur.execute(
            """
            INSERT INTO items_assignment (jurisdiction_id, item_id, unit_id, role, part, state, received_at,
                responsible_leader, responsible_section, responsible_person, responsible_phone, work_plan,
                last_report_at)
            SELECT jurisdiction_id, id, %(umin)s + (id %% (%(umax)s - %(umin)s + 1)), 'lead', '', 'received',
                TIMESTAMPTZ '2026-05-04 15:00+08', '王', '科', '李', '', '',
                CASE WHEN next_due_at < TIMESTAMPTZ '2026-06-15 00:00+08' THEN TIMESTAMPTZ '2026-05-04 15:00+08'
                     ELSE TIMESTAMPTZ '2026-06-12 15:00+08' END
            FROM items_item
            """,
            {"umin": umin, "umax": umax},
        )
        cur.execute("ANALYZE items_item; ANALYZE items_assignment")


def timed(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def raw_select(limit: int) -> list[int]:
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM items_item WHERE next_due_at IS NOT NULL AND next_due_at <= %s "
                    "ORDER BY next_due_at LIMIT %s", [NOW, limit])
        return [r[0] for r in cur.fetchall()]


def naive_scan() -> int:
    """Load every open item with its lead assignment and decide in Python what is due."""
    from duban.core.cadence import next_report_due
    from duban.items.due import cadence_policy
    from duban.items.models import Assignment
    from duban.workcal.service import current_calendar

    calendar = current_calendar()
    today = timezone.localdate(NOW)
    due = 0
    rows = (Assignment.objects.filter(role="lead", item__state__in=["assigned", "in_progress"])
            .values_list("item__level", "item__deadline", "last_report_at", "received_at").iterator(chunk_size=5000))
    for level, deadline, last_report, received in rows:
        since = timezone.localdate(last_report or received)
        if today > min(deadline, next_report_due(cadence_policy(), level, since, deadline, calendar)):
            due += 1
    return due


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--due", type=int, default=1000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/sweep needs PostgreSQL: set DUBAN_DATABASE_URL")
    call_command("migrate", verbosity=0)
    from duban.urging.services import due_item_ids, sweep

    print(f"{'N':>9} {'due':>5} {'raw select':>11} {'ours select':>12} {'ratio':>6} {'naive scan':>11} "
          f"{'ours/naive':>10} {'full sweep':>11} {'per item':>9}")
    results = []
    for n in [int(s) for s in args.sizes.split(",")]:
        load(n, args.due)
        raw = timed(lambda: raw_select(args.due))
        ours = timed(lambda: due_item_ids(NOW, args.due))
        assert sorted(raw_select(args.due)) == sorted(due_item_ids(NOW, args.due))
        naive = timed(naive_scan, repeat=1)
        started = time.perf_counter()
        result = sweep(NOW)
        full = time.perf_counter() - started
        assert result.examined == args.due, result.examined
        again = sweep(NOW)
        assert again.drafted == [], "sweep is not idempotent"
        results.append(full)
        print(f"{n:>9} {args.due:>5} {raw * 1000:>9.2f}ms {ours * 1000:>10.2f}ms {ours / raw:>5.2f}x "
              f"{naive:>10.2f}s {ours / naive:>10.5f} {full:>10.2f}s {full / args.due * 1000:>7.2f}ms")
    if len(results) > 1:
        print(f"full sweep, largest N / smallest N at {args.due} due items: {results[-1] / results[0]:.2f}x "
              "(1.0 = flat in N)")


if __name__ == "__main__":
    main()
