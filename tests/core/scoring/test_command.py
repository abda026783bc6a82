"""``duban policy check FILE|PRESET`` and ``duban policy list`` (issue 4 item 1). No database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.scoring.management.commands.duban_policy import Command

from .common import preset_text


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(Command(), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_list_shows_the_five_presets() -> None:
    out, _ = run("list")
    assert [line.split()[0] for line in out.splitlines()] == ["s0", "s1", "s2c", "s2e", "s3b"]


@pytest.mark.parametrize("name", ["s0", "s1", "s3b", "s2e"])
def test_check_a_clean_preset_passes(name: str) -> None:
    out, err = run("check", name, "--quiet")
    assert err == "" and out.strip() == f"{name}.toml：0 个错误，0 个警告，校验通过。"


def test_S2c_3_4_check_reports_the_seed_mismatch_and_exits_0() -> None:
    out, _ = run("check", "s2c")
    assert "s2c.toml:36: category[2].full_mark: [警告 warning]" in out
    assert "0 个错误，1 个警告" in out
    assert "可得分范围 achievable 0–82" in out  # the info lines unless --quiet


def test_check_with_readings_lists_them() -> None:
    out, _ = run("check", "s3b", "--quiet", "--readings")
    assert "读法 reading S3b-12(三)" in out and 'sequence.mode = "flat"' in out


def test_check_a_broken_file_exits_1_with_every_error(tmp_path: Path) -> None:
    path = tmp_path / "local.toml"
    text = preset_text("s0").replace("bonus = 20 ", 'bonus = "20" ').replace('fact = "research_adopted"',
                                                                             'fact = "research"')
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(Command(), "check", str(path), stdout=io.StringIO(), stderr=err)
    assert caught.value.returncode == 1
    assert "2 个错误" in str(caught.value)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("local.toml:16: caps.bonus: [错误 error] 应为数字")
    assert lines[1].startswith("local.toml:") and "rule[3].fact" in lines[1] and "S0-A三.4" in lines[1]


def test_check_an_unknown_name() -> None:
    with pytest.raises(CommandError, match="找不到评分政策"):
        run("check", "s9")
