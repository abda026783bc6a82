"""Readable (Chinese) messages for request validation errors.

ninja reports schema errors as pydantic's English list (``[{"loc": ["body", "payload", "title"],
"type": "missing", ...}]``). ``readable_validation_error`` turns it into the API's usual error shape:
``{"detail": "输入有误：事项名称（title）为必填项。", "field_errors": {"title": "为必填项"},
"errors": [...]}`` — the original list stays under ``errors`` for programs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

FIELD_LABELS: dict[str, str] = {
    "title": "事项名称",
    "content": "办理内容",
    "source": "事项来源",
    "source_detail": "来源说明",
    "level": "督查等级",
    "requirements": "办理要求",
    "deadline": "办结时限",
    "deadline_working_days": "办理工作日数",
    "confidential": "涉密",
    "supervising_leader": "主管领导",
    "opinion": "意见",
    "reason": "理由",
    "reasons": "理由",
    "note": "说明",
    "lead_unit": "牵头单位",
    "lead_part": "牵头单位任务",
    "co_units": "配合单位",
    "unit": "单位",
    "part": "承担任务",
    "channel": "交办方式",
    "responsible_leader": "责任领导",
    "responsible_section": "责任科室",
    "responsible_person": "具体责任人",
    "responsible_phone": "联系电话",
    "work_plan": "工作方案",
    "milestones": "时间节点",
    "due_on": "完成时间",
    "text": "内容",
    "accept": "是否予以调整",
    "answer": "答复意见",
    "new_deadline": "调整后的时限",
    "requested_deadline": "申请延至",
    "approve": "是否同意",
    "follow_up": "后续处理",
    "custodian": "保管人",
    "file": "文件",
    "step": "环节",
    "expected_version": "版本号",
    "state": "状态",
    "q": "搜索词",
    "overdue": "逾期",
    "limit": "每页条数",
    "offset": "偏移量",
    "after_id": "游标",
    "item_id": "事项 id",
    "include_inactive": "包含停用单位",
}

# Parameter-container names ninja puts into ``loc`` after the location ("body", "query", …).
_CONTAINERS = {"payload", "params", "filters", "data"}
_LOCATIONS = {"body", "query", "path", "form", "file", "header", "cookie"}


def _message(err: dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "为必填项"
    if kind.startswith("int_") or kind == "int_type":
        return "须为整数"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "须为日期（格式 YYYY-MM-DD）"
    if kind.startswith("bool"):
        return "须为 true 或 false"
    if kind in {"string_type", "str_type"}:
        return "须为文本"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字符"
    if kind == "string_too_short":
        return f"至少 {ctx.get('min_length')} 个字符"
    if kind in {"enum", "literal_error"}:
        expected = str(ctx.get("expected", "")).replace(" or ", ", ")
        return f"取值无效，可选：{expected}".rstrip("：")
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "less_than":
        return f"须小于 {ctx.get('lt')}"
    if kind == "greater_than":
        return f"须大于 {ctx.get('gt')}"
    if kind == "list_type":
        return "须为列表"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return "须为对象"
    if kind == "json_invalid":
        return "不是有效的 JSON"
    return "格式不正确"


def field_path(loc: Sequence[Any]) -> str:
    """``["body", "payload", "co_units", 0, "unit"]`` → ``co_units[0].unit``."""
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in _CONTAINERS:
        parts = parts[1:]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out or "body"


def _label(path: str) -> str:
    last = path.rsplit(".", 1)[-1].split("[", 1)[0]
    first = path.split(".", 1)[0].split("[", 1)[0]
    label = FIELD_LABELS.get(last) or FIELD_LABELS.get(first)
    return f"{label}（{path}）" if label else path


def readable_validation_error(errors: Iterable[dict[str, Any]]) -> dict[str, Any]:
    field_errors: dict[str, str] = {}
    raw: list[dict[str, Any]] = []
    sentences: list[str] = []
    for err in errors:
        path = field_path(err.get("loc") or ())
        message = _message(err)
        loc = [str(x) for x in err.get("loc") or ()]
        raw.append({"loc": loc, "type": err.get("type"), "msg": err.get("msg")})
        if path not in field_errors:
            field_errors[path] = message
            sentences.append(f"{_label(path)}{message}")
    detail = "输入有误：" + "；".join(sentences) + "。" if sentences else "输入有误。"
    return {"detail": detail, "field_errors": field_errors, "errors": raw}
