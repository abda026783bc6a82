"""bench/scoring: a full year's ranking over 5,000 units and 5 million score-ledger entries (PostgreSQL).

Every entry carries its shape: the (kind, canonical attributes) pair interned in ``scoring_scoreshape``,
filled on write by the app (``scoring.models.shape_ids``); the generator fills it the same way (each
generated pair is added to the shape table once, each entry points at its pair's id).

In one run, on the same data, each side run in turn in every round (the machine is shared: all see the
same load; medians are printed):
- S0 SQL, text:   the S0 policy written by hand as one raw SQL statement over the entries (points by CASE
                  on kind and the JSON attributes of every entry, GROUP BY unit, the bonus/deduction caps,
                  S0-A三.5's share of the category's most via a window, RANK() per category) — what a
                  SQL-only scorer costs, with no lines; its totals and ranks are checked equal to ours;
- S0 SQL, shapes: the same statement over the interned key: entries grouped by (unit, shape) on integers
                  first, then each group's shape joined and its JSON read — a SQL-only scorer that uses
                  the shape table as well as ours does (checked equal too);
- bare, text:     ``GROUP BY unit, kind, attrs`` of the entries, fetched (what any scorer must read);
- bare, shapes:   ``GROUP BY unit, shape`` of the entries on integers, fetched — the same grouping on the
                  interned key, the strongest bare floor (``ours / bare`` is against this one);
- ours:           ``scoring.selectors.compute``: reads the shapes of the kinds the policy reads (one small
                  query) and maps each to the attributes the policy reads (``core.scoring.fact_requirements``),
                  then one SQL GROUP BY (unit, projection, value) of the entries of those kinds — the
                  projection an array lookup on the shape id; a one-year period is one bucket, so no
                  year column — run with enable_sort off and put back (the planner cannot estimate the
                  projection's groups); then the pure core engine on the aggregated rows: totals, caps,
                  share-of-max, ranks per category, every line with its figures, built eagerly as named
                  tuples (S0 policy, eight categories); the Chinese explanations are built only when a
                  unit's page asks. The floors run with PostgreSQL's default settings (measured:
                  enable_sort off does not make them faster at 1M or 5M entries; they plan a hash
                  aggregate already);
- re-rank:        10,000 new entries inserted, then the ranking recomputed (ours and both S0 SQL again).
Entries are generated with ``INSERT … SELECT … generate_series`` (never the ORM per row), then ANALYZE.

Usage: DUBAN_DATABASE_URL=postgresql://… python bench/scoring/bench_scoring.py [--units 5000] [--entries 5000000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

# (kind, attrs SQL expression) — a plausible year's mix of S0 facts; g is the generate_series value.
LEVEL = "(ARRAY['especially','fairly','generally'])[(1 + ((g::bigint * 40503) / 7) % 3)::int]"
ROLE = "(ARRAY['lead','co'])[(1 + ((g::bigint * 69069) / 3) % 2)::int]"
COLOUR = "(ARRAY['blue','blue','blue','yellow','yellow','red'])[(1 + ((g::bigint * 48271) / 11) % 6)::int]"
TIER = "(ARRAY['district','district','municipal','provincial','national'])[(1 + ((g::bigint * 16807) / 13) % 5)::int]"
MIX = [
    ("item_assigned", f"'{{\"level\":\"' || {LEVEL} || '\",\"role\":\"' || {ROLE} || '\"}}'"),
    ("item_assigned", f"'{{\"level\":\"' || {LEVEL} || '\",\"role\":\"' || {ROLE} || '\"}}'"),
    ("item_closed", f"'{{\"level\":\"' || {LEVEL} || '\",\"role\":\"' || {ROLE} || '\"}}'"),
    ("item_closed", f"'{{\"level\":\"' || {LEVEL} || '\",\"role\":\"' || {ROLE} || '\"}}'"),
    ("late_report", f"'{{\"level\":\"' || {LEVEL} || '\",\"role\":\"' || {ROLE} || '\"}}'"),
    ("late_receipt", f"'{{\"level\":\"' || {LEVEL} || '\",\"role\":\"' || {ROLE} || '\"}}'"),
    ("ticket_issued", f"'{{\"colour\":\"' || {COLOUR} || '\",\"level\":\"' || {LEVEL} || '\",\"role\":\"' || {ROLE} "
                      "|| '\"}'"),
    ("milestone_due", f"'{{\"level\":\"' || {LEVEL} || '\",\"role\":\"' || {ROLE} || '\"}}'"),
    ("quality_finding", f"'{{\"level\":\"' || {LEVEL} || '\"}}'"),
    ("commendation", f"'{{\"tier\":\"' || {TIER} || '\"}}'"),
]


def kind_case() -> tuple[str, str]:
    kinds = " ".join(f"WHEN {i} THEN '{k}'" for i, (k, _) in enumerate(MIX))
    attrs = " ".join(f"WHEN {i} THEN {a}" for i, (_, a) in enumerate(MIX))
    # psycopg placeholders: a literal % is written %%.
    return (f"CASE (g::bigint * 48611 / 3) %% {len(MIX)} {kinds} END".replace(") % ", ") %% "),
            f"CASE (g::bigint * 48611 / 3) %% {len(MIX)} {attrs} END".replace(") % ", ") %% "))


def setup(units: int) -> int:
    from duban.org.models import Category, Jurisdiction, Unit

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("TRUNCATE scoring_scoreentry, scoring_scoreshape, scoring_triggerrecord, scoring_publishedresult, "
                    "scoring_policychoice, scoring_synccursor RESTART IDENTITY CASCADE")
    j, _ = Jurisdiction.objects.get_or_create(code="BENCH-SCORING", defaults={"name": "评分基准区"})
    if Unit.objects.filter(jurisdiction=j).count() != units:
        Unit.objects.filter(jurisdiction=j).delete()
        cats = []
        for i, (code, name) in enumerate([("GNQ", "功能区类"), ("JD", "街道类"), ("DQ", "党群类"), ("JJ", "经济发展类"),
                                          ("ZS", "招商类"), ("ZH", "综合管理类"), ("FW", "综合服务类"),
                                          ("ZQ", "驻区类")]):
            cats.append(Category.objects.get_or_create(jurisdiction=j, code=code, defaults={"name": name,
                                                                                          "order": i})[0])
        Unit.objects.bulk_create([Unit(jurisdiction=j, code=f"B{n:05d}", name=f"基准单位{n}",
                                       kind=Unit.Kind.DEPARTMENT, category=cats[n % 8], path=f"/b{n}/")
                                  for n in range(units)], batch_size=2000)
    return j.pk


def insert(j: int, count: int, offset: int, units: tuple[int, int]) -> None:
    """``count`` entries; their (kind, attrs) pairs interned first, as ``scoring.models.shape_ids`` does."""
    kind, attrs = kind_case()
    umin, umax = units
    params = {"j": j, "umin": umin, "umax": umax, "lo": offset + 1, "hi": offset + count}
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO scoring_scoreshape (kind, attrs)
            SELECT DISTINCT {kind}, {attrs} FROM generate_series(%(lo)s, %(hi)s) g
            ON CONFLICT (kind, attrs) DO NOTHING
            """, params)
        cur.execute(
            f"""
            INSERT INTO scoring_scoreentry (jurisdiction_id, unit_id, kind, day, quarter, attrs, shape_id, value,
                times, rule_id, mapping, origin, summary, reason, created_at)
            SELECT %(j)s, %(umin)s + (((g::bigint * 2654435761) / 97) %% (%(umax)s - %(umin)s + 1))::int, x.kind,
                   DATE '2026-01-01' + (g %% 365),
                   2026 * 4 + EXTRACT(QUARTER FROM DATE '2026-01-01' + (g %% 365))::int - 1,
                   x.attrs, s.id, NULL, 1, '', 'bench.' || g, 'event', '', '', now()
            FROM (SELECT g, {kind} AS kind, {attrs} AS attrs FROM generate_series(%(lo)s, %(hi)s) g) x
            JOIN scoring_scoreshape s ON s.kind = x.kind AND s.attrs = x.attrs
            ORDER BY g
            """, params)
        cur.execute("ANALYZE")  # every table: a plan made on an org_unit without statistics can take minutes


