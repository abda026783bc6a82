"""The engine's general behaviour: grouping, hints, ranks, caps allocation, periods, what-if (SPEC §4)."""

from __future__ import annotations

import datetime as dt

from duban.core.scoring import Period, Unit, compare, fact, load_policy, rank_from_bottom, score, what_if
from duban.core.scoring.tomlpos import dotted, key_lines

from .common import explained, preset, preset_text

YEAR = Period.year(2026)


def test_S0_A4_5_grouped_rows_score_like_single_facts() -> None:
    """A ledger GROUP BY (``times`` > 1) and the individual facts give the same totals and lines."""
    units = [Unit("A", "JJ"), Unit("B", "JJ")]
    single = [fact("A", "ticket_issued", "2026-03-04", colour="blue", ref=f"t{i}") for i in range(7)]
    single += [fact("B", "item_closed", "2026-03-04", role="lead") for _ in range(4)]
    single += [fact("A", "item_closed", "2026-05-04", role="lead") for _ in range(2)]
    grouped = [fact("A", "ticket_issued", "2026-03-01", colour="blue", times=7),
               fact("B", "item_closed", "2026-03-01", role="lead", times=4),
               fact("A", "item_closed", "2026-04-01", role="lead", times=2)]
    a, b = score(preset("s0"), units, single, YEAR), score(preset("s0"), units, grouped, YEAR)
    assert [(s.unit, s.total, s.rank) for s in a.scores] == [(s.unit, s.total, s.rank) for s in b.scores]
    assert a.unit("A").total == 80 + 5 - 21
    assert [x.points for x in a.unit("A").lines] == [x.points for x in b.unit("A").lines]
    assert a.facts_used == b.facts_used == 13


def test_rule_hint_only_lets_the_named_rule_take_the_fact() -> None:
    facts = [fact("A", "late_report", "2026-03-04", level="fairly", rule="S0-A四.2"),
             fact("A", "late_report", "2026-03-05", level="fairly", rule="S0-A四.3")]
    r = score(preset("s0"), [Unit("A", "JJ")], facts, YEAR)
    assert r.unit("A").total == 78  # the second names a rule that does not take late_report
    assert r.warnings == ("1 条 late_report 事实没有匹配到任何规则",)


def test_lines_carry_refs_unless_asked_not_to() -> None:
    facts = [fact("A", "ticket_issued", "2026-03-04", colour="red", ref="EV-1")]
    assert score(preset("s0"), [Unit("A", "JJ")], facts, YEAR).unit("A").lines[0].refs == ("EV-1",)
    assert score(preset("s0"), [Unit("A", "JJ")], facts, YEAR, keep_refs=False).unit("A").lines[0].refs == ()


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    units = [Unit(u, "JJ") for u in "ABCD"]
    facts = [fact("B", "ticket_issued", "2026-03-04", colour="blue"), fact("C", "ticket_issued", "2026-03-04",
                                                                          colour="blue"),
             fact("D", "ticket_issued", "2026-03-04", colour="red")]
    r = score(preset("s0"), units, facts, YEAR)
    assert [(s.unit, s.rank) for s in r.scores] == [("A", 1), ("B", 2), ("C", 2), ("D", 4)]
    assert [rank_from_bottom(s, r.scores) for s in r.scores] == [4, 2, 2, 1]


def test_S0_A2_proportional_allocation_is_one_setting_away() -> None:
    policy = load_policy(preset_text("s0").replace('allocation = "in_order"', 'allocation = "proportional"'), "x.toml")
    facts = [fact("A", "commendation", "2026-01-01", tier="national"),
             fact("A", "research_adopted", "2026-01-01", tier="national"),
             fact("A", "promoted_experience", "2026-01-01", tier="national"),
             fact("A", "item_closed", "2026-01-01", role="lead")]
    s = score(policy, [Unit("A", "JJ")], facts, YEAR).unit("A")
    assert [x.capped for x in s.lines] == [4, 4, 4, 8]  # 5,5,5,10 scaled by 20/25
    assert s.total == 100 and explained(s) == 100


def test_facts_outside_the_period_and_of_unknown_units_are_set_aside() -> None:
    facts = [fact("A", "ticket_issued", "2025-12-31", colour="red"),
             fact("A", "ticket_issued", "2027-01-01", colour="red"),
             fact("Z", "ticket_issued", "2026-05-01", colour="red")]
    r = score(preset("s0"), [Unit("A", "JJ")], facts, YEAR)
    assert (r.facts_ignored, r.facts_used, r.unit("A").total) == (2, 1, 80)
    assert "事实所属单位 Z 不在评分单位中，已忽略" in r.warnings


