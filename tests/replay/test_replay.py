"""Replaying scenarios through the real engine (issue: urging engine §6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from duban.replay.engine import run
from duban.replay.scenario import ScenarioError, load

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "late-unit.json"


@pytest.mark.django_db
def test_example_scenario_produces_blue_then_yellow_signed_by_the_right_leaders() -> None:
    output = run(load(EXAMPLE.read_text(encoding="utf-8"), "late-unit.json"))
    tickets = [(t["unit"], t["colour"], t["signed_by"], t["number"]) for t in output["tickets"]]
    assert tickets == [("FGJ", "blue", "office_head", "督催〔2026〕1号"),
                       ("FGJ", "yellow", "deputy", "督催〔2026〕2号")]
    kinds = [e["kind"] for e in output["events"]]
    assert "key_supervision" in kinds and "fact_recorded" in kinds
    assert output["items"]["A1"]["key_supervision"] is True
    assert output["errors"] == []


@pytest.mark.django_db
def test_refused_actions_are_reported_and_the_replay_goes_on() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["actions"].insert(0, {"at": "2026-03-02T12:00", "action": "complete", "item": "A1"})
    output = run(load(json.dumps(data), "x.json"))
    assert output["errors"][0]["kind"] == "complete" and output["errors"][0]["status"] == 409
    assert len(output["tickets"]) == 2


def test_bad_scenario_names_the_field() -> None:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["items"][0]["lead"] = "NOPE"
    with pytest.raises(ScenarioError, match=r"items\[0\]\.lead"):
        load(json.dumps(data), "x.json")
    with pytest.raises(ScenarioError, match=r"x\.json:1"):
        load("{bad json", "x.json")


def test_cli_runs_on_a_throwaway_database(tmp_path: Path) -> None:
    env = {**os.environ, "DUBAN_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "duban.settings"}
    result = subprocess.run([sys.executable, "-m", "duban", "replay", str(EXAMPLE), "--until", "2026-03-06"],
                            env=env, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert [t["colour"] for t in output["tickets"]] == ["blue"]  # yellow would come on 9 Mar
    assert not (tmp_path / "duban.sqlite3").exists()  # the office's database was never touched