TIER_PTS = "CASE a->>'tier' WHEN 'national' THEN 5 WHEN 'ministry' THEN 5 WHEN 'provincial' THEN 3 " \
           "WHEN 'municipal' THEN 2 WHEN 'district' THEN 1 ELSE 0 END"
LEVEL_PTS = "CASE a->>'level' WHEN 'especially' THEN {} WHEN 'fairly' THEN {} WHEN 'generally' THEN {} ELSE 0 END"
S0_TAIL = f"""
p AS (
    SELECT unit_id,
        SUM(CASE WHEN kind IN ('commendation', 'promoted_experience', 'leader_instruction_positive',
                               'research_adopted') THEN times * ({TIER_PTS}) ELSE 0 END) AS bonus,
        SUM(CASE WHEN kind = 'item_closed' AND a->>'role' = 'lead' THEN times ELSE 0 END) AS closed,
        SUM(CASE WHEN kind = 'leader_instruction_negative' THEN times * ({TIER_PTS})
                 WHEN kind IN ('late_receipt', 'late_report', 'late_objection', 'quality_finding')
                      THEN times * ({LEVEL_PTS.format(3, 2, 1)})
                 WHEN kind = 'principle_problem' THEN times * ({LEVEL_PTS.format(10, 5, 3)})
                 WHEN kind = 'ticket_issued' THEN times * (CASE a->>'colour' WHEN 'red' THEN 10 WHEN 'yellow' THEN 5
                                                                WHEN 'blue' THEN 3 ELSE 0 END)
                 ELSE 0 END) AS ded
    FROM e GROUP BY unit_id),
u AS (
    SELECT o.id, o.category_id, COALESCE(p.bonus, 0) AS b, COALESCE(p.closed, 0) AS c, COALESCE(p.ded, 0) AS d
    FROM org_unit o LEFT JOIN p ON p.unit_id = o.id
    WHERE o.jurisdiction_id = %(j)s AND o.active AND o.category_id IS NOT NULL),
s AS (
    SELECT id, category_id, ROUND((80 + LEAST(b + CASE WHEN MAX(c) OVER w > 0 THEN 10.0 * c / MAX(c) OVER w
                                                        ELSE 0 END, 20) - LEAST(d, 80))::numeric, 2) AS total
    FROM u WINDOW w AS (PARTITION BY category_id))
SELECT id, total, RANK() OVER (PARTITION BY category_id ORDER BY total DESC) FROM s
"""
# Every entry's JSON read (text → jsonb per row).
S0_SQL = """
WITH e AS (
    SELECT unit_id, kind, attrs::jsonb AS a, times FROM scoring_scoreentry
    WHERE jurisdiction_id = %(j)s AND quarter BETWEEN %(q0)s AND %(q1)s),""" + S0_TAIL
