"""The to-do page (待办): what the signed-in person must do now, grouped by the kind of work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from duban.core.lifecycle import TRANSITIONS, Action
from duban.items.selectors import todo_for


@dataclass(frozen=True)
class TodoGroup:
    key: str
    label: str
    hint: str
    rule_id: str
    rows: list[Any]  # items, or objections / extension requests for the last two groups
    kind: str = "item"  # "item" | "objection" | "extension" | "ticket"


@login_required
def todo(request: HttpRequest) -> HttpResponse:
    t = todo_for(request.user)  # type: ignore[arg-type]

    def rule(action: Action) -> str:
        return TRANSITIONS[action].rule_id

    groups = [
        TodoGroup("approve", str(_("审定")), str(_("立项后报办公室主要领导审定")), rule(Action.APPROVE), t.to_approve),
        TodoGroup("assign", str(_("交办")), str(_("已审定，待交办给承办单位")), rule(Action.ASSIGN), t.to_assign),
        TodoGroup("receive", str(_("签收")), str(_("本单位待签收的事项")), rule(Action.RECEIVE), t.to_receive),
        TodoGroup("report", str(_("报送进展")), str(_("本单位牵头办理，按等级定期报送")), rule(Action.REPORT_PROGRESS),
                  t.to_report),
        TodoGroup("review", str(_("审核")), str(_("承办单位已报送办结，待督查室审核")), rule(Action.OFFICE_ACCEPT),
                  t.to_review),
        TodoGroup("read", str(_("领导审阅")), str(_("督查室审核通过，待领导审阅")), rule(Action.LEADER_PASS),
                  t.to_read),
        TodoGroup("archive", str(_("归档")), str(_("已办结，待立卷归档")), rule(Action.ARCHIVE), t.to_archive),
        TodoGroup("objection", str(_("异议答复")), str(_("承办单位对分工或时限提出的调整意见")),
                  rule(Action.ANSWER_OBJECTION), t.objections, "objection"),
        TodoGroup("extension", str(_("延期审批")), str(_("承办单位申请延期")), rule(Action.DECIDE_EXTENSION),
                  t.extensions, "extension"),
        TodoGroup("sign_ticket", str(_("签发催办单")), str(_("系统拟制的催办单，须由相应领导签发后生效")), "S0-11",
                  t.tickets_to_sign, "ticket"),
        TodoGroup("answer_ticket", str(_("催办单反馈")), str(_("本单位收到的催办单，须按时签收、反馈")), "S0-15",
                  t.tickets_to_answer, "ticket"),
    ]
    visible_groups = [g for g in groups if g.rows]
    return render(
        request,
        "web/todo.html",
        # ``todo_count`` overrides the context processor's lazy count: the badge reuses this list.
        {"todo": t, "groups": groups, "visible_groups": visible_groups, "total": t.total, "todo_count": t.total},
    )
