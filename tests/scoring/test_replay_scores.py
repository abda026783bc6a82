"""Replay output gains the scores (issue 4 item 5): per unit total, parts, rank, lines with rule IDs."""

from __future__ import annotations

from pathlib import Path

import pytest

from duban.replay.engine import run
from duban.replay.scenario import load

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "late-unit.json"


@pytest.mark.django_db
def test_late_unit_scores_under_s0() -> None:
    output = run(load(EXAMPLE.read_text(encoding="utf-8"), "late-unit.json"))
    scores = output["scores"]
    assert (scores["policy"], scores["period"]) == ("s0", "2026")
    fgj = scores["units"]["FGJ"]
    # S0-A二 80 + S0-A三.1 municipal commendation 2 − S0-A四.2 late receipt (比较重要) 2
    # − S0-A四.5 blue 3 − yellow 5 = 72
    assert (fgj["total"], fgj["bonus"], fgj["deductions"], fgj["rank"]) == (72.0, 2.0, 10.0, 1)
    assert [(x["rule_id"], x["contribution"]) for x in fgj["lines"]] == [
        ("S0-A三.1", 2.0), ("S0-A四.2", -2.0), ("S0-A四.5", -3.0), ("S0-A四.5", -5.0)]
    seqs = {e["seq"]: e["kind"] for e in output["events"]}
    assert [seqs[s] for x in fgj["lines"] for s in x["events"]] == [
        "fact_recorded", "receive", "ticket_issued", "ticket_issued"]
    assert scores["units"]["CZJ"]["total"] == 80.0 and scores["units"]["CZJ"]["category"] == "ZH"


@pytest.mark.django_db
def test_scenario_policy_and_period() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('"policy": "S0"', '"policy": "s3b", "score_period": "2026Q1"')
    scores = run(load(text, "late-unit.json"))["scores"]
    assert (scores["policy"], scores["period"]) == ("s3b", "2026Q1")
