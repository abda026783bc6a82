"""bench/excel: 100,000 items exported to and imported from an Excel ledger, against floors in the same run.

Export
  floor   XlsxWriter in constant_memory mode writing the same 100,000 rows (same values, no formats,
          no merged header) with ``write_row`` — the least any .xlsx writer in Python can do;
  writer  ``duban.documents.ledger.write_ledger`` on the same rows (title, two-row merged header, 序号,
          formats, formula escaping, progress);
  dbfloor raw SQL + XlsxWriter constant_memory: one hand-written query over the same 100,000 items
          (lead and co-unit names aggregated in the database, choice labels mapped by dict) written with
          ``write_row`` — the least a database-to-xlsx export can cost;
  items   ``duban.items.exports.write_items`` end to end from the database (the list's queryset, read
          in chunks of 2000 with one assignments query per chunk) — what the export job does; compared
          with the database floor (like for like) and, for reference, with the plain writer floor.
Import
  floor   python-calamine reading the ledger's sheet into Python values;
  read    ``duban.documents.importing.read``: calamine plus header detection, unit lookups, date parsing,
          duplicate and import-key checks (everything the preview shows); floor and read run as
          ``REPEAT`` interleaved pairs of subprocesses, the best of each reported, every pair's ratio shown;
          read turns the cyclic GC off while it builds its rows, so a GC-off floor is shown as well;
  write   ``importing.write``: 100,000 items + assignments + ledger events + import keys in one
          transaction (database-bound; reported as rows/s, no floor).

Each measured step runs in its own subprocess so its peak memory (VmHWM) is its own; the export
steps run at 10,000 and 100,000 rows to show that memory does not grow with the row count.

Usage: DUBAN_DATABASE_URL=postgresql://… python bench/excel/bench_excel.py [--items 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
UNITS = 40
REPEAT = 3  # import floor/read pairs (interleaved subprocesses; the best of each is reported)


def synthetic_rows(n: int) -> Iterator[list[Any]]:
    import datetime as dt

    for i in range(1, n + 1):
        yield [
            f"督〔2025〕{i}号", f"基准事项 {i}：推进重点项目建设", f"完成第 {i} 项任务的全部内容，按月报送进展。",
            "常务会议/办公会议议定事项", ("特别重要", "比较重要", "一般重要")[i % 3],
            f"单位{i % UNITS:02d}", f"单位{(i + 7) % UNITS:02d}", dt.date(2026, 12, 31) - dt.timedelta(days=i % 200),
            "待签收", 0,
        ]


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ru_maxrss, which a child
    inherits from its parent on Linux)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _setup() -> None:
    import django

    django.setup()


def _floor_sheet(path: str) -> tuple[Any, Any, Any]:
    """The floors' workbook: constant_memory, one date format, the plain header row."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet("督查事项")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["序号", "编号", "事项名称", "办理内容", "来源", "督查等级", "牵头单位", "配合单位",
                        "办结时限", "状态", "退回次数"])
    return wb, ws, date_fmt


