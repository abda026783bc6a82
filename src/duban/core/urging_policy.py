"""Urging and reporting policy as a data file (TOML): cadence, colours, windows (SPEC §3, S0-8, S0-15).

``load_urging_policy(text, filename)`` returns the ``CadencePolicy`` and ``UrgingPolicy`` the engines
take, or raises ``PolicyFileError`` naming the file, the line and the field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from .cadence import CadencePolicy, Period
from .escalation import Colour, UrgingPolicy
from .lifecycle import Level, Role

TOP_KEYS = {"name", "title", "cadence", "urging", "colour"}
CADENCE_KEYS = {"especially", "fairly", "generally", "weekly_working_days", "weekly_if_longer_than_week",
                "receipt_working_days", "default_working_days"}
URGING_KEYS = {"answer_day_count", "escalate_after", "key_supervision_after", "extension_starts_at",
               "reminder_days_before"}
COLOUR_KEYS = {"code", "label", "signer_role", "answer_days", "answer_mode", "copy_to", "rule_id"}
SIGNERS = {Role.OFFICE_HEAD.value, Role.DEPUTY_HEAD.value, Role.GOV_HEAD.value}
COPY_ROLES = {Role.ASSESSMENT.value, Role.DISCIPLINE.value, Role.ORGANISATION.value}
ANSWER_MODES = {"written", "in_person", "report_to_head"}


class PolicyFileError(ValueError):
    def __init__(self, filename: str, line: int | None, field: str, message: str) -> None:
        super().__init__(f"{filename}:{line or '?'}: {field}: {message}")
        self.filename, self.line, self.field = filename, line, field


@dataclass(frozen=True)
class UrgingPolicyFile:
    name: str
    title: str
    cadence: CadencePolicy
    urging: UrgingPolicy


def _lines(text: str) -> list[tuple[int, str, str]]:
    """(line number, enclosing table, stripped line) for every line."""
    table = ""
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        header = re.match(r"^\[\[?([A-Za-z_.]+)\]?\]$", line)
        if header:
            table = header.group(1)
        out.append((number, table, line))
    return out


def _find(text: str, table: str, key: str, occurrence: int = 0) -> int | None:
    """The line of ``key = …`` in ``[table]`` (or in the ``occurrence``-th ``[[table]]``)."""
    block = -1
    for number, current, line in _lines(text):
        if line == f"[[{table}]]":
            block += 1
        if current == table and re.match(rf"{re.escape(key)}\s*=", line) and (table != "colour" or block == occurrence):
            return number
    return None


def load_urging_policy(text: str, filename: str) -> UrgingPolicyFile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise PolicyFileError(filename, int(match.group(1)) if match else None, "toml", str(exc)) from exc

    def fail(table: str, key: str, message: str, occurrence: int = 0, label: str | None = None) -> PolicyFileError:
        line = _find(text, table, key, occurrence) if table else _find(text, "", key)
        return PolicyFileError(filename, line, label or (f"{table}.{key}" if table else key), message)

    for key in data:
        if key not in TOP_KEYS:
            raise fail("", key, "未知字段 unknown key")
    cadence_raw: dict[str, Any] = data.get("cadence", {})
    urging_raw: dict[str, Any] = data.get("urging", {})
    for table, raw, allowed in (("cadence", cadence_raw, CADENCE_KEYS), ("urging", urging_raw, URGING_KEYS)):
        for key in raw:
            if key not in allowed:
                raise fail(table, key, "未知字段 unknown key")

    def integer(table: str, raw: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
        value = raw.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise fail(table, key, f"应为 {low}–{high} 的整数 expected an integer in {low}..{high}")
        return value

    periods: dict[str, Period] = {}
    for level in Level:
        value = cadence_raw.get(level.value, CadencePolicy().periods[level.value].value)
        try:
            periods[level.value] = Period(value)
        except ValueError:
            raise fail("cadence", level.value, "应为 weekly / monthly / quarterly") from None
    weekly_flag = cadence_raw.get("weekly_if_longer_than_week", False)
    if not isinstance(weekly_flag, bool):
        raise fail("cadence", "weekly_if_longer_than_week", "应为 true 或 false")
    cadence = CadencePolicy(
        periods=periods,
        weekly_working_days=integer("cadence", cadence_raw, "weekly_working_days", 5, 1, 30),
        weekly_if_longer_than_week=weekly_flag,
        receipt_working_days=integer("cadence", cadence_raw, "receipt_working_days", 1, 0, 10),
        default_working_days=integer("cadence", cadence_raw, "default_working_days", 7, 1, 365),
    )
    colours_raw = data.get("colour", [])
    if not isinstance(colours_raw, list) or not colours_raw:
        raise PolicyFileError(filename, None, "colour", "至少需要一种催办单颜色 [[colour]]")
    colours = []
    codes: set[str] = set()
    for index, raw in enumerate(colours_raw):
        for key in raw:
            if key not in COLOUR_KEYS:
                raise fail("colour", key, "未知字段 unknown key", index, f"colour[{index}].{key}")
        for key in ("code", "label", "signer_role", "rule_id"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise PolicyFileError(filename, _find(text, "colour", key, index) or _header_line(text, index),
                                      f"colour[{index}].{key}", "必填字符串 required string")
        if raw["code"] in codes:
            raise fail("colour", "code", f"颜色代码 {raw['code']!r} 重复", index, f"colour[{index}].code")
        codes.add(raw["code"])
        if raw["signer_role"] not in SIGNERS:
            raise fail("colour", "signer_role", f"签发角色应为 {sorted(SIGNERS)} 之一（S0-11）", index,
                       f"colour[{index}].signer_role")
        answer_days = raw.get("answer_days")
        if answer_days is not None and (not isinstance(answer_days, int) or not 0 < answer_days <= 30):
            raise fail("colour", "answer_days", "应为 1–30 的整数", index, f"colour[{index}].answer_days")
        mode = raw.get("answer_mode", "written")
        if mode not in ANSWER_MODES:
            raise fail("colour", "answer_mode", f"应为 {sorted(ANSWER_MODES)} 之一", index,
                       f"colour[{index}].answer_mode")
        copy_to = raw.get("copy_to", [])
        if not isinstance(copy_to, list) or any(c not in COPY_ROLES for c in copy_to):
            raise fail("colour", "copy_to", f"抄送角色应为 {sorted(COPY_ROLES)} 中的若干个", index,
                       f"colour[{index}].copy_to")
        colours.append(Colour(raw["code"], raw["label"], raw["signer_role"], answer_days, mode, tuple(copy_to),
                              raw["rule_id"]))
    answer_count = urging_raw.get("answer_day_count", "working")
    if answer_count not in ("working", "natural"):
        raise fail("urging", "answer_day_count", "应为 working 或 natural")
    urging = UrgingPolicy(
        name=str(data.get("name", filename)),
        colours=tuple(colours),
        answer_day_count=answer_count,
        escalate_after=integer("urging", urging_raw, "escalate_after", 2, 1, 30),
        key_supervision_after=integer("urging", urging_raw, "key_supervision_after", 2, 1, 30),
        extension_starts_at=integer("urging", urging_raw, "extension_starts_at", 1, 0, len(colours) - 1),
        reminder_days_before=integer("urging", urging_raw, "reminder_days_before", 1, 0, 10),
    )
    return UrgingPolicyFile(urging.name, str(data.get("title", "")), cadence, urging)


def _header_line(text: str, index: int) -> int | None:
    seen = -1
    for number, _, line in _lines(text):
        if line == "[[colour]]":
            seen += 1
            if seen == index:
                return number
    return None
