"""The urging policy as a data file: the S0 preset and file/line/field errors (SPEC §3, S0-8, S0-15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from duban.core.cadence import Period
from duban.core.urging_policy import PolicyFileError, load_urging_policy

PRESETS = Path(__file__).resolve().parents[2] / "src" / "duban" / "presets"
S0 = (PRESETS / "urging_s0.toml").read_text(encoding="utf-8")


def test_S0_8_and_S0_15_preset_loads_with_the_seed_values() -> None:
    policy = load_urging_policy(S0, "urging_s0.toml")
    assert policy.cadence.periods == {"especially": Period.WEEKLY, "fairly": Period.MONTHLY,
                                      "generally": Period.QUARTERLY}
    assert [(c.code, c.signer_role, c.answer_days) for c in policy.urging.colours] == [
        ("blue", "office_head", 2), ("yellow", "deputy_head", 2), ("red", "gov_head", None)]
    assert policy.urging.colours[2].copy_to == ("discipline", "organisation", "assessment")
    assert policy.urging.key_supervision_after == 2  # S3b-12(三)


def test_blue_orange_red_preset() -> None:
    text = (PRESETS / "urging_blue_orange_red.toml").read_text(encoding="utf-8")
    assert [c.label for c in load_urging_policy(text, "x").urging.colours] == ["蓝色", "橙色", "红色"]


@pytest.mark.parametrize(("old", "new", "field"), [
    ('especially = "weekly"', 'especially = "daily"', "cadence.especially"),
    ("receipt_working_days = 1", "receipt_working_days = -1", "cadence.receipt_working_days"),
    ('signer_role = "deputy_head"', 'signer_role = "mayor"', "colour[1].signer_role"),
    ('copy_to = ["assessment"]', 'copy_to = ["press"]', "colour[1].copy_to"),
    ('answer_day_count = "working"', 'answer_day_count = "lunar"', "urging.answer_day_count"),
    ("escalate_after = 2", "escalate_after = 2\ncolor = 1", "urging.color"),
])
def test_errors_name_file_line_and_field(old: str, new: str, field: str) -> None:
    text = S0.replace(old, new, 1)
    with pytest.raises(PolicyFileError) as info:
        load_urging_policy(text, "office.toml")
    expected_line = next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(new.split("\n")[-1]))
    assert info.value.field == field and info.value.line == expected_line
    assert str(info.value).startswith(f"office.toml:{expected_line}: {field}:")


def test_unknown_top_level_key_and_broken_toml() -> None:
    with pytest.raises(PolicyFileError, match=r"x\.toml:1: colours"):
        load_urging_policy("colours = 1\n" + S0, "x.toml")
    with pytest.raises(PolicyFileError, match="toml"):
        load_urging_policy("name = \n", "x.toml")
