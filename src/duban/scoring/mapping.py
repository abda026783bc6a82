"""Ledger events → score-ledger facts, by the data in ``event_map.toml`` (issue 4 item 3).

``load_map()`` reads the map (the packaged file, or ``settings.DUBAN_SCORING_EVENT_MAP``); ``derive(event,
context, rules)`` returns the facts one event yields. Kinds the map does not list yield nothing, so
events that other parts of duban add are accepted before anyone maps them; an event whose data carries
``score_fact`` yields its facts without a map. Nothing here writes: ``services.sync`` stores the result.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from duban.core.scoring.vocab import ATTRS, FACT_KINDS

MAP_FILE = Path(__file__).with_name("event_map.toml")
MAP_KEYS = {"id", "event", "fact", "units", "rule_id", "attrs", "when", "unless", "each", "day", "value", "times"}
UNIT_SOURCES = ("event", "lead", "event_or_lead", "assignments")
SOURCE_GROUPS = {  # S1-八: 上级交办 / 领导批办交办 / 其他
    "upper_decision": "upper", "upper_instruction": "upper", "upper_supervision": "upper",
    "leader_instruction": "leader", "gov_meeting": "leader",
}


class MapError(ValueError):
    pass


@dataclass(frozen=True)
class MapRule:
    id: str
    event: str
    fact: str
    units: str
    rule_id: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    when: dict[str, Any] = field(default_factory=dict)
    unless: dict[str, Any] = field(default_factory=dict)
    each: str = ""
    day: str = ""
    value: str = ""
    times: str = ""


@dataclass(frozen=True)
class Context:
    """What an expression can look at: the event, its item and the units on the item."""

    kind: str
    data: dict[str, Any]
    unit_id: int | None
    rule_id: str
    day: dt.date
    item_id: int | None = None
    item_level: str = ""
    item_source: str = ""
    roles: dict[int, str] = field(default_factory=dict)  # unit id → lead / co on the item

    @property
    def lead_id(self) -> int | None:
        return next((u for u, r in self.roles.items() if r == "lead"), None)


@dataclass(frozen=True)
class Derived:
    unit_id: int
    kind: str
    day: dt.date
    attrs: dict[str, Any]
    value: float | None
    times: int
    mapping: str
    rule_id: str


def parse_map(text: str, filename: str = "event_map.toml") -> list[MapRule]:
    """Parse and check a map file; every problem names the block and the key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MapError(f"{filename}: TOML 语法错误：{exc}") from None
    rules: list[MapRule] = []
    seen: set[str] = set()
    for index, block in enumerate(raw.get("map", [])):
        where = f"{filename}: map[{index}]"
        unknown = set(block) - MAP_KEYS
        if unknown:
            raise MapError(f"{where}: 未知字段 {', '.join(sorted(unknown))}")
        for key in ("id", "event", "fact", "units"):
            if not isinstance(block.get(key), str) or not block[key]:
                raise MapError(f"{where}: 缺少字段 {key}")
        if block["id"] in seen:
            raise MapError(f"{where}: id {block['id']!r} 重复")
        seen.add(block["id"])
        units = block["units"]
        if units not in UNIT_SOURCES and not units.startswith("data."):
            raise MapError(f"{where}: units 须为 {' / '.join(UNIT_SOURCES)} 或 data.KEY")
        for key in ("attrs", "when", "unless"):
            if not isinstance(block.get(key, {}), dict):
                raise MapError(f"{where}: {key} 须为表")
        for attr in block.get("attrs", {}):
            if attr not in ATTRS:
                raise MapError(f"{where}: 未知属性 {attr!r}")
        rules.append(MapRule(
            id=block["id"], event=block["event"], fact=block["fact"], units=units,
            rule_id=str(block.get("rule_id", "")), attrs=dict(block.get("attrs", {})),
            when=dict(block.get("when", {})), unless=dict(block.get("unless", {})), each=str(block.get("each", "")),
            day=str(block.get("day", "")), value=str(block.get("value", "")), times=str(block.get("times", "")),
        ))
    return rules


@cache
def _load(path: str) -> tuple[MapRule, ...]:
    file = Path(path)
    return tuple(parse_map(file.read_text(encoding="utf-8"), file.name))


def load_map() -> dict[str, list[MapRule]]:
    """The map rules by event kind."""
    path = getattr(settings, "DUBAN_SCORING_EVENT_MAP", "") or str(MAP_FILE)
    by_kind: dict[str, list[MapRule]] = {}
    for rule in _load(path):
        by_kind.setdefault(rule.event, []).append(rule)
    return by_kind


