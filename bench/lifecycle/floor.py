"""The floor of duban's batch path: the same lifecycle written in raw SQL with as little Python as possible.

Per chunk of items and per action, one transaction that does only what cannot be left out if the rows
and the ledger are to be the same as duban's:

- lock the items (``SELECT … FOR UPDATE`` in id order, reading the columns duban's checks read) and,
  for the unit actions, read their assignments; check the state (nothing else: no roles, no
  visibility, no validation — those are duban's and cost nothing here);
- write the same rows: items (``COPY``, ids from the sequence), assignments, reports, reviews; one
  ``UPDATE … WHERE id = ANY(…)`` per table with the same values, the same next due moments (computed
  once: every item here has the same inputs, as duban's memo finds);
- append the same events (same fields, same canonical JSON, same sha256 chain via duban's digest
  function) with one ``COPY``, the chain head locked and moved once per chunk.

``check_same_work`` compares the floor's rows and events for one item with duban's batch path field by
field (ids and the cast's names aside), so the floor cannot quietly do less. The module uses only
duban's public pieces (models, ``due``, ``services.item_code``), so the same bench can measure an older
duban as well.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import connection, transaction

# The columns duban's checks read (duban.items.services.CHECK_FIELDS).
CHECK_FIELDS = (
    "id", "jurisdiction_id", "code", "title", "level", "state", "confidential", "supervising_leader_id",
    "deadline", "deadline_working_days", "assigned_at", "next_due_at", "return_count", "resupervise_count",
    "version",
)
_encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
enc = _encoder.encode
_string: Any = json.encoder.encode_basestring


def _value(value: Any) -> str:
    kind = type(value)
    return str(_string(value)) if kind is str else int.__repr__(value) if kind is int else \
        "null" if value is None else enc(value)


def digest(prev: str, jurisdiction_id: int, seq: int, kind: str, item_id: int, unit_id: int | None, actor_id: int,
           actor_name: str, at: dt.datetime, rule_id: str, summary: str, reason: str, before: str, after: str,
           data: str) -> str:
    """duban.ledger.chain.event_digest over the same fields, the canonical document written key by key
    (keys in sorted order; before/after/data already canonical JSON)."""
    document = "".join((
        '{"actor":', _value(actor_id), ',"actor_name":', _value(actor_name), ',"after":', after,
        ',"at":', _value(at.astimezone(dt.UTC).isoformat()), ',"before":', before, ',"data":', data,
        ',"item":', _value(item_id), ',"jurisdiction":', _value(jurisdiction_id), ',"kind":', _value(kind),
        ',"reason":', _value(reason), ',"rule_id":', _value(rule_id), ',"seq":', _value(seq),
        ',"summary":', _value(summary), ',"unit":', _value(unit_id), "}",
    ))
    return hashlib.sha256((prev + document).encode()).hexdigest()


def run_floor(n: int, chunk: int, cast: tuple[Any, ...], now: dt.datetime, deadline: dt.date) -> float:
    import time

    from django.utils import timezone

    from duban.core.lifecycle import ItemState
    from duban.items import due, services
    from duban.items.models import Assignment, Item, Report, Review
    from duban.ledger.models import Event, LedgerHead

    j, office, head, gov, liaison, lead = cast
    jid = j.pk
    q = connection.ops.quote_name
    today = timezone.localdate(now)
    sequences: dict[str, str] = {}

    # The next due moments of this lifecycle and the receipt due day, as duban computes them (once).
    probe = Item(jurisdiction_id=jid, level="fairly", deadline=deadline, assigned_at=now, state=ItemState.ASSIGNED)
    lead_row = Assignment(role=Assignment.Role.LEAD, state=Assignment.State.ASSIGNED)
    due_assigned = due.next_check(probe, today, [lead_row])
    probe.state = ItemState.IN_PROGRESS
    lead_row.state, lead_row.received_at = Assignment.State.RECEIVED, now
    due_received = due.next_check(probe, today, [lead_row])
    lead_row.last_report_at = now
    due_reported = due.next_check(probe, today, [lead_row])
    receipt_due = due.receipt_due_on(probe)

    def ids(cur: Any, model: Any, count: int) -> list[int]:
        table = model._meta.db_table
        if table not in sequences:
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequences[table] = cur.fetchone()[0]
        cur.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequences[table], count])
        return sorted(r[0] for r in cur.fetchall())

    def copy(cur: Any, model: Any, columns: list[str], rows: list[list[Any]]) -> None:
        cols = ", ".join(q(c) for c in columns)
        with cur.copy(f"COPY {q(model._meta.db_table)} ({cols}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)

    event_columns = [f.column for f in Event._meta.concrete_fields]  # id first

    def events(cur: Any, kind: str, actor: Any, unit_id: int | None, rule_id: str, summaries: list[str],
               reason: str, item_ids: list[int], before: str, after: str, datas: list[str]) -> None:
        cur.execute(f"SELECT seq, last_hash FROM {q(LedgerHead._meta.db_table)} WHERE jurisdiction_id = %s FOR UPDATE",
                    [jid])
        row = cur.fetchone()
        if row is None:
            cur.execute(f"INSERT INTO {q(LedgerHead._meta.db_table)} (jurisdiction_id, seq, last_hash) "
                        "VALUES (%s, 0, '')", [jid])
            row = (0, "")
        seq, prev = row[0], row[1] or "0" * 64
        name = actor.display_name
        new_ids = ids(cur, Event, len(item_ids))
        rows = []
        for pk, item_id, summary, data in zip(new_ids, item_ids, summaries, datas, strict=True):
            seq += 1
            link = digest(prev, jid, seq, kind, item_id, unit_id, actor.pk, name, now, rule_id, summary, reason, before,
                          after, data)
            rows.append([pk, jid, seq, kind, item_id, unit_id, actor.pk, name, now, rule_id, summary, reason, before,
                         after, data, prev, link])
            prev = link
        copy(cur, Event, event_columns, rows)
        cur.execute(f"UPDATE {q(LedgerHead._meta.db_table)} SET seq = %s, last_hash = %s WHERE jurisdiction_id = %s",
                    [seq, prev, jid])

    check_cols = ", ".join(q(c) for c in CHECK_FIELDS)

    def lock(cur: Any, pks: list[int], state: str) -> list[tuple[Any, ...]]:
        cur.execute(f"SELECT {check_cols} FROM {q(Item._meta.db_table)} WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                    [pks])
        rows = cur.fetchall()
        at_state = CHECK_FIELDS.index("state")
        assert len(rows) == len(pks) and all(r[at_state] == state for r in rows)
        return rows

    def update_items(cur: Any, pks: list[int], **values: Any) -> None:
        sets = ", ".join(f"{q(k)} = %s" for k in values)
        cur.execute(f"UPDATE {q(Item._meta.db_table)} SET {sets}, version = version + 1 WHERE id = ANY(%s)",
                    [*values.values(), pks])

    def assignments(cur: Any, pks: list[int]) -> dict[int, int]:
        cur.execute(f"SELECT a.id, a.item_id, a.unit_id, a.role, a.state, u.name FROM {q(Assignment._meta.db_table)} a "
                    "JOIN org_unit u ON u.id = a.unit_id WHERE a.item_id = ANY(%s)", [pks])
        found = {r[1]: r[0] for r in cur.fetchall() if r[2] == lead.pk}
        assert len(found) == len(pks)
        return found

    item_fields = [f for f in Item._meta.concrete_fields if not f.primary_key]
    report_cols = ["id", "jurisdiction_id", "item_id", "assignment_id", "kind", "text", "submitted_at",
                   "submitted_by_id"]
    review_cols = ["id", "jurisdiction_id", "item_id", "stage", "outcome", "opinion", "follow_up", "reviewed_at",
                   "reviewed_by_id"]
    register_after = enc({"state": "pending_approval", "level": "fairly", "source": "gov_meeting", "deadline": None,
                          "deadline_working_days": None, "confidential": False})
    s = {state.value: enc({"state": state.value}) for state in ItemState}
    year = today.year
    started = time.perf_counter()
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        titles = [f"事项{k}" for k in range(start, start + size)]
        with transaction.atomic(), connection.cursor() as django_cursor:  # register
            cur = django_cursor.cursor
            cur.execute("UPDATE items_sequence SET last = last + %s WHERE jurisdiction_id = %s AND kind = 'item' "
                        "AND year = %s RETURNING last", [size, jid, year])
            row = cur.fetchone()
            if row is None:
                cur.execute("INSERT INTO items_sequence (jurisdiction_id, kind, year, last) "
                            "VALUES (%s, 'item', %s, %s)", [jid, year, size])
                row = (size,)
            first = row[0] - size + 1
            pks = ids(cur, Item, size)
            defaults = {"source": "gov_meeting", "content": "内容", "level": "fairly", "state": "pending_approval",
                        "registered_by_id": office.pk, "registered_at": now, "jurisdiction_id": jid}
            rows = []
            for pk, title, number in zip(pks, titles, range(first, first + size), strict=True):
                values = {"title": title, "code": services.item_code(year, number), **defaults}
                rows.append([pk, *(values[f.attname] if f.attname in values else f.get_default()
                                   for f in item_fields)])
            copy(cur, Item, ["id", *(f.column for f in item_fields)], rows)
            events(cur, "register", office, None, "S0-9", [f"立项：{t}（比较重要）" for t in titles], "", pks, "{}",
                   register_after, ["{}"] * size)
        with transaction.atomic(), connection.cursor() as django_cursor:  # approve
            cur = django_cursor.cursor
            lock(cur, pks, "pending_approval")
            update_items(cur, pks, approved_at=now, state="approved")
            events(cur, "approve", head, None, "S0-9", ["办公室主要领导审定同意"] * size, "", pks,
                   s["pending_approval"], s["approved"], ["{}"] * size)
        with transaction.atomic(), connection.cursor() as django_cursor:  # assign
            cur = django_cursor.cursor
            lock(cur, pks, "approved")
            a_ids = ids(cur, Assignment, size)
            copy(cur, Assignment, ["id", "jurisdiction_id", "item_id", "unit_id", "role", "part", "state",
                                   "received_at", "received_by_id", "responsible_leader", "responsible_section",
                                   "responsible_person", "responsible_phone", "work_plan", "last_report_at"],
                 [[a, jid, pk, lead.pk, "lead", "", "assigned", None, None, "", "", "", "", "", None]
                  for a, pk in zip(a_ids, pks, strict=True)])
            update_items(cur, pks, deadline=deadline, deadline_working_days=None, deadline_provisional=False,
                         channel="platform", assigned_at=now, state="assigned", next_due_at=due_assigned)
            data = enc({"lead_unit": lead.pk, "co_units": [], "channel": "platform", "deadline_working_days": None})
            events(cur, "assign", office, lead.pk, "S1-五(二)", [f"交办：牵头单位 {lead.name}，时限 {deadline}"] * size,
                   "", pks, enc({"state": "approved", "deadline": None}),
                   enc({"state": "assigned", "deadline": deadline, "deadline_provisional": False}), [data] * size)
        with transaction.atomic(), connection.cursor() as django_cursor:  # receive
            cur = django_cursor.cursor
            lock(cur, pks, "assigned")
            own = assignments(cur, pks)
            cur.execute("UPDATE items_assignment SET state = 'received', received_at = %s, received_by_id = %s, "
                        "responsible_leader = '王', responsible_section = '科', responsible_person = '李', "
                        "responsible_phone = '', work_plan = '' WHERE id = ANY(%s)",
                        [now, liaison.pk, [own[pk] for pk in pks]])
            update_items(cur, pks, state="in_progress", next_due_at=due_received)
            events(cur, "receive", liaison, lead.pk, "S0-10", [f"{lead.name} 签收（牵头单位），责任人 李"] * size, "",
                   pks, s["assigned"], s["in_progress"],
                   [enc({"assignment": own[pk], "role": "lead", "late": False, "receipt_due": receipt_due,
                         "milestones": []}) for pk in pks])
        for kind, text, rule, summary, after, moment in (
            ("progress", "进展", "S0-8", f"{lead.name} 报送进展", "in_progress", due_reported),
            ("completion", "完成", "S0-12", f"{lead.name} 报送办结", "completion_reported", None),
        ):
            with transaction.atomic(), connection.cursor() as django_cursor:  # report_progress / report_completion
                cur = django_cursor.cursor
                locked = lock(cur, pks, "in_progress")
                due_before = [r[CHECK_FIELDS.index("next_due_at")] for r in locked]
                own = assignments(cur, pks)
                r_ids = ids(cur, Report, size)
                copy(cur, Report, report_cols, [[r, jid, pk, own[pk], kind, text, now, liaison.pk]
                                                for r, pk in zip(r_ids, pks, strict=True)])
                cur.execute("UPDATE items_assignment SET last_report_at = %s WHERE id = ANY(%s)",
                            [now, [own[pk] for pk in pks]])
                extra = {"completed_at": now} if kind == "completion" else {}
                update_items(cur, pks, **extra, next_due_at=moment, state=after)
                datas = ([enc({"report": r, "due": d, "late": False}) for r, d in zip(r_ids, due_before, strict=True)]
                         if kind == "progress" else
                         [enc({"report": r, "late": False, "deadline": deadline}) for r in r_ids])
                events(cur, f"report_{kind}", liaison, lead.pk, rule, [summary] * size, text, pks, s["in_progress"],
                       s[after], datas)
        for stage, outcome, follow, actor, before, after, kind, rule, summary in (
            ("office", "accept", "", office, "completion_reported", "office_accepted", "office_accept", "S0-12",
             "督查室审核通过，报领导审阅"),
            ("leader", "pass", "none", gov, "office_accepted", "closed", "leader_pass", "S0-13", "领导审阅通过（无）"),
        ):
            with transaction.atomic(), connection.cursor() as django_cursor:  # office_accept / leader_pass
                cur = django_cursor.cursor
                lock(cur, pks, before)
                v_ids = ids(cur, Review, size)
                copy(cur, Review, review_cols, [[v, jid, pk, stage, outcome, "", follow, now, actor.pk]
                                                for v, pk in zip(v_ids, pks, strict=True)])
                update_items(cur, pks, **({"closed_at": now} if stage == "leader" else {}), state=after)
                datas = [enc({"review": v, "follow_up": follow} if follow else {"review": v}) for v in v_ids]
                events(cur, kind, actor, None, rule, [summary] * size, "", pks, s[before], s[after], datas)
        with transaction.atomic(), connection.cursor() as django_cursor:  # archive
            cur = django_cursor.cursor
            lock(cur, pks, "closed")
            cur.execute(
                "SELECT i.id, EXISTS(SELECT 1 FROM items_report r WHERE r.item_id = i.id AND r.kind = 'completion'), "
                "EXISTS(SELECT 1 FROM items_review v WHERE v.item_id = i.id AND v.stage = 'leader' AND "
                "v.outcome = 'pass'), (SELECT count(*) FROM items_attachment t WHERE t.item_id = i.id) "
                "FROM items_item i WHERE i.id = ANY(%s)", [pks])
            facts = {r[0]: r[1:] for r in cur.fetchall()}
            assert all(facts[pk][0] and facts[pk][1] for pk in pks)
            update_items(cur, pks, archived_at=now, custodian_id=office.pk, state="archived")
            events(cur, "archive", office, None, "S0-14", [f"立卷归档，保管人 {office.display_name}"] * size, "", pks,
                   s["closed"], s["archived"],
                   [enc({"custodian": office.pk, "attachments": facts[pk][2]}) for pk in pks])
    return time.perf_counter() - started


def check_same_work(batch_jurisdiction: int, floor_jurisdiction: int) -> str:
    """Compare one item's rows and events, floor vs duban's batch path (ids and the casts' names aside)."""
    from django.forms.models import model_to_dict

    from duban.items.models import Assignment, Item, Report, Review
    from duban.ledger.models import Event
    from duban.org.models import Jurisdiction, Unit, User

    def normalised(jurisdiction_id: int) -> dict[str, Any]:
        code = Jurisdiction.objects.get(pk=jurisdiction_id).code
        names = {u.pk: u.username.replace(code, "J") for u in User.objects.filter(jurisdiction_id=jurisdiction_id)}
        names |= {f"unit{u.pk}": u.code for u in Unit.objects.filter(jurisdiction_id=jurisdiction_id)}
        item = Item.objects.filter(jurisdiction_id=jurisdiction_id).order_by("pk").first()
        assert item is not None
        refs = {
            "item": {item.pk: "ITEM"},
            "assignment": {a.pk: f"A{a.role}" for a in Assignment.objects.filter(item=item)},
            "report": {r.pk: f"R{r.kind}" for r in Report.objects.filter(item=item)},
            "review": {v.pk: f"V{v.stage}" for v in Review.objects.filter(item=item)},
        }

        def ref(key: str, value: Any) -> Any:
            if key in refs:
                return refs[key].get(value, value)
            if key in ("lead_unit", "unit"):
                return names.get(f"unit{value}", value)
            if key in ("actor", "registered_by", "custodian", "received_by", "submitted_by", "reviewed_by",
                       "supervising_leader"):
                return names.get(value, value)
            return value

        def clean(row: dict[str, Any]) -> dict[str, Any]:
            out = {}
            for k, v in row.items():
                if k in ("id", "jurisdiction", "seq", "prev_hash", "hash"):
                    continue
                if isinstance(v, str):
                    v = v.replace(code, "J")
                elif isinstance(v, dict):
                    v = {dk: ref(dk, dv) for dk, dv in v.items()}
                out[k] = ref(k, v)
            return out

        return {
            "item": clean(model_to_dict(item)),
            "assignments": [clean(model_to_dict(a)) for a in Assignment.objects.filter(item=item)],
            "reports": [clean(model_to_dict(r)) for r in Report.objects.filter(item=item).order_by("pk")],
            "reviews": [clean(model_to_dict(v)) for v in Review.objects.filter(item=item).order_by("pk")],
            "events": [clean(model_to_dict(e) | {"at": e.at}) for e in Event.objects.filter(item=item).order_by("seq")],
            "counts": [Model.objects.filter(jurisdiction_id=jurisdiction_id).count()
                       for Model in (Item, Assignment, Report, Review, Event)],
        }

    ours, floor = normalised(batch_jurisdiction), normalised(floor_jurisdiction)
    diff = [k for k in ours if ours[k] != floor[k]]
    if diff:
        a, b = ours[diff[0]], floor[diff[0]]
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            a, b = next((x, y) for x, y in zip(a, b, strict=True) if x != y)
        return f"DIFFERENT ({', '.join(diff)}): batch path {a!r} vs floor {b!r}"
    return "same rows and events as the batch path (first item compared field by field, row counts equal)"