def test_S3b_12_3_returns_numbered_by_date_per_item_when_the_ledger_gives_no_n() -> None:
    facts = [fact("A", "return", "2026-05-01", item="X"), fact("A", "return", "2026-02-01", item="X"),
             fact("A", "return", "2026-03-01", item="Y")]
    s = score(preset("s3b"), [Unit("A", "county")], facts, YEAR).unit("A")
    # X: 1st (Feb), 2nd (May); Y: 1st (Mar) — the two first returns of Q1 share a line.
    assert [(x.bucket, x.variant, x.count, x.points) for x in s.lines] == [
        ("2026年第1季度", "第1次", 2, -1), ("2026年第2季度", "第2次", 1, -1.5)]
    unit_scope = load_policy(preset_text("s3b").replace('scope = "item"', 'scope = "unit"'), "x.toml")
    s = score(unit_scope, [Unit("A", "county")], facts, YEAR).unit("A")
    assert [(x.variant, x.points) for x in s.lines] == [("第1次", -0.5), ("第2次", -1.5), ("第3次", -2.5)]


def test_S3b_12_3_ledger_return_count_carries_across_periods() -> None:
    facts = [fact("A", "return", "2026-02-01", item="X", n=3)]  # returned twice last year already
    assert score(preset("s3b"), [Unit("A", "county")], facts, YEAR).unit("A").total == 97.5


def test_periods_and_buckets() -> None:
    q = Period.quarter(2026, 4)
    assert (q.start, q.end, q.label, q.quarters) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026年第4季度", 1)
    b = Period.biennium(2025)
    assert (b.bucket_count("year"), b.bucket_count("quarter"), b.bucket_label("year", 1)) == (2, 8, "2026年")
    assert b.bucket_of(5, "year") == 1 and b.bucket_label("quarter", 5) == "2026年第2季度"


def test_what_if_rankings_side_by_side() -> None:
    """The same facts under S0 and under an edited S0 where a red ticket costs 20 (SPEC §4 what-if)."""
    edited = load_policy(preset_text("s0").replace("table = { red = 10,", "table = { red = 20,"), "s0-edited.toml")
    units = [Unit("A", "JJ"), Unit("B", "JJ"), Unit("C", "JJ")]
    facts = [fact("A", "ticket_issued", "2026-03-04", colour="red"),
             fact("B", "ticket_issued", "2026-03-04", colour="yellow"),
             fact("B", "ticket_issued", "2026-03-05", colour="yellow"),
             fact("B", "ticket_issued", "2026-03-06", colour="blue")]
    before, after, rows = what_if(preset("s0"), edited, units, iter(facts), YEAR)
    table = {r.unit: (r.total_a, r.rank_a, r.total_b, r.rank_b, r.delta_total, r.delta_rank) for r in rows}
    assert table == {"C": (80, 1, 80, 1, 0, 0), "A": (70, 2, 60, 3, -10, -1), "B": (67, 3, 67, 2, 0, 1)}
    assert [r.unit for r in rows if r.changed] == ["A", "B"]
    assert compare(before, after) == rows


def test_what_if_across_policies_with_different_categories() -> None:
    units_s0 = [Unit("A", "JJ"), Unit("B", "JJ")]
    units_s1 = [Unit("A", "all"), Unit("B", "all")]
    facts = [fact("A", "item_assigned", "2026-01-01"), fact("B", "item_assigned", "2026-01-01"),
             fact("A", "late_report", "2026-03-04", level="generally")]
    _, _, rows = what_if(preset("s0"), preset("s1"), units_s0, facts, YEAR, units_b=units_s1)
    assert [(r.unit, r.total_a, r.total_b, r.category_a, r.category_b) for r in rows] == [
        ("B", 80, 100, "JJ", "all"), ("A", 79, 98, "JJ", "all")]


def test_toml_positions_of_keys_tables_and_array_elements() -> None:
    text = '''# comment with = sign
name = "x" # trailing
"quoted key" = 1
multi = """line one
still = not a key
"""
[a.b]
c = [
  1,
  { d = 2, "e f" = 3 },
]
[[rule]]
id = "one"
[[rule]]
id = "two"
[rule.points]
by = "level"
'''
    lines = key_lines(text)
    assert lines[("name",)] == 2 and lines[("quoted key",)] == 3 and lines[("multi",)] == 4
    assert ("still",) not in lines
    assert lines[("a", "b")] == 7 and lines[("a", "b", "c")] == 8
    assert lines[("a", "b", "c", 1, "d")] == 10 and lines[("a", "b", "c", 1, "e f")] == 10
    assert lines[("rule", 0, "id")] == 13 and lines[("rule", 1, "id")] == 15
    assert lines[("rule", 1, "points", "by")] == 17
    assert dotted(("rule", 1, "points", "by")) == "rule[1].points.by"