def _dig(value: Any, keys: list[str]) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def resolve(expr: Any, ctx: Context, unit_id: int | None, each: Any = None) -> Any:
    """The value of one expression (see the header of event_map.toml); a non-expression is a literal."""
    if not isinstance(expr, str):
        return expr
    head, _, rest = expr.partition(".")
    if not rest:
        return expr
    if head == "data":
        return _dig(ctx.data, rest.split("."))
    if head == "each":
        return _dig(each, rest.split("."))
    if head == "item":
        return {"pk": str(ctx.item_id) if ctx.item_id else None, "level": ctx.item_level or None,
                "source": ctx.item_source or None,
                "source_group": SOURCE_GROUPS.get(ctx.item_source, "other") if ctx.item_source else None,
                }.get(rest)
    if head == "unit" and rest == "role":
        return ctx.roles.get(unit_id) if unit_id is not None else None
    if head == "event":
        return {"unit": ctx.unit_id, "rule_id": ctx.rule_id}.get(rest)
    return expr


def _holds(conditions: dict[str, Any], ctx: Context) -> bool:
    for expr, wanted in conditions.items():
        value = resolve(expr, ctx, ctx.unit_id)
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if value not in allowed:
            return False
    return True


def _unit_ids(rule: MapRule, ctx: Context) -> list[int]:
    if rule.units == "event":
        ids: Any = ctx.unit_id
    elif rule.units == "lead":
        ids = ctx.lead_id
    elif rule.units == "event_or_lead":
        ids = ctx.unit_id or ctx.lead_id
    elif rule.units == "assignments":
        ids = list(ctx.roles)
    else:
        ids = resolve(rule.units, ctx, None)
    if ids is None:
        return []
    out = []
    for value in ids if isinstance(ids, list) else [ids]:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return out


def _day(value: Any, default: dt.date) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return default
    return default


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _generic(ctx: Context) -> list[Derived]:
    """``data.score_fact``: an event that states its own scoring fact (plugs in without a map)."""
    raw = ctx.data.get("score_fact")
    if raw is None:
        return []
    out = []
    for i, spec in enumerate(raw if isinstance(raw, list) else [raw]):
        if not isinstance(spec, dict) or not isinstance(spec.get("kind"), str):
            continue
        try:
            unit_id = int(spec.get("unit") or ctx.unit_id or 0)
        except (TypeError, ValueError):
            continue
        if not unit_id:
            continue
        attrs = {k: v for k, v in (spec.get("attrs") or {}).items() if isinstance(v, str | int | float | bool)}
        times = spec.get("times", 1)
        out.append(Derived(unit_id, spec["kind"], _day(spec.get("day"), ctx.day), attrs, _number(spec.get("value")),
                           times if isinstance(times, int) and times > 0 else 1, f"score_fact.{i}",
                           str(spec.get("rule_id") or ctx.rule_id)))
    return out


def derive(ctx: Context, rules: Iterable[MapRule]) -> list[Derived]:
    """Every fact one event yields."""
    out = _generic(ctx)
    for rule in rules:
        if rule.when and not _holds(rule.when, ctx):
            continue
        if rule.unless and _holds(rule.unless, ctx):
            continue
        elements: list[Any] = [None]
        if rule.each:
            listed = resolve(rule.each, ctx, None)
            elements = listed if isinstance(listed, list) else []
        for unit_id in _unit_ids(rule, ctx):
            for n, element in enumerate(elements):
                attrs = {}
                for attr, expr in rule.attrs.items():
                    value = resolve(expr, ctx, unit_id, element)
                    if value is not None:
                        attrs[attr] = value
                day = _day(resolve(rule.day, ctx, unit_id, element), ctx.day) if rule.day else ctx.day
                value = _number(resolve(rule.value, ctx, unit_id, element)) if rule.value else None
                times = _number(resolve(rule.times, ctx, unit_id, element)) if rule.times else 1
                mapping = rule.id if element is None else f"{rule.id}.{n}"
                out.append(Derived(unit_id, rule.fact, day, attrs, value, max(int(times or 1), 1), mapping,
                                   ctx.rule_id if rule.rule_id == "event" else (rule.rule_id or ctx.rule_id)))
    return out


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def known_kind(kind: str) -> bool:
    return kind in FACT_KINDS
