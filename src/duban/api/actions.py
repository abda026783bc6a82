"""Which lifecycle actions a person may take on an item now, and the API route of each.

The state rules come from ``duban.core.lifecycle`` (``allowed_actions``) and the "who" rules from
``duban.items.access.acts_as`` — the same checks the services run. On top of them this module only
hides actions that the service would refuse for a plain reason visible on the item (nothing pending to
answer, already received, a request already pending), so a client can draw exactly the buttons that
work.
"""

from __future__ import annotations

from dataclasses import dataclass

from duban.core.lifecycle import TRANSITIONS, Action, allowed_actions
from duban.items.access import acts_as, own_assignment
from duban.items.models import Assignment, ExtensionRequest, Item, Objection
from duban.org.models import User

# Action → route below /api/items/{id}/ ("{target}" is an objection or extension request id).
ACTION_PATHS: dict[Action, str] = {
    Action.APPROVE: "approve",
    Action.DECLINE: "decline",
    Action.RESUBMIT: "resubmit",
    Action.ASSIGN: "assign",
    Action.RECEIVE: "receive",
    Action.OBJECT: "objections",
    Action.ANSWER_OBJECTION: "objections/{target}/answer",
    Action.REPORT_PROGRESS: "reports/progress",
    Action.REPORT_UNABLE: "reports/unable",
    Action.REQUEST_EXTENSION: "extensions",
    Action.DECIDE_EXTENSION: "extensions/{target}/decide",
    Action.REPORT_COMPLETION: "reports/completion",
    Action.OFFICE_ACCEPT: "office-accept",
    Action.OFFICE_RETURN: "office-return",
    Action.LEADER_PASS: "leader-pass",
    Action.LEADER_RESUPERVISE: "leader-resupervise",
    Action.ARCHIVE: "archive",
    Action.ATTACH: "attachments",
}


@dataclass(frozen=True)
class Available:
    action: Action
    target_id: int | None = None

    @property
    def label(self) -> str:
        return TRANSITIONS[self.action].label

    @property
    def rule_id(self) -> str:
        return TRANSITIONS[self.action].rule_id

    def path(self, item_id: int, prefix: str = "/api/items") -> str:
        suffix = ACTION_PATHS[self.action].replace("{target}", str(self.target_id))
        return f"{prefix}/{item_id}/{suffix}"


def available_actions(user: User, item: Item) -> list[Available]:
    """The actions ``user`` may take on ``item`` now (``item`` must be visible to ``user``)."""
    out: list[Available] = []
    own = own_assignment(user, item)
    for action in allowed_actions(item.state_enum):
        if not acts_as(user, item, TRANSITIONS[action].actor):
            continue
        if action is Action.RECEIVE and (own is None or own.state != Assignment.State.ASSIGNED):
            continue
        if action is Action.REPORT_UNABLE and (own is None or own.state == Assignment.State.UNABLE):
            continue
        if action is Action.ANSWER_OBJECTION:
            pending = Objection.objects.filter(
                assignment__item=item, outcome=Objection.Outcome.PENDING
            ).values_list("pk", flat=True)
            out.extend(Available(action, pk) for pk in pending)
            continue
        if action in (Action.REQUEST_EXTENSION, Action.DECIDE_EXTENSION):
            pending_ext = list(
                ExtensionRequest.objects.filter(item=item, state=ExtensionRequest.State.PENDING)
                .values_list("pk", flat=True)
            )
            if action is Action.REQUEST_EXTENSION and not pending_ext:
                out.append(Available(action))
            if action is Action.DECIDE_EXTENSION:
                out.extend(Available(action, pk) for pk in pending_ext)
            continue
        out.append(Available(action))
    return out
