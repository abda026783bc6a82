"""Scenario files: parsing and validation with errors that name the field.

A scenario is JSON::

    {
      "policy": "S0",
      "start": "2026-03-02", "until": "2026-04-30",
      "auto_sign": true,
      "units": [{"code": "FGJ", "name": "区发改局", "category": "经济发展类"}],
      "items": [{"code": "A1", "title": "…", "level": "especially", "source": "gov_meeting",
                 "lead": "FGJ", "co": ["CZJ"], "assigned": "2026-03-02T10:00",
                 "deadline": "2026-03-31"}],
      "actions": [{"at": "2026-03-02T15:00", "action": "receive", "item": "A1", "unit": "FGJ"}]
    }

See docs/REPLAY.md for every action and its fields.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

ACTIONS = {
    "receive", "object", "answer-objection", "report", "unable", "extend-request", "extend-decide",
    "complete", "accept", "return", "leader-pass", "leader-reject", "sign-ticket", "answer-ticket",
    "acknowledge-ticket", "fact", "sweep",
}


class ScenarioError(ValueError):
    pass


@dataclass
class Scenario:
    policy: str
    start: dt.date
    until: dt.date | None
    auto_sign: bool
    units: list[dict[str, Any]]
    items: list[dict[str, Any]]
    actions: list[dict[str, Any]] = field(default_factory=list)
    score_period: str = ""  # the scores' period (2026, 2026Q1, 2026-2027); default: the year of ``until``


def _moment(value: Any, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: 应为时间字符串，如 2026-03-02T10:00")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(9))
        except ValueError:
            raise ScenarioError(f"{where}: 无法解析时间 {value!r}") from None


def _date(value: Any, where: str) -> dt.date:
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: 应为日期字符串，如 2026-03-31")
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ScenarioError(f"{where}: 无法解析日期 {value!r}") from None


def load(text: str, name: str = "scenario") -> Scenario:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{name}:{exc.lineno}: JSON 格式错误：{exc.msg}") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{name}: 顶层应为对象")
    for key in ("units", "items"):
        if not isinstance(data.get(key), list) or not data[key]:
            raise ScenarioError(f"{name}: {key}: 必填，且应为非空数组")
    codes = set()
    for i, unit in enumerate(data["units"]):
        where = f"{name}: units[{i}]"
        if not isinstance(unit, dict) or not unit.get("code") or not unit.get("name"):
            raise ScenarioError(f"{where}: 需要 code 和 name")
        codes.add(unit["code"])
    item_codes = set()
    for i, item in enumerate(data["items"]):
        where = f"{name}: items[{i}]"
        for key in ("code", "level", "lead", "assigned"):
            if key not in item:
                raise ScenarioError(f"{where}.{key}: 必填")
        if item["lead"] not in codes:
            raise ScenarioError(f"{where}.lead: 未知单位 {item['lead']!r}")
        for co in item.get("co", []):
            if co not in codes:
                raise ScenarioError(f"{where}.co: 未知单位 {co!r}")
        item["_assigned"] = _moment(item["assigned"], f"{where}.assigned")
        if "deadline" in item:
            item["_deadline"] = _date(item["deadline"], f"{where}.deadline")
        item_codes.add(item["code"])
    actions = data.get("actions", [])
    for i, action in enumerate(actions):
        where = f"{name}: actions[{i}]"
        if action.get("action") not in ACTIONS:
            known = ", ".join(sorted(ACTIONS))
            raise ScenarioError(f"{where}.action: 未知动作 {action.get('action')!r}，可用：{known}")
        action["_at"] = _moment(action.get("at"), f"{where}.at")
        if action["action"] not in {"fact", "sweep"} and action.get("item") not in item_codes:
            raise ScenarioError(f"{where}.item: 未知事项 {action.get('item')!r}")
        if action.get("unit") is not None and action["unit"] not in codes:
            raise ScenarioError(f"{where}.unit: 未知单位 {action['unit']!r}")
    start = _date(data["start"], f"{name}: start") if "start" in data else min(
        i["_assigned"].date() for i in data["items"])
    until = _date(data["until"], f"{name}: until") if data.get("until") else None
    return Scenario(
        policy=str(data.get("policy", "S0")), start=start, until=until, auto_sign=bool(data.get("auto_sign", True)),
        units=data["units"], items=data["items"], actions=sorted(actions, key=lambda a: a["_at"]),
        score_period=str(data.get("score_period", "")),
    )