# Grouped on the interned key first; each (unit, shape) group's JSON read once.
S0_SQL_SHAPES = """
WITH e AS (
    SELECT g.unit_id, s.kind, s.attrs::jsonb AS a, g.times
    FROM (SELECT unit_id, shape_id, SUM(times) AS times FROM scoring_scoreentry
          WHERE jurisdiction_id = %(j)s AND quarter BETWEEN %(q0)s AND %(q1)s GROUP BY unit_id, shape_id) g
    JOIN scoring_scoreshape s ON s.id = g.shape_id),""" + S0_TAIL


def sql_scorer(j: int, sql: str = S0_SQL) -> dict[str, tuple[float, int]]:
    """S0 written directly in SQL (base 80, bonus ≤ 20 with S0-A三.5's share of the category's most,
    deductions ≤ 80, RANK() per category): the floor a SQL-only scorer would cost, without lines."""
    with connection.cursor() as cur:
        cur.execute(sql, {"j": j, "q0": 2026 * 4, "q1": 2026 * 4 + 3})
        return {str(unit): (float(total), int(rank)) for unit, total, rank in cur.fetchall()}


def bare_text(j: int) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT unit_id, kind, attrs, SUM(times) FROM scoring_scoreentry "
                    "WHERE jurisdiction_id = %s AND quarter BETWEEN %s AND %s GROUP BY unit_id, kind, attrs",
                    [j, 2026 * 4, 2026 * 4 + 3])
        return len(cur.fetchall())


def bare_shapes(j: int) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT unit_id, shape_id, SUM(times) FROM scoring_scoreentry "
                    "WHERE jurisdiction_id = %s AND quarter BETWEEN %s AND %s GROUP BY unit_id, shape_id",
                    [j, 2026 * 4, 2026 * 4 + 3])
        return len(cur.fetchall())


def ours(j: int) -> Any:
    from duban.scoring import selectors

    return selectors.compute(j, "2026", with_history=False)


