"""``check_policy``: every problem with its file, line and field; errors vs warnings (issue 4 item 1)."""

from __future__ import annotations

import pytest

from duban.core.scoring import PolicyError, check_policy, load_policy

from .common import preset_text

S0 = preset_text("s0")
S1 = preset_text("s1")
S2C = preset_text("s2c")
S2E = preset_text("s2e")
S3B = preset_text("s3b")


def line_with(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def only_error(text: str) -> tuple[int | None, str, str]:
    report = check_policy(text, "policy.toml")
    assert len(report.errors) == 1, [str(p) for p in report.errors]
    e = report.errors[0]
    assert e.file == "policy.toml"
    return e.line, e.field, e.message


@pytest.mark.parametrize("name", ["s0", "s1", "s3b", "s2c", "s2e"])
def test_every_preset_loads_without_errors(name: str) -> None:
    report = check_policy(preset_text(name), f"{name}.toml")
    assert report.ok, [str(p) for p in report.errors]
    assert report.policy is not None and report.policy.name == name
    assert all(r.id for r in report.policy.rules)


@pytest.mark.parametrize("name", ["s0", "s1", "s3b", "s2e"])
def test_presets_other_than_s2c_have_no_warnings(name: str) -> None:
    assert check_policy(preset_text(name), f"{name}.toml").warnings == []


def test_toml_syntax_error_names_the_line() -> None:
    text = edit(S0, "base = 80", "base = = 80")
    line, field, message = only_error(text)
    assert (line, field) == (line_with(text, "base = = 80"), "toml")
    assert "TOML" in message


def test_unknown_top_level_key() -> None:
    text = edit(S0, 'name = "s0"', 'name = "s0"\ncolour = "red"')
    line, field, message = only_error(text)
    assert (line, field) == (line_with(text, 'colour = "red"'), "colour")
    assert message.startswith("未知字段 unknown key")


def test_unknown_key_in_a_rule_names_rule_index_and_id() -> None:
    text = edit(S0, "scale = 10", "scale = 10\nscael = 3")
    line, field, message = only_error(text)
    assert (line, field) == (line_with(text, "scael = 3"), "rule[4].scael")
    assert "S0-A三.5" in message


def test_wrong_type_expected_a_number() -> None:
    text = edit(S0, "bonus = 20 ", 'bonus = "20" ')
    line, field, message = only_error(text)
    assert (line, field) == (line_with(text, 'bonus = "20"'), "caps.bonus")
    assert "应为数字 expected a number" in message
    assert str(check_policy(text, "s0.toml").errors[0]).startswith(f"s0.toml:{line}: caps.bonus: ")


def test_points_of_the_wrong_type() -> None:
    table = 'points = { by = "level", table = { especially = 10, fairly = 5, generally = 3 } }'
    text = edit(S0, table, 'points = "ten"')
    line, field, _ = only_error(text)
    assert (line, field) == (line_with(text, 'points = "ten"'), "rule[8].points")


def test_table_entry_of_the_wrong_type_inside_an_inline_table() -> None:
    text = edit(S0, "table = { red = 10,", 'table = { red = "ten",')
    line, field, message = only_error(text)
    assert (line, field) == (line_with(text, 'red = "ten"'), "rule[9].points.table.red")
    assert "expected a number or [low, high]" in message


def test_rule_that_can_never_fire_unknown_fact_kind() -> None:
    text = edit(S0, 'fact = "promoted_experience"', 'fact = "promoted_experiance"')
    line, field, message = only_error(text)
    assert (line, field) == (line_with(text, "promoted_experiance"), "rule[1].fact")
    assert "规则永远不会触发" in message


def test_rule_that_can_never_fire_unknown_kind_in_a_list() -> None:
    text = edit(S0, '"late_objection"]', '"late_objektion"]')
    line, field, _ = only_error(text)
    assert (line, field) == (line_with(text, "late_objektion"), "rule[6].fact[2]")


def test_impossible_condition_value() -> None:
    text = edit(S0, 'when = { role = "lead" }', 'when = { role = "leader" }')
    line, field, message = only_error(text)
    assert (line, field) == (line_with(text, 'role = "leader"'), "rule[4].when.role")
    assert "条件永远不成立" in message and "lead, co" in message


def test_condition_on_an_attribute_the_fact_kind_does_not_have() -> None:
    text = edit(S0, 'when = { role = "lead" }', 'when = { role = "lead", colour = "red" }')
    line, field, message = only_error(text)
    assert (field, line) == ("rule[4].when.colour", line_with(text, 'colour = "red"'))
    assert "'item_closed' 没有属性 'colour'" in message


def test_condition_on_an_unknown_attribute() -> None:
    text = edit(S0, 'when = { role = "lead" }', 'when = { flavour = "sweet" }')
    _, field, message = only_error(text)
    assert field == "rule[4].when.flavour" and "未知属性" in message


def test_empty_condition_list_never_holds() -> None:
    text = edit(S0, 'when = { role = "lead" }', "when = { role = [] }")
    _, field, message = only_error(text)
    assert field == "rule[4].when.role" and "永远" in message


def test_table_key_that_can_never_be_used() -> None:
    text = edit(S0, "table = { red = 10,", "table = { purple = 10,")
    line, field, _ = only_error(text)
    assert (line, field) == (line_with(text, "purple = 10"), "rule[9].points.table.purple")


def test_unknown_section_and_category() -> None:
    text = edit(S0, 'section = "bonus"\nfact = "research_adopted"', 'section = "bonuses"\nfact = "research_adopted"')
    line, field, _ = only_error(text)
    assert (line, field) == (line_with(text, 'section = "bonuses"'), "rule[3].section")
    text = edit(S0, "scale = 10", 'scale = 10\ncategories = ["JJ", "XX"]')
    line, field, _ = only_error(text)
    assert (line, field) == (line_with(text, '"XX"'), "rule[4].categories[1]")


def test_missing_required_field() -> None:
    text = edit(S0, 'label = "创新加分"\n', "")
    line, field, message = only_error(text)
    assert field == "rule[1].label" and message.startswith("必填")
    assert line == line_with(text, 'id = "S0-A三.2"') - 1  # the [[rule]] header of that rule


def test_range_low_above_high() -> None:
    text = edit(S3B, "lead = [10, 20]", "lead = [20, 10]")
    line, field, _ = only_error(text)
    assert (line, field) == (line_with(text, "lead = [20, 10]"), "rule[0].points.table.lead")


def test_rule_whose_categories_exclude_its_section_can_never_fire() -> None:
    text = edit(S2E, 'points = 10\ncategories = ["county"]', 'points = 10\ncategories = ["department"]')
    _, field, message = only_error(text)
    assert field == "rule[6].categories" and "永远不会触发" in message


def test_unknown_key_inside_a_multi_line_array_of_conditions() -> None:
    text = edit(S2E, 'label = "公众满意度" }', 'label = "公众满意度", colour = 1 }')
    line, field, _ = only_error(text)
    assert (line, field) == (line_with(text, "colour = 1"), "grade[0].conditions[2].colour")


def test_grade_requires_unknown_grade_and_veto_bars_unknown_grade() -> None:
    text = edit(S2E, 'requires = "qualified"', 'requires = "passed"')
    line, field, _ = only_error(text)
    assert (line, field) == (line_with(text, 'requires = "passed"'), "grade[0].requires")
    text = edit(S1, 'bars = ["excellence"]', 'bars = ["excellent"]')
    line, field, _ = only_error(text)
    assert (line, field) == (line_with(text, '"excellent"'), "veto[0].bars[0]")


def test_quota_share_out_of_range() -> None:
    text = edit(S2E, "share = 0.30", "share = 1.5")
    _, field, message = only_error(text)
    assert field == "grade[0].quota.share" and "超出范围" in message


def test_condition_on_an_unknown_metric() -> None:
    text = edit(S2E, 'ref = "satisfaction"', 'ref = "happiness"')
    _, field, _ = only_error(text)
    assert field == "grade[0].conditions[2].ref"


def test_duplicate_category_code() -> None:
    text = edit(S0, 'code = "ZQ"', 'code = "JJ"')
    line, field, message = only_error(text)
    assert field == "category[7].code" and "重复" in message
    assert text.splitlines()[line - 1] == 'code = "JJ"' and text.splitlines()[line] == 'label = "驻区类"'


def test_zero_section_rule_needs_a_scored_section() -> None:
    text = edit(S2C, 'section = "visits"\ntype = "zero_section"', 'section = "leadership"\ntype = "zero_section"')
    assert check_policy(text, "x.toml").ok  # leadership is a score section: allowed
    text = text.replace('kind = "score"\nid = "S2c-二(一)"', 'kind = "bonus"\nid = "S2c-二(一)"')
    errors = check_policy(text, "x.toml").errors
    assert [(p.field, p.line) for p in errors] == [("rule[17].type", line_with(text, 'type = "zero_section"'))]


def test_every_problem_is_reported_not_only_the_first() -> None:
    text = edit(S0, "bonus = 20 ", 'bonus = "20" ')
    text = edit(text, 'fact = "promoted_experience"', 'fact = "nope"')
    text = edit(text, 'code = "ZQ"', 'code = "ZQ"\nfoo = 1')
    report = check_policy(text, "s0.toml")
    assert [p.field for p in report.errors] == ["caps.bonus", "category[7].foo", "rule[1].fact"]
    with pytest.raises(PolicyError) as caught:
        load_policy(text, "s0.toml")
    assert str(caught.value).count("s0.toml:") == 3


# -- warnings: the file is usable, the office should know ---------------------------------------------

def test_declared_full_mark_differs_from_what_the_table_can_award() -> None:
    text = edit(S0, "full_mark = 100", "full_mark = 90")
    report = check_policy(text, "s0.toml")
    assert report.ok
    assert {(w.field, w.line) for w in report.warnings} == {("total.full_mark", line_with(text, "full_mark = 90"))}
    assert "实际最多可得 100" in report.warnings[0].message


def test_S1_8_without_the_100_cap_the_full_mark_is_unbounded() -> None:
    text = edit(S1, "max = 100 ", "# max = 100 ")
    (warning,) = check_policy(text, "s1.toml").warnings
    assert warning.field == "total.full_mark" and "无上限" in warning.message


def test_section_max_differs_from_its_sub_items() -> None:
    text = edit(S2C, 'id = "S2c-二(一)"\nmax = 20', 'id = "S2c-二(一)"\nmax = 21')
    warnings = {w.field: w for w in check_policy(text, "s2c.toml").warnings}
    assert "section[0].max" in warnings
    assert warnings["section[0].max"].line == line_with(text, "max = 21")
    assert "各规则合计最多 20" in warnings["section[0].max"].message


def test_weights_that_do_not_add_up_to_one() -> None:
    text = edit(S2E, "weight = 0.6 ", "weight = 0.5 ")
    (warning,) = check_policy(text, "s2e.toml").warnings
    assert warning.field == "section[0].weight" and "0.9" in warning.message
    text = edit(S2E, "weight = 0.5\ncategories", "weight = 0.4\ncategories")
    (warning,) = check_policy(text, "s2e.toml").warnings
    assert warning.field.startswith("rule[") and warning.field.endswith(".weight")


def test_duplicate_rule_would_count_twice() -> None:
    block = S0[S0.index("[[rule]]\nid = \"S0-A四.5\""):S0.index("# ---- readings")]
    text = edit(S0, "# ---- readings", block + "# ---- readings")
    (warning,) = check_policy(text, "s0.toml").warnings
    assert warning.field == "rule[10]" and "rule[9]" in warning.message


def test_rule_id_not_in_spec_form_and_reading_pointing_nowhere() -> None:
    text = edit(S0, 'id = "S0-A四.5"\nlabel', 'id = "urging-5"\nlabel')
    fields = {w.field for w in check_policy(text, "s0.toml").warnings}
    assert "rule[9].id" in fields  # not a SPEC rule ID
    assert "reading[2].id" in fields  # its reading now names no rule


def test_checker_gives_info_on_the_achievable_range() -> None:
    notes = check_policy(S2E, "s2e.toml").notes
    assert any("county" in n.message and "-50–1050" in n.message for n in notes)