def phase(name: str, n: int, path: str) -> dict[str, Any]:
    """One measured step, in this (sub)process."""
    if name == "export_floor":

        start = time.perf_counter()
        wb, ws, date_fmt = _floor_sheet(path)
        for r, row in enumerate(synthetic_rows(n), start=1):
            ws.write_number(r, 0, r)
            for c, value in enumerate(row, start=1):
                if c == 8:
                    ws.write_datetime(r, c, value, date_fmt)
                elif isinstance(value, int):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, value)
        wb.close()
        return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb()}
    _setup()
    if name == "export_writer":
        from duban.documents.ledger import write_ledger
        from duban.items.exports import ITEM_COLUMNS

        start = time.perf_counter()
        count = write_ledger(path, title="基准区督查事项台账", columns=ITEM_COLUMNS, rows=synthetic_rows(n))
        return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(), "rows": count}
    if name == "export_items":
        from duban.items.exports import write_items
        from duban.items.models import Item
        from duban.items.selectors import with_list_relations

        qs = with_list_relations(Item.objects.filter(jurisdiction__code="XLSBENCH").order_by("pk"))
        start = time.perf_counter()
        count = write_items(path, qs, title="基准区督查事项台账")
        return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(), "rows": count}
    if name == "export_db_floor":
        from django.db import connection

        from duban.items.models import Item
        from duban.org.models import Jurisdiction

        def labels(field_name: str) -> dict[str, str]:
            return {str(k): str(v) for k, v in Item._meta.get_field(field_name).flatchoices}

        sources, levels, states = labels("source"), labels("level"), labels("state")
        j = Jurisdiction.objects.get(code="XLSBENCH").pk
        if connection.vendor == "postgresql":  # one pass over the assignments, joined once (no subquery per row)
            units = ("string_agg(u.name, '、' ORDER BY a.id) FILTER (WHERE a.role = 'lead') AS lead, "
                     "string_agg(u.name, '、' ORDER BY a.id) FILTER (WHERE a.role <> 'lead') AS co")
        else:
            units = ("group_concat(CASE WHEN a.role = 'lead' THEN u.name END, '、') AS lead, "
                     "group_concat(CASE WHEN a.role <> 'lead' THEN u.name END, '、') AS co")
        sql = ("SELECT i.code, i.title, i.content, i.source, i.level, g.lead, g.co, i.deadline, i.state, "
               "i.return_count FROM items_item i LEFT JOIN ("
               f"SELECT a.item_id AS item_id, {units} FROM items_assignment a JOIN org_unit u ON u.id = a.unit_id "
               "WHERE a.jurisdiction_id = %s GROUP BY a.item_id) g ON g.item_id = i.id "
               "WHERE i.jurisdiction_id = %s ORDER BY i.id")
        start = time.perf_counter()
        wb, ws, date_fmt = _floor_sheet(path)
        r = 0
        with connection.cursor() as cur:
            cur.execute(sql, [j, j])
            while batch := cur.fetchmany(2000):
                for code, title, content, source, level, lead, co, deadline, state, returns in batch:
                    r += 1
                    ws.write_number(r, 0, r)
                    ws.write_row(r, 1, [code, title, content, sources.get(source, source),
                                        levels.get(level, level), lead or "", co or ""])
                    if deadline is None:
                        ws.write_blank(r, 8, None)
                    else:
                        ws.write_datetime(r, 8, deadline, date_fmt)
                    ws.write_string(r, 9, states.get(state, state))
                    ws.write_number(r, 10, returns)
        wb.close()
        return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(), "rows": r}
    if name in ("import_floor", "import_floor_nogc"):
        import gc

        from python_calamine import CalamineWorkbook

        if name == "import_floor_nogc":  # the stricter floor: importing.read also reads with the GC off
            gc.disable()
        start = time.perf_counter()
        grid = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python(skip_empty_area=False)
        return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(), "rows": len(grid)}
    if name in ("import_read", "import_write"):
        from duban.documents import importing
        from duban.org.models import Jurisdiction, User

        j = Jurisdiction.objects.get(code="XLSBENCH")
        user = User.objects.get(username="xlsbench")
        with open(path, "rb") as fh:
            data = fh.read()
        start = time.perf_counter()
        result = importing.read(data, j, file_name="bench.xlsx")
        read_seconds = time.perf_counter() - start
        problems = len(result.problems)
        out: dict[str, Any] = {"seconds": read_seconds, "peak_mb": _peak_mb(), "rows": len(result.rows),
                               "problems": problems}
        if name == "import_write":
            start = time.perf_counter()
            importing.write(result, user)
            out = {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(), "rows": result.created,
                   "skipped": result.skipped}
        return out
    raise SystemExit(f"unknown phase {name}")


