"""bench/lifecycle: N items driven through the whole lifecycle by duban's service layer, persisted, against
SpiffWorkflow running the same lifecycle as a BPMN process (supervision_item.bpmn: one user task per
step) with its state serialized to the same database after every step, in the same run.

Usage: DUBAN_DATABASE_URL=postgresql://… python bench/lifecycle/bench_lifecycle.py [--items 10000] [--spiff-items 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

BPMN = Path(__file__).with_name("supervision_item.bpmn")
STEPS = 9


def setup_cast():  # type: ignore[no-untyped-def]
    from duban.core.lifecycle import Role
    from duban.org.models import Jurisdiction, RoleGrant, Unit, User

    j = Jurisdiction.objects.create(code=f"B{time.time_ns()}", name="基准区")
    office = Unit.objects.create(jurisdiction=j, code="OFFICE", name="督查室", kind=Unit.Kind.OFFICE)
    lead = Unit.objects.create(jurisdiction=j, code="LEAD", name="牵头单位", kind=Unit.Kind.DEPARTMENT)

    def person(name: str, unit: Unit, role: Role) -> User:
        user = User.objects.create(username=f"{j.code}-{name}", jurisdiction=j, unit=unit)
        RoleGrant.objects.create(jurisdiction=j, user=user, role=role)
        return user

    return (person("office", office, Role.OFFICE_STAFF), person("head", office, Role.OFFICE_HEAD),
            person("gov", office, Role.GOV_HEAD), person("liaison", lead, Role.UNIT_LIAISON), lead)


def run_duban(n: int) -> float:
    from duban.items import services

    office, head, gov, liaison, lead = setup_cast()
    base = timezone.make_aware(dt.datetime(2026, 3, 2, 9))
    started = time.perf_counter()
    for k in range(n):
        now = base + dt.timedelta(seconds=k)
        item = services.do_register(actor=office, title=f"事项{k}", content="内容", source="gov_meeting",
                                    level="fairly", now=now)
        services.do_approve(actor=head, item=item, now=now)
        services.do_assign(actor=office, item=item, lead_unit=lead, deadline=dt.date(2026, 3, 31), now=now)
        services.do_receive(actor=liaison, item=item, responsible_leader="王", responsible_section="科",
                            responsible_person="李", now=now)
        services.do_report_progress(actor=liaison, item=item, text="进展", now=now)
        services.do_report_completion(actor=liaison, item=item, text="完成", now=now)
        services.do_office_accept(actor=office, item=item, now=now)
        services.do_leader_pass(actor=gov, item=item, now=now)
        services.do_archive(actor=office, item=item, custodian=office, now=now)
    return time.perf_counter() - started


def run_spiff(n: int) -> float:
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.util.task import TaskState

    parser = BpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec = parser.get_spec("supervision_item")
    serializer = BpmnWorkflowSerializer()
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_spiff_workflow (id bigserial PRIMARY KEY, state text)"
                    if connection.vendor == "postgresql" else
                    "CREATE TABLE IF NOT EXISTS bench_spiff_workflow (id integer PRIMARY KEY, state text)")
    started = time.perf_counter()
    for _ in range(n):
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("INSERT INTO bench_spiff_workflow (state) VALUES (%s) RETURNING id",
                        [serializer.serialize_json(workflow)])
            (row_id,) = cur.fetchone()
        steps = 0
        while not workflow.is_completed():
            ready = workflow.get_tasks(state=TaskState.READY)
            if not ready:
                break
            ready[0].run()
            workflow.do_engine_steps()
            steps += 1
            with transaction.atomic(), connection.cursor() as cur:  # persist every step, like duban does
                cur.execute("UPDATE bench_spiff_workflow SET state = %s WHERE id = %s",
                            [serializer.serialize_json(workflow), row_id])
        assert steps == STEPS, steps
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--spiff-items", type=int, default=None, help="default: same as --items")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    spiff_n = args.spiff_items or args.items
    print(f"database: {connection.vendor}; {STEPS} persisted steps per item")
    ours = run_duban(args.items)
    print(f"duban services : {args.items:>6} items in {ours:8.2f}s = {args.items / ours:8.1f} items/s "
          f"({args.items * STEPS / ours:8.0f} actions/s, each with its hash-chained ledger event)")
    spiff = run_spiff(spiff_n)
    print(f"SpiffWorkflow  : {spiff_n:>6} items in {spiff:8.2f}s = {spiff_n / spiff:8.1f} items/s")
    print(f"ratio duban / SpiffWorkflow throughput: {(args.items / ours) / (spiff_n / spiff):.1f}x (goal >= 10x)")


if __name__ == "__main__":
    sys.exit(main())
