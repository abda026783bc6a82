"""bench/scoring: a full year's ranking over 5,000 units and 5 million score-ledger entries (PostgreSQL).

In one run, on the same data:
- floor: the S0 policy written by hand as one raw SQL statement over the same entries (points by CASE on
         kind and attributes, GROUP BY unit, the bonus/deduction caps, S0-A三.5's share of the category's
         most via a window, RANK() per category) — what a SQL-only scorer costs, with no explanations;
         its totals and ranks are checked equal to ours;
- ref:   a bare ``GROUP BY unit, kind, attributes`` of the entries, fetched (what any scorer must read);
- ours:  ``scoring.selectors.compute`` — one SQL aggregation that keeps only the kinds and attributes the
         policy reads (``core.scoring.fact_requirements``), grouped by unit, kind, year, attributes and
         value, then the pure core engine on the aggregated rows: totals, caps, share-of-max, ranks per
         category, every line (S0 policy, eight categories);
- ratio = ours / floor (goal ≤ 1.5×);
- re-rank: 10,000 new entries inserted, then the ranking recomputed (time and ratio to a fresh floor).
Entries are generated with ``INSERT … SELECT … generate_series`` (never the ORM per row).

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
        cur.execute("TRUNCATE scoring_scoreentry, scoring_triggerrecord, scoring_publishedresult, "
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
    kind, attrs = kind_case()
    umin, umax = units
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO scoring_scoreentry (jurisdiction_id, unit_id, kind, day, quarter, attrs, value, times,
                rule_id, mapping, origin, summary, reason, created_at)
            SELECT %(j)s, %(umin)s + (((g::bigint * 2654435761) / 97) %% (%(umax)s - %(umin)s + 1))::int, {kind},
                   DATE '2026-01-01' + (g %% 365),
                   2026 * 4 + EXTRACT(QUARTER FROM DATE '2026-01-01' + (g %% 365))::int - 1,
                   {attrs}, NULL, 1, '', 'bench.' || g, 'event', '', '', now()
            FROM generate_series(%(lo)s, %(hi)s) g
            """,
            {"j": j, "umin": umin, "umax": umax, "lo": offset + 1, "hi": offset + count},
        )
        cur.execute("ANALYZE scoring_scoreentry")


TIER_PTS = "CASE a->>'tier' WHEN 'national' THEN 5 WHEN 'ministry' THEN 5 WHEN 'provincial' THEN 3 " \
           "WHEN 'municipal' THEN 2 WHEN 'district' THEN 1 ELSE 0 END"
LEVEL_PTS = "CASE a->>'level' WHEN 'especially' THEN {} WHEN 'fairly' THEN {} WHEN 'generally' THEN {} ELSE 0 END"
S0_SQL = f"""
WITH e AS (
    SELECT unit_id, kind, attrs::jsonb AS a, times FROM scoring_scoreentry
    WHERE jurisdiction_id = %(j)s AND quarter BETWEEN %(q0)s AND %(q1)s),
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


def sql_scorer(j: int) -> dict[str, tuple[float, int]]:
    """S0 written directly in SQL (base 80, bonus ≤ 20 with S0-A三.5's share of the category's most,
    deductions ≤ 80, RANK() per category): the floor a SQL-only scorer would cost, without lines."""
    with connection.cursor() as cur:
        cur.execute(S0_SQL, {"j": j, "q0": 2026 * 4, "q1": 2026 * 4 + 3})
        return {str(unit): (float(total), int(rank)) for unit, total, rank in cur.fetchall()}


def floor(j: int) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT unit_id, kind, attrs, SUM(times) FROM scoring_scoreentry "
                    "WHERE jurisdiction_id = %s AND quarter BETWEEN %s AND %s GROUP BY unit_id, kind, attrs",
                    [j, 2026 * 4, 2026 * 4 + 3])
        return len(cur.fetchall())


def ours(j: int) -> Any:
    from duban.scoring import selectors

    return selectors.compute(j, "2026", with_history=False)


def paired(a: Callable[[], Any], b: Callable[[], Any], repeat: int) -> tuple[float, float, Any, Any]:
    """Median times of ``a`` and ``b`` run alternately (the machine is shared: both see the same load)."""
    ta, tb = [], []
    out_a = out_b = None
    for _ in range(repeat):
        started = time.perf_counter()
        out_a = a()
        ta.append(time.perf_counter() - started)
        started = time.perf_counter()
        out_b = b()
        tb.append(time.perf_counter() - started)
    return statistics.median(ta), statistics.median(tb), out_a, out_b


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
    print(f"generated {args.entries:,} entries for {args.units:,} units in {time.perf_counter() - started:.1f} s")
    ours(j)  # warm caches (policy parse, plans) once; both sides then run on a warm buffer cache
    sql_scorer(j)
    t_sql, t_ours, sql, comp = paired(lambda: sql_scorer(j), lambda: ours(j), args.repeat)
    t_group, _, groups, _ = paired(lambda: floor(j), lambda: None, args.repeat)
    scores = comp.result.scores
    explained = all(round(s.base + sum(x.contribution for x in s.lines), 2) == s.total for s in scores)
    same = {s.unit: (s.total, s.rank) for s in scores} == sql
    print(f"floor  S0 as one raw SQL GROUP BY (CASE points, caps, share of the category max, RANK()): "
          f"{t_sql:.3f} s")
    print(f"ours   compute(): SQL aggregation of the kinds/attributes S0 reads + core engine, {len(scores):,} units "
          f"in {len(comp.policy.categories)} categories, totals and ranks equal the SQL floor's: {same}, every "
          f"total = base + its lines: {explained}: {t_ours:.3f} s")
    print(f"ratio  ours / floor = {t_ours / t_sql:.2f}x (goal <= 1.5x)")
    print(f"ref    bare GROUP BY (unit, kind, attrs) fetched ({groups:,} groups): {t_group:.3f} s; "
          f"ours / bare = {t_ours / t_group:.2f}x")
    insert(j, args.new, args.entries, (umin, umax))
    t_sql2, t_rerank, sql2, comp2 = paired(lambda: sql_scorer(j), lambda: ours(j), args.repeat)
    moved = sum(1 for a, b in zip(scores, comp2.result.scores, strict=False) if (a.unit, a.rank) != (b.unit, b.rank))
    same2 = {s.unit: (s.total, s.rank) for s in comp2.result.scores} == sql2
    print(f"re-rank after {args.new:,} new entries: {t_rerank:.3f} s (SQL floor {t_sql2:.3f} s, ratio "
          f"{t_rerank / t_sql2:.2f}x); {moved:,} units changed position; equal to the SQL floor: {same2}")


if __name__ == "__main__":
    main()