def run(name: str, n: int, path: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--phase", name, "--items", str(n), "--path", path],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def prepare() -> None:
    _setup()
    from django.core.management import call_command
    from django.db import connection

    from duban.core.lifecycle import Role
    from duban.org.models import Jurisdiction, RoleGrant, Unit, User

    call_command("migrate", verbosity=0)
    j, _ = Jurisdiction.objects.get_or_create(code="XLSBENCH", defaults={"name": "基准区"})
    with connection.cursor() as cur:  # a fresh run: no items from a previous one
        cur.execute("DELETE FROM documents_importeditem WHERE jurisdiction_id=%s", [j.pk])
    from duban.items.models import Assignment, Item, Sequence
    from duban.ledger.models import Event, LedgerHead

    Event.objects.filter(jurisdiction=j).delete()
    LedgerHead.objects.filter(jurisdiction=j).delete()
    Assignment.objects.filter(jurisdiction=j).delete()
    Item.objects.filter(jurisdiction=j).delete()
    Sequence.objects.filter(jurisdiction=j).delete()
    office, _ = Unit.objects.get_or_create(jurisdiction=j, code="OFFICE", defaults={"name": "督查室", "kind": "office"})
    for k in range(UNITS):
        Unit.objects.get_or_create(jurisdiction=j, code=f"U{k:02d}", defaults={"name": f"单位{k:02d}",
                                                                               "kind": "department"})
    user, created = User.objects.get_or_create(username="xlsbench", defaults={"jurisdiction": j, "unit": office})
    if created:
        RoleGrant.objects.create(jurisdiction=j, user=user, role=Role.OFFICE_STAFF)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--phase", default="")
    parser.add_argument("--path", default="")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.items, args.path)))
        return
    n = args.items
    tmp = os.environ.get("DUBAN_DATA_DIR") or "/tmp"
    os.makedirs(tmp, exist_ok=True)
    prepare()
    print(f"bench/excel: {n:,} items; each step in its own subprocess (peak = VmHWM of that process)")
    small = max(n // 10, 1)
    floor_small = run("export_floor", small, f"{tmp}/floor_small.xlsx")
    writer_small = run("export_writer", small, f"{tmp}/writer_small.xlsx")
    floor = run("export_floor", n, f"{tmp}/floor.xlsx")
    writer = run("export_writer", n, f"{tmp}/writer.xlsx")
    ledger = f"{tmp}/writer.xlsx"  # the office's ledger to import: what duban's writer produced
    # The read and its floor are short and the machine is shared: REPEAT interleaved pairs, best of each.
    triples = [(run("import_floor", n, ledger), run("import_floor_nogc", n, ledger), run("import_read", n, ledger))
               for _ in range(REPEAT)]
    pairs = [(f, r) for f, _, r in triples]
    imp_floor = min((f for f, _ in pairs), key=lambda r: r["seconds"])
    imp_floor_nogc = min((g for _, g, _ in triples), key=lambda r: r["seconds"])
    imp_read = min((r for _, r in pairs), key=lambda r: r["seconds"])
    imp_write = run("import_write", n, ledger)
    # The database export and its floor: interleaved pairs too (both read the same 100,000 items).
    db_pairs = [(run("export_db_floor", n, f"{tmp}/dbfloor.xlsx"), run("export_items", n, f"{tmp}/items.xlsx"))
                for _ in range(2)]
    db_floor = min((f for f, _ in db_pairs), key=lambda r: r["seconds"])
    items = min((r for _, r in db_pairs), key=lambda r: r["seconds"])
    assert db_floor["rows"] == items["rows"], (db_floor["rows"], items["rows"])

    def line(label: str, r: dict[str, Any], base: dict[str, Any] | None = None) -> str:
        ratio = f"  {r['seconds'] / base['seconds']:.2f}× floor" if base else ""
        return f"  {label:<46} {r['seconds']:8.2f} s  peak {r['peak_mb']:7.1f} MB{ratio}"

    print("export")
    print(line(f"xlsxwriter constant_memory floor ({small:,})", floor_small))
    print(line(f"duban write_ledger ({small:,})", writer_small, floor_small))
    print(line(f"xlsxwriter constant_memory floor ({n:,})", floor))
    print(line(f"duban write_ledger ({n:,})", writer, floor))
    print(line(f"raw SQL + xlsxwriter floor from the database ({n:,})", db_floor))
    print(line(f"duban write_items from the database ({n:,})", items, db_floor)
          + f"  ({items['seconds'] / floor['seconds']:.2f}× the plain writer floor)")
    print("import")
    print(line(f"python-calamine floor ({n:,} rows)", imp_floor))
    print(line(f"python-calamine floor, cyclic GC off ({n:,} rows)", imp_floor_nogc))
    print(line(f"duban importing.read: parse + validate ({imp_read['rows']:,})", imp_read, imp_floor))
    print("        read/floor of each pair: " + ", ".join(f"{r['seconds'] / f['seconds']:.2f}×" for f, r in pairs)
          + f"  (best of {REPEAT} each above); against the GC-off floor: "
          + f"{imp_read['seconds'] / imp_floor_nogc['seconds']:.2f}×")
    rate = imp_write["rows"] / imp_write["seconds"] if imp_write["seconds"] else 0
    print(line(f"duban importing.write: {imp_write['rows']:,} items", imp_write) + f"  ({rate:,.0f} items/s)")
    print(f"memory: write_ledger peak {writer_small['peak_mb']:.1f} MB at {small:,} rows, "
          f"{writer['peak_mb']:.1f} MB at {n:,} rows (constant memory)")
    goal_export = writer["seconds"] / floor["seconds"]
    goal_db = items["seconds"] / db_floor["seconds"]
    goal_import = imp_read["seconds"] / imp_floor["seconds"]
    print(f"goal ≤ 1.5×: export {goal_export:.2f}× {'met' if goal_export <= 1.5 else 'NOT met'}, "
          f"export from the database {goal_db:.2f}× {'met' if goal_db <= 1.5 else 'NOT met'}, "
          f"import (read) {goal_import:.2f}× {'met' if goal_import <= 1.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
