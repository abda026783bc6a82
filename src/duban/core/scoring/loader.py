"""Load and check a scoring policy file (TOML) — every problem with its file, line and field.

``check_policy(text, filename)`` never stops at the first problem: it reports unknown keys, wrong types,
rules that can never fire (unknown fact kind, attribute or value; categories that exclude each other), a
declared full mark that differs from what the rule table can award, weights that do not add up, and so
on. Errors make the file unusable (``load_policy`` raises ``PolicyError``); warnings report something the
office should know — a seed whose own numbers do not add up is a warning, never hidden.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path as FsPath
from typing import Any

from .model import (
    BUCKETS,
    PERIOD_LENGTHS,
    RULE_TYPES,
    SECTION_KINDS,
    Caps,
    Category,
    Condition,
    Eligibility,
    Grade,
    NoItems,
    PeriodSpec,
    Points,
    Policy,
    Quota,
    Reading,
    Rule,
    Scaling,
    Section,
    Sequence,
    TableValue,
    Total,
    TriggerRule,
    Veto,
)
from .tomlpos import Path, dotted, key_lines, line_of
from .vocab import ATTRS, FACT_KINDS, AttrValue, FactKind

FORMAT = "duban.scoring/1"
RULE_ID = re.compile(r"^S\d[a-e]?-\S+$")
OPS = ("<", "<=", "==", "!=", ">=", ">")
CONDITION_WHATS = ("total", "section", "metric", "fact", "each")
BUCKETS_PER_LENGTH = {"quarter": {"quarter": 1, "year": 1, "period": 1},
                      "year": {"quarter": 4, "year": 1, "period": 1},
                      "biennium": {"quarter": 8, "year": 2, "period": 1}}

TOP_KEYS = {"format", "name", "title", "seeds", "description", "total", "caps", "period", "rank", "category",
            "section", "rule", "grade", "veto", "eligibility", "trigger", "reading", "no_items", "scaling",
            "fact_kind"}
TOTAL_KEYS = {"base", "full_mark", "min", "max", "precision", "id"}
CAPS_KEYS = {"bonus", "deduction", "allocation", "bonus_id", "deduction_id"}
PERIOD_KEYS = {"length", "bucket", "combine"}
RANK_KEYS = {"scope"}
CATEGORY_KEYS = {"code", "label", "full_mark"}
SECTION_KEYS = {"code", "label", "kind", "id", "max", "weight", "bucket", "combine", "categories", "zero_scope"}
RULE_KEYS = {"id", "label", "clause", "section", "fact", "when", "type", "points", "per", "aggregate", "weight",
             "max", "categories", "scale", "unless", "bucket", "note"}
POINTS_KEYS = {"by", "table", "range", "from", "sequence", "default"}
SEQUENCE_KEYS = {"first", "step", "mode", "scope"}
GRADE_KEYS = {"code", "label", "id", "categories", "requires", "conditions", "quota", "default"}
CONDITION_KEYS = {"what", "ref", "op", "value", "when", "label"}
QUOTA_KEYS = {"share", "scope", "rounding", "ties"}
VETO_KEYS = {"id", "label", "fact", "bars", "when", "categories"}
ELIGIBILITY_KEYS = {"code", "label"}
TRIGGER_KEYS = {"id", "label", "action", "categories", "rank_top", "rank_bottom", "below_base", "below_base_each",
                "consecutive"}
READING_KEYS = {"id", "clause", "taken", "alternative", "setting"}
NO_ITEMS_KEYS = {"id", "fact", "scope"}
SCALING_KEYS = {"id", "to", "by"}
FACT_KIND_KEYS = {"code", "label", "attrs", "valued"}

UNKNOWN = "未知字段 unknown key"


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" | "warning" | "info"
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        tag = {"error": "错误 error", "warning": "警告 warning", "info": "说明 info"}[self.severity]
        return f"{self.file}:{self.line or '?'}: {self.field}: [{tag}] {self.message}"


@dataclass(frozen=True)
class CheckReport:
    file: str
    problems: tuple[Problem, ...]
    policy: Policy | None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "info"]

    @property
    def ok(self) -> bool:
        return not self.errors


class PolicyError(ValueError):
    def __init__(self, report: CheckReport) -> None:
        self.report = report
        super().__init__("\n".join(str(p) for p in report.errors))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class _Checker:
    text: str
    filename: str
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    rule_ids: dict[int, str] = field(default_factory=dict)

    # -- reporting -----------------------------------------------------------------------------
    def report(self, severity: str, path: Path, message: str) -> None:
        if len(path) >= 2 and path[0] == "rule" and isinstance(path[1], int) and self.rule_ids.get(path[1]):
            message += f"（规则 rule {self.rule_ids[path[1]]}）"
        self.problems.append(Problem(severity, self.filename, line_of(self.lines, path), dotted(path), message))

    def error(self, path: Path, message: str) -> None:
        self.report("error", path, message)

    def warn(self, path: Path, message: str) -> None:
        self.report("warning", path, message)

    def info(self, path: Path, message: str) -> None:
        self.report("info", path, message)

    # -- typed getters: each reports and returns a default on a wrong value --------------------------
    def table(self, raw: object, path: Path, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.error(path, "应为表 expected a table")
            return {}
        for key in raw:
            if key not in allowed:
                self.error((*path, key), f"{UNKNOWN}（可用 allowed: {', '.join(sorted(allowed))}）")
        return raw

    def tables(self, raw: object, path: Path, allowed: set[str]) -> list[dict[str, Any]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.error(path, f"应为表数组 expected an array of tables [[{dotted(path)}]]")
            return []
        return [self.table(item, (*path, i), allowed) for i, item in enumerate(raw)]

    def string(self, raw: dict[str, Any], key: str, path: Path, default: str | None = None) -> str:
        value = raw.get(key)
        if value is None:
            if default is None:
                self.error((*path, key), "必填字符串 required string")
                return ""
            return default
        if not isinstance(value, str):
            self.error((*path, key), "应为字符串 expected a string")
            return default or ""
        if default is None and not value.strip():
            self.error((*path, key), "不能为空 must not be empty")
        return value

    def choice(self, raw: dict[str, Any], key: str, path: Path, options: tuple[str, ...], default: str) -> str:
        value = raw.get(key, default)
        if value not in options:
            self.error((*path, key), f"应为 {' / '.join(options)} 之一 expected one of {', '.join(options)}")
            return default
        return str(value)

    def number(self, raw: dict[str, Any], key: str, path: Path, default: float | None,
               low: float | None = None, high: float | None = None, required: bool = False) -> float | None:
        value = raw.get(key)
        if value is None:
            if required:
                self.error((*path, key), "必填数字 required number")
            return default
        if not _is_number(value):
            self.error((*path, key), "应为数字 expected a number")
            return default
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"{'' if low is None else low}–{'' if high is None else high}"
            self.error((*path, key), f"超出范围 out of range（{bounds}）")
            return default
        return float(value)

    def integer(self, raw: dict[str, Any], key: str, path: Path, default: int, low: int = 0) -> int:
        value = raw.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            self.error((*path, key), f"应为不小于 {low} 的整数 expected an integer ≥ {low}")
            return default
        return value

    def boolean(self, raw: dict[str, Any], key: str, path: Path, default: bool) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            self.error((*path, key), "应为 true 或 false expected a boolean")
            return default
        return value

    def str_list(self, raw: dict[str, Any], key: str, path: Path, allow_scalar: bool = False) -> tuple[str, ...]:
        value = raw.get(key)
        if value is None:
            return ()
        if allow_scalar and isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error((*path, key), "应为字符串数组 expected an array of strings")
            return ()
        if not value:
            self.error((*path, key), "空数组：永远不会匹配 empty array: never matches")
        return tuple(value)

    # -- the document ---------------------------------------------------------------------------
    def run(self) -> Policy | None:
        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"line (\d+)", str(exc))
            self.problems.append(Problem("error", self.filename, int(match.group(1)) if match else None, "toml",
                                         f"TOML 语法错误 syntax error: {exc}"))
            return None
        self.lines = key_lines(self.text)
        raw_rules = data.get("rule")
        if isinstance(raw_rules, list):
            self.rule_ids = {i: r["id"] for i, r in enumerate(raw_rules) if isinstance(r, dict)
                             and isinstance(r.get("id"), str)}
        top = self.table(data, (), TOP_KEYS)
        if top.get("format", FORMAT) != FORMAT:
            self.error(("format",), f"应为 {FORMAT!r} expected {FORMAT!r}")
        name = self.string(top, "name", ())
        title = self.string(top, "title", (), "")
        seeds = self.str_list(top, "seeds", ())
        self.string(top, "description", (), "")

        fact_kinds = self.fact_kinds(top.get("fact_kind"))
        kinds = {**FACT_KINDS, **fact_kinds}
        total = self.total(top.get("total", {}))
        caps = self.caps(top.get("caps", {}))
        period = self.period(top.get("period", {}))
        rank = self.table(top.get("rank", {}), ("rank",), RANK_KEYS)
        rank_scope = self.choice(rank, "scope", ("rank",), ("category", "all"), "category")
        categories = self.categories(top.get("category"))
        codes = {c.code for c in categories}
        sections = self.sections(top.get("section"), codes, period.combine)
        rules = self.rules(top.get("rule"), kinds, codes, {s.code: s for s in sections})
        eligibility = tuple(
            Eligibility(self.string(raw, "code", ("eligibility", i)), self.string(raw, "label", ("eligibility", i)))
            for i, raw in enumerate(self.tables(top.get("eligibility"), ("eligibility",), ELIGIBILITY_KEYS)))
        grades = self.grades(top.get("grade"), kinds, codes, {s.code: s for s in sections})
        vetoes = self.vetoes(top.get("veto"), kinds, codes,
                             {g.code for g in grades} | {e.code for e in eligibility})
        triggers = self.triggers(top.get("trigger"), codes)
        no_items = self.no_items(top.get("no_items"), kinds)
        scaling = self.scaling(top.get("scaling"))
        readings = self.readings(top.get("reading"), rules, sections, grades, vetoes, triggers, total, caps,
                                 no_items, scaling)
        if not any(p.severity == "error" for p in self.problems):
            policy = Policy(name=name, title=title, total=total, caps=caps, period=period, categories=categories,
                            sections=sections, rules=rules, rank_scope=rank_scope, grades=grades, vetoes=vetoes,
                            eligibility=eligibility, triggers=triggers, readings=readings, no_items=no_items,
                            scaling=scaling, fact_kinds=fact_kinds, seeds=seeds, source=self.filename)
            self.analyse(policy, kinds)
            return policy
        return None

    def fact_kinds(self, raw: object) -> dict[str, FactKind]:
        out: dict[str, FactKind] = {}
        for i, item in enumerate(self.tables(raw, ("fact_kind",), FACT_KIND_KEYS)):
            path: Path = ("fact_kind", i)
            code = self.string(item, "code", path)
            attrs = self.str_list(item, "attrs", path)
            for j, attr in enumerate(attrs):
                if attr not in ATTRS:
                    self.error((*path, "attrs", j), f"未知属性 unknown attribute {attr!r}（可用：{', '.join(ATTRS)}）")
            if code in FACT_KINDS:
                self.warn((*path, "code"), f"与内置事实类型同名，将覆盖 overrides the built-in kind {code!r}")
            out[code] = FactKind(code, self.string(item, "label", path), attrs,
                                 self.boolean(item, "valued", path, False))
        return out

    def total(self, raw: object) -> Total:
        path: Path = ("total",)
        t = self.table(raw, path, TOTAL_KEYS)
        total = Total(
            base=self.number(t, "base", path, 0.0) or 0.0,
            full_mark=self.number(t, "full_mark", path, None, low=0),
            min=self.number(t, "min", path, None),
            max=self.number(t, "max", path, None),
            precision=self.integer(t, "precision", path, 2),
            id=self.string(t, "id", path, ""),
        )
        if total.min is not None and total.max is not None and total.min > total.max:
            self.error((*path, "min"), "下限大于上限 min is greater than max")
        return total

    def caps(self, raw: object) -> Caps:
        path: Path = ("caps",)
        c = self.table(raw, path, CAPS_KEYS)
        return Caps(
            bonus=self.number(c, "bonus", path, None, low=0),
            deduction=self.number(c, "deduction", path, None, low=0),
            allocation=self.choice(c, "allocation", path, ("in_order", "proportional"), "in_order"),
            bonus_id=self.string(c, "bonus_id", path, ""),
            deduction_id=self.string(c, "deduction_id", path, ""),
        )

    def period(self, raw: object) -> PeriodSpec:
        path: Path = ("period",)
        p = self.table(raw, path, PERIOD_KEYS)
        length = self.choice(p, "length", path, PERIOD_LENGTHS, "year")
        bucket = self.choice(p, "bucket", path, BUCKETS, "period")
        self.bucket_fits(length, bucket, (*path, "bucket"))
        return PeriodSpec(length, bucket, self.choice(p, "combine", path, ("sum", "mean"), "sum"))

    def bucket_fits(self, length: str, bucket: str, path: Path) -> None:
        if bucket == "year" and length == "quarter":
            self.error(path, "季度考核期不能按年分段 a quarter cannot be split into years")

    def categories(self, raw: object) -> tuple[Category, ...]:
        out: list[Category] = []
        items = self.tables(raw, ("category",), CATEGORY_KEYS)
        if not items:
            self.error(("category",), "至少需要一个类别 [[category]] at least one category")
        seen: set[str] = set()
        for i, item in enumerate(items):
            path: Path = ("category", i)
            code = self.string(item, "code", path)
            if code in seen:
                self.error((*path, "code"), f"类别代码重复 duplicate category code {code!r}")
            seen.add(code)
            out.append(Category(code, self.string(item, "label", path),
                                self.number(item, "full_mark", path, None, low=0)))
        return tuple(out)

    def category_refs(self, raw: dict[str, Any], path: Path, codes: set[str]) -> tuple[str, ...]:
        refs = self.str_list(raw, "categories", path)
        for j, code in enumerate(refs):
            if code not in codes:
                known = ", ".join(sorted(codes))
                self.error((*path, "categories", j), f"未知类别 unknown category {code!r}（可用：{known}）")
        return refs

    def sections(self, raw: object, codes: set[str], combine: str) -> tuple[Section, ...]:
        out: list[Section] = []
        items = self.tables(raw, ("section",), SECTION_KEYS)
        if not items:
            self.error(("section",), "至少需要一个部分 [[section]] at least one section")
        seen: set[str] = set()
        for i, item in enumerate(items):
            path: Path = ("section", i)
            code = self.string(item, "code", path)
            if code in seen:
                self.error((*path, "code"), f"部分代码重复 duplicate section code {code!r}")
            seen.add(code)
            kind = self.choice(item, "kind", path, SECTION_KINDS, "bonus")
            max_raw = item.get("max")
            max_value: float | None = None
            by_category: dict[str, float] = {}
            if isinstance(max_raw, dict):
                for cat, value in max_raw.items():
                    if cat not in codes:
                        self.error((*path, "max", cat), f"未知类别 unknown category {cat!r}")
                    elif not _is_number(value) or value < 0:
                        self.error((*path, "max", cat), "应为非负数 expected a number ≥ 0")
                    else:
                        by_category[cat] = float(value)
            else:
                max_value = self.number(item, "max", path, None, low=0)
            if kind == "deduct_from_max" and max_value is None and not by_category:
                self.error((*path, "max"), "倒扣计分的部分必须声明满分 deduct_from_max needs a max")
            bucket = self.choice(item, "bucket", path, ("", *BUCKETS), "")
            out.append(Section(
                code=code, label=self.string(item, "label", path), kind=kind, id=self.string(item, "id", path, ""),
                max=max_value, max_by_category=by_category,
                weight=self.number(item, "weight", path, 1.0, low=0) or 0.0, bucket=bucket,
                combine=self.choice(item, "combine", path, ("sum", "mean"), combine),
                categories=self.category_refs(item, path, codes),
                zero_scope=self.choice(item, "zero_scope", path, ("bucket", "period"), "bucket"),
            ))
        return tuple(out)

    # -- rules ---------------------------------------------------------------------------------
    def when(self, raw: object, path: Path, kinds: dict[str, FactKind],
             facts: tuple[str, ...]) -> dict[str, tuple[AttrValue, ...]]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.error(path, "应为表 expected a table of attribute = value(s)")
            return {}
        out: dict[str, tuple[AttrValue, ...]] = {}
        for attr, value in raw.items():
            apath = (*path, attr)
            values = tuple(value) if isinstance(value, list) else (value,)
            if not values:
                self.error(apath, "空数组：条件永远不成立 empty list: the condition can never hold")
                continue
            spec = ATTRS.get(attr)
            if spec is None:
                self.error(apath, f"未知属性 unknown attribute {attr!r}：规则永远不会触发 the rule can never fire")
                continue
            for kind in facts:
                if kind in kinds and attr not in kinds[kind].attrs:
                    self.error(apath, f"事实类型 {kind!r} 没有属性 {attr!r}：规则永远不会触发 "
                                      f"fact kind {kind!r} has no attribute {attr!r}, the rule can never fire")
            for v in values:
                self.check_value(attr, v, apath)
            out[attr] = values
        return out

    def check_value(self, attr: str, value: object, path: Path) -> None:
        spec = ATTRS[attr]
        if spec.type == "bool" and not isinstance(value, bool):
            self.error(path, "应为 true 或 false expected a boolean")
        elif spec.type == "int" and (not isinstance(value, int) or isinstance(value, bool)):
            self.error(path, "应为整数 expected an integer")
        elif spec.type == "str" and not isinstance(value, str):
            self.error(path, "应为字符串 expected a string")
        elif spec.domain and value not in spec.domain:
            self.error(path, f"{attr} 不可能取值 {value!r}：条件永远不成立 impossible value, the condition can never "
                             f"hold（可取 allowed: {', '.join(spec.domain)}）")

    def points(self, raw: object, path: Path, facts: tuple[str, ...], kinds: dict[str, FactKind]) -> Points:
        if _is_number(raw):
            return Points(fixed=float(raw))  # type: ignore[arg-type]
        if not isinstance(raw, dict):
            self.error(path, "应为数字或表 expected a number or a table (by/table, range, from, sequence)")
            return Points(fixed=0.0)
        p = self.table(raw, path, POINTS_KEYS)
        forms = [k for k in ("table", "range", "from", "sequence") if k in p]
        if len(forms) != 1:
            self.error(path, "分值须为以下之一 points need exactly one of: number, by+table, range, from, sequence")
            return Points(fixed=0.0)
        default = self.choice(p, "default", path, ("min", "max"), "min")
        form = forms[0]
        if form == "table":
            by = self.string(p, "by", path)
            if by and by not in ATTRS:
                self.error((*path, "by"), f"未知属性 unknown attribute {by!r}")
            for kind in facts:
                if by and kind in kinds and by not in kinds[kind].attrs:
                    self.error((*path, "by"), f"事实类型 {kind!r} 没有属性 {by!r} fact kind has no attribute {by!r}")
            table: dict[str, TableValue] = {}
            entries = p.get("table")
            if not isinstance(entries, dict) or not entries:
                self.error((*path, "table"), "应为非空表 expected a non-empty table of value = points")
                return Points(fixed=0.0)
            for key, value in entries.items():
                epath = (*path, "table", key)
                if by in ATTRS and ATTRS[by].domain and key not in ATTRS[by].domain:
                    self.error(epath, f"{by} 不可能取值 {key!r}：该档永远不会用到 impossible value "
                                      f"（可取 allowed: {', '.join(ATTRS[by].domain)}）")
                parsed = self.range_or_number(value, epath)
                if parsed is not None:
                    table[key] = parsed
            return Points(by=by, table=table, default=default)
        if form == "range":
            parsed = self.range_or_number(p["range"], (*path, "range"))
            if not isinstance(parsed, tuple):
                self.error((*path, "range"), "应为 [下限, 上限] expected [low, high]")
                return Points(fixed=0.0)
            return Points(range=parsed, default=default)
        if form == "from":
            if p["from"] != "value":
                self.error((*path, "from"), '应为 "value" expected "value"')
            return Points(from_value=True)
        s = self.table(p["sequence"], (*path, "sequence"), SEQUENCE_KEYS)
        spath = (*path, "sequence")
        first = self.number(s, "first", spath, 0.0, required=True) or 0.0
        step = self.number(s, "step", spath, 0.0, required=True) or 0.0
        return Points(sequence=Sequence(first, step, self.choice(s, "mode", spath, ("arithmetic", "flat", "constant"),
                                                                 "arithmetic"),
                                        self.choice(s, "scope", spath, ("item", "unit"), "item")))

    def range_or_number(self, value: object, path: Path) -> TableValue | None:
        if _is_number(value):
            return float(value)  # type: ignore[arg-type]
        if (isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value)):
            low, high = float(value[0]), float(value[1])
            if low > high:
                self.error(path, f"下限 {low:g} 大于上限 {high:g} low is greater than high")
            return (low, high)
        self.error(path, "应为数字或 [下限, 上限] expected a number or [low, high]")
        return None

    def rules(self, raw: object, kinds: dict[str, FactKind], codes: set[str],
              sections: dict[str, Section]) -> tuple[Rule, ...]:
        out: list[Rule] = []
        items = self.tables(raw, ("rule",), RULE_KEYS)
        if not items:
            self.error(("rule",), "至少需要一条规则 [[rule]] at least one rule")
        seen: dict[tuple[object, ...], int] = {}
        for i, item in enumerate(items):
            path: Path = ("rule", i)
            rule_id = self.string(item, "id", path)
            if rule_id and not RULE_ID.match(rule_id):
                self.warn((*path, "id"), f"规则编号 {rule_id!r} 不是 SPEC 编号格式 not a SPEC rule ID (e.g. S0-A四.5)")
            rtype = self.choice(item, "type", path, RULE_TYPES, "per_fact")
            facts = self.str_list(item, "fact", path, allow_scalar=True)
            if not facts:
                self.error((*path, "fact"), "必填：事实类型 required fact kind(s)")
            for j, kind in enumerate(facts):
                if kind not in kinds:
                    fpath = (*path, "fact") if isinstance(item.get("fact"), str) else (*path, "fact", j)
                    self.error(fpath, f"未知事实类型 unknown fact kind {kind!r}："
                                      "规则永远不会触发 the rule can never fire")
            section_code = self.string(item, "section", path)
            section = sections.get(section_code)
            if section_code and section is None:
                self.error((*path, "section"), f"未知部分 unknown section {section_code!r}"
                                               f"（可用：{', '.join(sections)}）")
            when = self.when(item.get("when"), (*path, "when"), kinds, facts)
            points = (self.points(item["points"], (*path, "points"), facts, kinds) if "points" in item
                      else Points(fixed=0.0))
            if "points" not in item and rtype in ("per_fact", "absence"):
                self.error((*path, "points"), "必填：分值 required points")
            per = self.choice(item, "per", path, ("count", "value"), "count")
            aggregate = self.choice(item, "aggregate", path, ("sum", "mean"), "sum")
            rule_categories = self.category_refs(item, path, codes)
            unless = self.str_list(item, "unless", path, allow_scalar=True)
            for j, kind in enumerate(unless):
                if kind not in kinds:
                    self.error((*path, "unless", j), f"未知事实类型 unknown fact kind {kind!r}")
            rule = Rule(
                index=i, id=rule_id, label=self.string(item, "label", path), clause=self.string(item, "clause", path),
                section=section_code, facts=facts, points=points, when=when, type=rtype, per=per,
                aggregate=aggregate, weight=self.number(item, "weight", path, 1.0, low=0) or 0.0,
                max=self.number(item, "max", path, None, low=0), categories=rule_categories,
                scale=self.number(item, "scale", path, 0.0, low=0) or 0.0, unless=unless,
                bucket=self.choice(item, "bucket", path, BUCKETS, "quarter"), note=self.string(item, "note", path, ""),
            )
            self.rule_semantics(rule, path, kinds, section, item)
            key = (rule.id, rule.facts, tuple(sorted((k, v) for k, v in rule.when.items())), rule.section,
                   rule.categories)
            if key in seen:
                self.warn(path, f"与 rule[{seen[key]}] 完全相同：同一事实会被计两次 duplicate of rule[{seen[key]}]: "
                                "the same fact would count twice")
            seen.setdefault(key, i)
            out.append(rule)
        return tuple(out)

    def rule_semantics(self, rule: Rule, path: Path, kinds: dict[str, FactKind], section: Section | None,
                       raw: dict[str, Any]) -> None:
        valued = all(kinds[k].valued for k in rule.facts if k in kinds)
        if (rule.per == "value" or rule.points.from_value) and not valued:
            self.warn(path, "该事实类型不带数值，按每件 1 计 the fact kind carries no value: each counts as 1")
        if rule.points.sequence is not None and any(k in kinds and "n" not in kinds[k].attrs for k in rule.facts):
            self.warn((*path, "points", "sequence"), "事实类型没有 n 属性，次序由引擎按日期计算 "
                                                     "no 'n' attribute: the engine numbers facts by date")
        if rule.type == "share_of_max" and rule.scale <= 0:
            self.error((*path, "scale"), "按类别最大值折算须给出 scale > 0 share_of_max needs scale > 0")
        if rule.type == "absence" and not rule.unless:
            self.error((*path, "unless"), "“未发生”规则须列出 unless 事实类型 absence needs unless kinds")
        if rule.type == "zero_section" and section is not None and section.kind not in ("score", "deduct_from_max"):
            self.error((*path, "type"),
                       "清零规则只能用于 score / deduct_from_max 部分 zero_section needs a scored section")
        if section is not None:
            if section.kind == "metric" and rule.type != "per_fact":
                self.error((*path, "type"), "指标部分只能用 per_fact 规则 metric sections take per_fact rules")
            if section.categories and rule.categories and not set(section.categories) & set(rule.categories):
                self.error((*path, "categories"), f"规则的类别与部分 {section.code!r} 的类别没有交集：永远不会触发 "
                                                  "the rule's categories exclude its section's: it can never fire")
            if rule.type == "per_fact" and rule.points.range is None and not rule.points.from_value \
                    and rule.points.fixed is not None and rule.points.fixed < 0:
                self.warn((*path, "points"), "分值为负：符号由部分类型决定（减分部分自动为负） negative points: the "
                                             "section's kind gives the sign")
        if "bucket" in raw and rule.type != "absence":
            self.warn((*path, "bucket"), "bucket 只对 absence 规则有效 bucket only applies to absence rules")

    # -- grades, vetoes, triggers ---------------------------------------------------------------
    def condition(self, raw: object, path: Path, kinds: dict[str, FactKind],
                  sections: dict[str, Section]) -> Condition | None:
        c = self.table(raw, path, CONDITION_KEYS)
        if not c:
            return None
        what = self.choice(c, "what", path, CONDITION_WHATS, "total")
        ref = self.string(c, "ref", path, "")
        op = self.choice(c, "op", path, OPS, ">=")
        value = self.number(c, "value", path, 0.0) or 0.0
        when: dict[str, tuple[AttrValue, ...]] = {}
        if what in ("fact", "each"):
            if ref not in kinds:
                self.error((*path, "ref"), f"未知事实类型 unknown fact kind {ref!r}：条件无法判断")
            else:
                when = self.when(c.get("when"), (*path, "when"), kinds, (ref,))
        elif what in ("section", "metric"):
            section = sections.get(ref)
            if section is None:
                self.error((*path, "ref"), f"未知部分 unknown section {ref!r}")
            elif what == "metric" and section.kind != "metric":
                self.error((*path, "ref"), f"部分 {ref!r} 不是 metric 类型 section {ref!r} is not a metric")
        if what == "fact" and op in ("<", "<=") and value < 0:
            self.error((*path, "value"), "件数不可能小于 0：条件永远不成立 a count below 0 is impossible")
        return Condition(what, ref, op, value, when, self.string(c, "label", path, ""))

    def grades(self, raw: object, kinds: dict[str, FactKind], codes: set[str],
               sections: dict[str, Section]) -> tuple[Grade, ...]:
        out: list[Grade] = []
        items = self.tables(raw, ("grade",), GRADE_KEYS)
        names = {str(item.get("code")) for item in items}
        for i, item in enumerate(items):
            path: Path = ("grade", i)
            conditions: list[Condition] = []
            raw_conditions = item.get("conditions", [])
            if not isinstance(raw_conditions, list):
                self.error((*path, "conditions"), "应为数组 expected an array of inline tables")
                raw_conditions = []
            for j, rc in enumerate(raw_conditions):
                cond = self.condition(rc, (*path, "conditions", j), kinds, sections)
                if cond is not None:
                    conditions.append(cond)
            quota = None
            if "quota" in item:
                qpath = (*path, "quota")
                q = self.table(item["quota"], qpath, QUOTA_KEYS)
                quota = Quota(
                    share=self.number(q, "share", qpath, 1.0, low=0.0, high=1.0, required=True) or 0.0,
                    scope=self.choice(q, "scope", qpath, ("category", "all"), "category"),
                    rounding=self.choice(q, "rounding", qpath, ("floor", "round", "ceil"), "floor"),
                    ties=self.choice(q, "ties", qpath, ("exclude", "include"), "exclude"),
                )
            requires = self.string(item, "requires", path, "")
            if requires and requires not in names:
                self.error((*path, "requires"), f"未知等次 unknown grade {requires!r}")
            out.append(Grade(code=self.string(item, "code", path), label=self.string(item, "label", path),
                             id=self.string(item, "id", path, ""), categories=self.category_refs(item, path, codes),
                             requires=requires, conditions=tuple(conditions), quota=quota,
                             default=self.boolean(item, "default", path, False)))
        by_code = {g.code: g for g in out}
        for i, grade in enumerate(out):
            seen = {grade.code}
            probe = grade.requires
            while probe:
                if probe in seen:
                    self.error(("grade", i, "requires"), "等次依赖成环 grades require each other in a cycle")
                    break
                seen.add(probe)
                probe = by_code[probe].requires if probe in by_code else ""
        for code in codes:
            defaults = [g.code for g in out if g.default and g.applies_to(code)]
            if len(defaults) > 1:
                self.error(("grade",), f"类别 {code!r} 有多个默认等次 several default grades: {', '.join(defaults)}")
        return tuple(out)

    def vetoes(self, raw: object, kinds: dict[str, FactKind], codes: set[str],
               barrable: set[str]) -> tuple[Veto, ...]:
        out: list[Veto] = []
        for i, item in enumerate(self.tables(raw, ("veto",), VETO_KEYS)):
            path: Path = ("veto", i)
            facts = self.str_list(item, "fact", path, allow_scalar=True)
            for kind in facts:
                if kind not in kinds:
                    self.error((*path, "fact"), f"未知事实类型 unknown fact kind {kind!r}：否决永远不会触发")
            bars = self.str_list(item, "bars", path)
            for j, code in enumerate(bars):
                if code not in barrable:
                    self.error((*path, "bars", j), f"未知等次或资格 unknown grade/eligibility {code!r}"
                                                   f"（可用：{', '.join(sorted(barrable)) or '无'}）")
            out.append(Veto(id=self.string(item, "id", path), label=self.string(item, "label", path), facts=facts,
                            bars=bars, when=self.when(item.get("when"), (*path, "when"), kinds, facts),
                            categories=self.category_refs(item, path, codes)))
        return tuple(out)

    def triggers(self, raw: object, codes: set[str]) -> tuple[TriggerRule, ...]:
        out: list[TriggerRule] = []
        for i, item in enumerate(self.tables(raw, ("trigger",), TRIGGER_KEYS)):
            path: Path = ("trigger", i)
            trigger = TriggerRule(
                id=self.string(item, "id", path), label=self.string(item, "label", path),
                action=self.string(item, "action", path), categories=self.category_refs(item, path, codes),
                rank_top=self.integer(item, "rank_top", path, 0),
                rank_bottom=self.integer(item, "rank_bottom", path, 0),
                below_base=self.boolean(item, "below_base", path, False),
                below_base_each=self.boolean(item, "below_base_each", path, False),
                consecutive=self.integer(item, "consecutive", path, 1, low=1))
            if not (trigger.rank_top or trigger.rank_bottom or trigger.below_base):
                self.error(path, "触发条件为空：每个单位都会触发 no condition: every unit would trigger")
            if trigger.rank_top and trigger.rank_bottom:
                self.warn(path, "同时要求名列前茅和倒数：很少成立 both top and bottom ranks required")
            out.append(trigger)
        return tuple(out)

    def no_items(self, raw: object, kinds: dict[str, FactKind]) -> NoItems | None:
        if raw is None:
            return None
        path: Path = ("no_items",)
        n = self.table(raw, path, NO_ITEMS_KEYS)
        fact = self.string(n, "fact", path)
        if fact and fact not in kinds:
            self.error((*path, "fact"), f"未知事实类型 unknown fact kind {fact!r}")
        return NoItems(self.string(n, "id", path), fact, self.choice(n, "scope", path, ("all", "category"), "all"))

    def scaling(self, raw: object) -> Scaling | None:
        if raw is None:
            return None
        path: Path = ("scaling",)
        s = self.table(raw, path, SCALING_KEYS)
        return Scaling(self.string(s, "id", path), self.number(s, "to", path, 100.0, low=1) or 100.0,
                       self.choice(s, "by", path, ("declared", "computed"), "declared"))

    def readings(self, raw: object, rules: tuple[Rule, ...], sections: tuple[Section, ...],
                 grades: tuple[Grade, ...], vetoes: tuple[Veto, ...], triggers: tuple[TriggerRule, ...],
                 total: Total, caps: Caps, no_items: NoItems | None, scaling: Scaling | None) -> tuple[Reading, ...]:
        ids = {r.id for r in rules} | {s.id for s in sections} | {g.id for g in grades} | {v.id for v in vetoes}
        ids |= {t.id for t in triggers} | {total.id, caps.bonus_id, caps.deduction_id}
        ids |= {no_items.id} if no_items else set()
        ids |= {scaling.id} if scaling else set()
        ids.discard("")
        out: list[Reading] = []
        for i, item in enumerate(self.tables(raw, ("reading",), READING_KEYS)):
            path: Path = ("reading", i)
            reading = Reading(self.string(item, "id", path), self.string(item, "clause", path),
                              self.string(item, "taken", path), self.string(item, "alternative", path),
                              self.string(item, "setting", path, ""))
            if reading.id and not any(x == reading.id or x.startswith(reading.id) for x in ids):
                self.warn((*path, "id"), f"读法所指条款 {reading.id!r} 在本政策中没有对应规则 no rule carries this ID")
            out.append(reading)
        return tuple(out)

    # -- what the rule table can award --------------------------------------------------------------
    def analyse(self, policy: Policy, kinds: dict[str, FactKind]) -> None:
        buckets = BUCKETS_PER_LENGTH[policy.period.length]
        for s_index, section in enumerate(policy.sections):
            bucket = section.bucket or policy.period.bucket
            self.bucket_fits(policy.period.length, bucket, ("section", s_index, "bucket"))
            if section.kind in ("score", "metric") and section.max is not None and not section.max_by_category:
                rules = [r for r in policy.rules if r.section == section.code and r.type == "per_fact"]
                tops = [_rule_max(r) for r in rules]
                if rules and all(t is not None for t in tops):
                    total = sum(t for t in tops if t is not None)
                    if not math.isclose(total, section.max) and total < section.max:
                        self.warn(("section", s_index, "max"),
                                  f"声明本项满分 {section.max:g}，但各规则合计最多 {total:g} declared max "
                                  f"{section.max:g} but the rules can award at most {total:g}")
                    elif not math.isclose(total, section.max):
                        self.warn(("section", s_index, "max"),
                                  f"声明本项满分 {section.max:g}，各规则合计 {total:g}，超出部分被封顶 the rules "
                                  f"add up to {total:g}, above the declared max {section.max:g}")
        for category in policy.categories:
            high, low = achievable(policy, category.code, buckets)
            self.check_weights(policy, category.code)
            declared = policy.full_mark(category.code)
            where = f"类别 {category.code}（{category.label}）"
            path: Path = (("category", policy.categories.index(category), "full_mark") if category.full_mark is not None
                          else ("total", "full_mark"))
            if declared is not None:
                if math.isinf(high):
                    self.warn(path, f"{where}：声明满分 {declared:g}，但规则表可得分无上限 declared full mark "
                                    f"{declared:g} but the rule table has no upper bound")
                elif not math.isclose(high, declared, abs_tol=1e-9):
                    self.warn(path, f"{where}：声明满分 {declared:g}，但规则表实际最多可得 {high:g} declared full "
                                    f"mark {declared:g} differs from what the rule table can award: {high:g}")
            self.info(("category", policy.categories.index(category)),
                      f"{where}：可得分范围 achievable {_fmt(low)}–{_fmt(high)}")
        if policy.scaling is not None:
            for i, category in enumerate(policy.categories):
                if policy.full_mark(category.code) is None and policy.scaling.by == "declared":
                    self.error(("category", i, "full_mark"), "折算需要声明满分 scaling by the declared full mark "
                                                             "needs one")

    def check_weights(self, policy: Policy, category: str) -> None:
        scored = [s for s in policy.sections if s.applies_to(category) and s.kind in ("score", "deduct_from_max")]
        if any(not math.isclose(s.weight, 1.0) for s in scored):
            weights = sum(s.weight for s in scored)
            if not math.isclose(weights, 1.0):
                index = policy.sections.index(scored[0])
                self.warn(("section", index, "weight"), f"类别 {category} 各部分权重合计 {weights:g}，不等于 1 "
                                                        f"section weights add up to {weights:g}, not 1")
        for section in policy.sections:
            rules = [r for r in policy.rules if r.section == section.code and r.applies_to(category)
                     and r.aggregate == "mean"]
            if rules and any(not math.isclose(r.weight, 1.0) for r in rules):
                weights = sum(r.weight for r in rules)
                if not math.isclose(weights, 1.0):
                    self.warn(("rule", rules[0].index, "weight"),
                              f"部分 {section.code} 的平均类规则权重合计 {weights:g}，不等于 1 "
                              f"weights add up to {weights:g}")


def _fmt(value: float) -> str:
    if value == -math.inf:
        return "无下限 unbounded"
    return "无上限 unbounded" if math.isinf(value) else f"{value:g}"


def _rule_max(rule: Rule) -> float | None:
    """The most a rule can give one unit in one bucket (None: unbounded)."""
    if rule.max is not None:
        return rule.max * rule.weight
    if rule.aggregate == "mean":
        each = rule.points.max_each()
        return None if each is None else each * rule.weight
    return None


def achievable(policy: Policy, category: str, buckets: dict[str, int]) -> tuple[float, float]:
    """(highest, lowest) total the rule table can award a unit of ``category`` (±inf when unbounded)."""
    high = low = policy.total.base
    bonus_high = 0.0
    deduction_high = 0.0
    for section in policy.sections:
        if not section.applies_to(category) or section.kind == "metric":
            continue
        cap = section.cap(category)
        rules = [r for r in policy.rules if r.section == section.code and r.applies_to(category)]
        n_buckets = buckets[section.bucket or policy.period.bucket]
        per_bucket = 0.0
        for rule in rules:
            if rule.type == "share_of_max":
                most: float | None = rule.scale * rule.weight
            elif rule.type == "absence":
                each = rule.points.max_each()
                most = None if each is None else each * rule.weight * buckets[rule.bucket] / n_buckets
            elif rule.type == "zero_section":
                most = 0.0
            else:
                most = _rule_max(rule)
            per_bucket += math.inf if most is None else most
        if cap is not None:
            per_bucket = min(per_bucket, cap)
        value = per_bucket * (n_buckets if section.combine == "sum" else 1)
        if section.kind == "bonus":
            bonus_high += value * section.weight
        elif section.kind == "deduction":
            deduction_high += value * section.weight
        elif section.kind == "score":
            high += value * section.weight
        elif section.kind == "deduct_from_max":
            full = (cap or 0.0) * (n_buckets if section.combine == "sum" else 1)
            high += full * section.weight
    if policy.caps.bonus is not None:
        bonus_high = min(bonus_high, policy.caps.bonus)
    if policy.caps.deduction is not None:
        deduction_high = min(deduction_high, policy.caps.deduction)
    high += bonus_high
    low -= deduction_high
    if policy.total.max is not None:
        high = min(high, policy.total.max)
        low = min(low, policy.total.max)
    if policy.total.min is not None:
        low = max(low, policy.total.min)
        high = max(high, policy.total.min)
    return high, low


# -- entry points -------------------------------------------------------------------------------------

def check_policy(text: str, filename: str) -> CheckReport:
    checker = _Checker(text, filename)
    policy = checker.run()
    problems = sorted(checker.problems, key=lambda p: ({"error": 0, "warning": 1, "info": 2}[p.severity],
                                                       p.line or 0))
    return CheckReport(filename, tuple(problems), policy)


def load_policy(text: str, filename: str) -> Policy:
    report = check_policy(text, filename)
    if report.policy is None:
        raise PolicyError(report)
    return report.policy


def _presets_dir() -> FsPath:
    return FsPath(str(resources.files("duban").joinpath("presets")))


def preset_names() -> list[str]:
    """The scoring presets shipped with duban (files in ``duban/presets`` declaring the scoring format)."""
    names = []
    for path in sorted(_presets_dir().glob("*.toml")):
        head = path.read_text(encoding="utf-8")[:2000]
        if re.search(rf'^format\s*=\s*"{re.escape(FORMAT)}"', head, re.M):
            names.append(path.stem)
    return names


def resolve(name_or_path: str) -> FsPath:
    """A file path, or a preset name (``s0``) → its file in ``duban/presets``."""
    path = FsPath(name_or_path)
    if path.exists() and path.is_file():
        return path
    preset = _presets_dir() / f"{name_or_path.lower()}.toml"
    if name_or_path.lower() in preset_names() and preset.exists():
        return preset
    names = ", ".join(preset_names())
    raise FileNotFoundError(f"找不到评分政策 no such policy: {name_or_path}（可用预置 presets: {names}）")


def load_file(name_or_path: str) -> Policy:
    path = resolve(name_or_path)
    return load_policy(path.read_text(encoding="utf-8"), path.name)


def load_preset(name: str) -> Policy:
    return load_file(name)