def rounds(sides: dict[str, Callable[[], Any]], repeat: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Median time of each side, the sides run in turn in every round (all see the same load)."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    out: dict[str, Any] = {}
    for _ in range(repeat):
        for name, fn in sides.items():
            started = time.perf_counter()
            out[name] = fn()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(t) for name, t in times.items()}, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/scoring needs PostgreSQL: set DUBAN_DATABASE_URL")
    from duban.org.models import Unit

    j = setup(args.units)
    bounds = Unit.objects.filter(jurisdiction_id=j).order_by("pk").values_list("pk", flat=True)
    umin, umax = bounds.first(), bounds.last()
    assert umin is not None and umax is not None
    started = time.perf_counter()
    step = 1_000_000
    for offset in range(0, args.entries, step):
        insert(j, min(step, args.entries - offset), offset, (umin, umax))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM scoring_scoreshape")
        n_shapes = cur.fetchone()[0]
    print(f"generated {args.entries:,} entries ({n_shapes} shapes) for {args.units:,} units in "
          f"{time.perf_counter() - started:.1f} s")
    sides: dict[str, Callable[[], Any]] = {
        "sql": lambda: sql_scorer(j), "sql_shapes": lambda: sql_scorer(j, S0_SQL_SHAPES),
        "bare_text": lambda: bare_text(j), "bare_shapes": lambda: bare_shapes(j), "ours": lambda: ours(j)}
    for fn in sides.values():
        fn()  # warm caches (policy parse, plans) once; every side then runs on a warm buffer cache
    t, out = rounds(sides, args.repeat)
    scores = out["ours"].result.scores
    explained = all(round(s.base + sum(x.contribution for x in s.lines), 2) == s.total for s in scores)
    mine = {s.unit: (s.total, s.rank) for s in scores}
    same, same_shapes = mine == out["sql"], mine == out["sql_shapes"]
    print(f"floor  S0 as one raw SQL statement, every entry's JSON read (CASE points, caps, share of the category "
          f"max, RANK()): {t['sql']:.3f} s")
    print(f"floor  the same over the shapes (GROUP BY unit, shape on integers, then each group's JSON): "
          f"{t['sql_shapes']:.3f} s")
    print(f"ref    bare GROUP BY (unit, kind, attrs) fetched ({out['bare_text']:,} groups): {t['bare_text']:.3f} s")
    print(f"ref    bare GROUP BY (unit, shape) fetched ({out['bare_shapes']:,} groups): {t['bare_shapes']:.3f} s")
    print(f"ours   compute(): SQL GROUP BY (unit, projection of the shape, value) + core engine, "
          f"{len(scores):,} units in {len(out['ours'].policy.categories)} categories, totals and ranks equal "
          f"both SQL floors': {same and same_shapes}, every total = base + its lines: {explained}: {t['ours']:.3f} s")
    print(f"ratio  ours / S0 SQL = {t['ours'] / t['sql']:.2f}x (goal <= 1.5x); ours / S0 SQL over shapes = "
          f"{t['ours'] / t['sql_shapes']:.2f}x")
    print(f"ratio  ours / bare GROUP BY (unit, shape) = {t['ours'] / t['bare_shapes']:.2f}x (goal <= 1.5x); "
          f"ours / bare GROUP BY (unit, kind, attrs) = {t['ours'] / t['bare_text']:.2f}x")
    insert(j, args.new, args.entries, (umin, umax))
    again = {name: sides[name] for name in ("sql", "sql_shapes", "ours")}
    t2, out2 = rounds(again, args.repeat)
    scores2 = out2["ours"].result.scores
    moved = sum(1 for a, b in zip(scores, scores2, strict=False) if (a.unit, a.rank) != (b.unit, b.rank))
    mine2 = {s.unit: (s.total, s.rank) for s in scores2}
    same2 = mine2 == out2["sql"] and mine2 == out2["sql_shapes"]
    print(f"re-rank after {args.new:,} new entries: {t2['ours']:.3f} s (S0 SQL {t2['sql']:.3f} s, ratio "
          f"{t2['ours'] / t2['sql']:.2f}x; over shapes {t2['sql_shapes']:.3f} s, ratio "
          f"{t2['ours'] / t2['sql_shapes']:.2f}x); {moved:,} units changed position; equal to both SQL floors: "
          f"{same2}")


if __name__ == "__main__":
    main()
