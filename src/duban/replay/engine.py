"""Run a scenario through the same services and sweep the live system uses, on a simulated clock.

Every day from the scenario's start to its end, the sweep runs at 08:00; the scenario's actions run at
their own moments in between. Tickets are signed by the leader the colour names as soon as they are
drafted, unless the scenario sets ``"auto_sign": false`` (then ``sign-ticket`` actions sign them).
Actions the engine refuses are reported in ``errors`` with the reason, and the replay goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from duban.core.lifecycle import Role
from duban.items import services
from duban.items.errors import InvalidInput, ServiceError
from duban.items.models import Item, Source
from duban.ledger.models import Event
from duban.org.models import Category, Jurisdiction, RoleGrant, Unit, User
from duban.urging import services as urging
from duban.urging.models import Ticket

from .scenario import Scenario

SWEEP_HOUR = 8


class Cast:
    """The people a replay needs: the office, the leaders and one liaison per unit."""

    def __init__(self, scenario: Scenario) -> None:
        self.jurisdiction = Jurisdiction.objects.create(code="REPLAY", name="回放辖区")
        j = self.jurisdiction
        office_unit = Unit.objects.create(jurisdiction=j, code="_OFFICE", name="督查室", kind=Unit.Kind.OFFICE)
        gov_unit = Unit.objects.create(jurisdiction=j, code="_GOV", name="政府", kind=Unit.Kind.GOVERNMENT)
        self.office = self._person("office", "督查室", office_unit, [Role.OFFICE_STAFF], cleared=True)
        self.office_head = self._person("office_head", "办公室主任", office_unit, [Role.OFFICE_HEAD], cleared=True)
        self.deputy = self._person("deputy", "分管副职", gov_unit, [Role.DEPUTY_HEAD], cleared=True)
        self.gov_head = self._person("gov_head", "主要领导", gov_unit, [Role.GOV_HEAD], cleared=True)
        for role in (Role.ASSESSMENT, Role.DISCIPLINE, Role.ORGANISATION):
            self._person(role.value, role.value, gov_unit, [role])
        self.units: dict[str, Unit] = {}
        self.liaisons: dict[str, User] = {}
        for spec in scenario.units:
            category = None
            if spec.get("category"):
                category, _ = Category.objects.get_or_create(jurisdiction=j, code=spec["category"],
                                                             defaults={"name": spec["category"]})
            unit = Unit.objects.create(jurisdiction=j, code=spec["code"], name=spec["name"],
                                       kind=Unit.Kind.DEPARTMENT, category=category,
                                       supervising_leader=self.deputy)
            self.units[spec["code"]] = unit
            self.liaisons[spec["code"]] = self._person(f"liaison-{spec['code']}", f"{spec['name']}联络员", unit,
                                                       [Role.UNIT_LIAISON, Role.UNIT_HEAD])
        self.items: dict[str, Item] = {}

    def _person(self, username: str, name: str, unit: Unit, roles: list[Role], cleared: bool = False) -> User:
        user = User.objects.create(username=username, full_name=name, jurisdiction=self.jurisdiction, unit=unit,
                                   cleared_confidential=cleared)
        for role in roles:
            RoleGrant.objects.create(jurisdiction=self.jurisdiction, user=user, role=role)
        return user


def _aware(moment: dt.datetime) -> dt.datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _ticket(cast: Cast, action: dict[str, Any]) -> Ticket:
    qs = Ticket.objects.filter(item=cast.items[action["item"]])
    if action.get("unit"):
        qs = qs.filter(unit=cast.units[action["unit"]])
    if action.get("colour"):
        qs = qs.filter(colour=action["colour"])
    ticket = qs.order_by("-drafted_at", "-id").first()
    if ticket is None:
        raise ServiceError("没有符合条件的催办单。")
    return ticket


def _perform(cast: Cast, action: dict[str, Any], now: dt.datetime) -> None:
    kind = action["action"]
    item = cast.items.get(action.get("item", ""))
    unit_code = action.get("unit")
    unit_actor = cast.liaisons[unit_code] if unit_code else None
    lead = item.lead_assignment if item else None
    lead_actor = unit_actor or (cast.liaisons[lead.unit.code] if lead else None)
    text = action.get("text", "") or action.get("reason", "") or "（回放）"

    def date_field(name: str) -> dt.date:
        return dt.date.fromisoformat(action[name])

    handlers: dict[str, Callable[[], object]] = {
        "receive": lambda: services.do_receive(
            actor=lead_actor, item=item, responsible_leader=action.get("leader", "分管领导"),
            responsible_section=action.get("section", "责任科室"), responsible_person=action.get("person", "责任人"),
            now=now),
        "object": lambda: services.do_object(actor=lead_actor, item=item, text=text, now=now),
        "answer-objection": lambda: services.do_answer_objection(
            actor=cast.office, item=item,
            objection=item.assignments.get(unit=cast.units[unit_code]).objections.order_by("-filed_at").first()
            if unit_code else None,
            accept=bool(action.get("accept", False)), answer=text,
            new_deadline=date_field("deadline") if action.get("deadline") else None, now=now),
        "report": lambda: services.do_report_progress(actor=lead_actor, item=item, text=text, now=now),
        "unable": lambda: services.do_report_unable(actor=unit_actor, item=item, text=text, now=now),
        "extend-request": lambda: services.do_request_extension(
            actor=lead_actor, item=item, requested_deadline=date_field("deadline"), reason=text, now=now),
        "extend-decide": lambda: services.do_decide_extension(
            actor=cast.office_head, item=item,
            request=item.extension_requests.order_by("-requested_at").first(),
            approve=bool(action.get("approve", True)), note=action.get("note", "同意"), now=now),
        "complete": lambda: services.do_report_completion(actor=lead_actor, item=item, text=text, now=now),
        "accept": lambda: services.do_office_accept(actor=cast.office, item=item, opinion=text, now=now),
        "return": lambda: services.do_office_return(actor=cast.office, item=item, reasons=text, now=now),
        "leader-pass": lambda: services.do_leader_pass(actor=cast.gov_head, item=item, opinion=text,
                                                       follow_up=action.get("follow_up", "none"), now=now),
        "leader-reject": lambda: services.do_leader_resupervise(actor=cast.gov_head, item=item, reasons=text,
                                                                now=now),
        "sign-ticket": lambda: _sign(cast, _ticket(cast, action), now, action.get("by")),
        "acknowledge-ticket": lambda: urging.do_acknowledge_ticket(
            actor=cast.liaisons[_ticket(cast, action).unit.code], ticket=_ticket(cast, action), now=now),
        "answer-ticket": lambda: urging.do_answer_ticket(
            actor=cast.liaisons[_ticket(cast, action).unit.code], ticket=_ticket(cast, action), answer=text,
            objective_cause=bool(action.get("objective_cause", False)), plan=action.get("plan", ""),
            plan_signed_by=action.get("plan_signed_by", ""), now=now),
        "fact": lambda: _record_fact(cast, action, item, text, now),
        "sweep": lambda: _sweep(cast, now, auto_sign=False),
    }
    handlers[kind]()


FACT_FIELDS = {"action", "at", "unit", "item", "fact", "text", "reason", "rule_id", "value", "times", "day",
               "evidence"}


def _record_fact(cast: Cast, action: dict[str, Any], item: Item | None, text: str, now: dt.datetime) -> object:
    """A fact the office records with evidence (scoring.services.record_fact); the other fields of the
    action are the fact's attributes (``tier``, ``role``, ``rating``, ``answer`` …)."""
    from duban.scoring import services as scoring

    unit_code = action.get("unit")
    if not unit_code:
        raise InvalidInput("录入事实须指定单位（unit）。", field_errors={"unit": "必填"})
    attrs = {k: v for k, v in action.items() if not k.startswith("_") and k not in FACT_FIELDS}
    day = dt.date.fromisoformat(action["day"]) if action.get("day") else timezone.localtime(now).date()
    return scoring.record_fact(
        actor=cast.office, unit=cast.units[unit_code], kind=str(action.get("fact", "")), day=day,
        description=text, attrs=attrs, value=action.get("value"), times=int(action.get("times", 1)), item=item,
        evidence_ref=str(action.get("evidence", "回放")), rule_id=str(action.get("rule_id", "")), now=now)


def _sign(cast: Cast, ticket: Ticket, now: dt.datetime, by: str | None = None) -> Ticket:
    signer = User.objects.get(jurisdiction=cast.jurisdiction, username=by) if by else urging.signers_for(ticket)[0]
    return urging.do_sign_ticket(actor=signer, ticket=ticket, now=now)


def _sweep(cast: Cast, now: dt.datetime, *, auto_sign: bool) -> None:
    urging.sweep(now)
    if auto_sign:
        for ticket in Ticket.objects.filter(jurisdiction=cast.jurisdiction, state=Ticket.State.DRAFTED):
            _sign(cast, ticket, now)


def _register(cast: Cast, spec: dict[str, Any], now: dt.datetime) -> Item:
    item = services.do_register(
        actor=cast.office, title=spec.get("title", spec["code"]),
        content=spec.get("content", spec.get("title", "回放事项")),
        source=spec.get("source", Source.OTHER), level=spec["level"], supervising_leader=cast.deputy,
        confidential=bool(spec.get("confidential", False)), now=now)
    services.do_approve(actor=cast.office_head, item=item, now=now)
    deadline = spec.get("_deadline")
    services.do_assign(
        actor=cast.office, item=item, lead_unit=cast.units[spec["lead"]],
        co_units=[services.CoUnit(cast.units[c]) for c in spec.get("co", [])],
        deadline=deadline, deadline_working_days=None if deadline else spec.get("working_days"), now=now)
    item.refresh_from_db()
    return item


def run(scenario: Scenario, until: dt.date | None = None) -> dict[str, Any]:
    cast = Cast(scenario)
    end = until or scenario.until or max(
        [a["_at"].date() for a in scenario.actions] + [i["_assigned"].date() for i in scenario.items]
    ) + dt.timedelta(days=14)
    timeline: list[tuple[dt.datetime, int, str, dict[str, Any]]] = []
    for spec in scenario.items:
        timeline.append((_aware(spec["_assigned"]), 0, "assign", spec))
    for index, action in enumerate(scenario.actions):
        timeline.append((_aware(action["_at"]), 2, "action", {**action, "_index": index}))
    day = scenario.start
    while day <= end:
        timeline.append((_aware(dt.datetime.combine(day, dt.time(SWEEP_HOUR))), 1, "sweep", {}))
        day += dt.timedelta(days=1)
    timeline = [t for t in timeline if t[0].date() <= end]
    timeline.sort(key=lambda t: (t[0], t[1]))
    errors: list[dict[str, Any]] = []
    for moment, _, kind, payload in timeline:
        if kind == "assign":
            cast.items[payload["code"]] = _register(cast, payload, moment)
        elif kind == "sweep":
            _sweep(cast, moment, auto_sign=scenario.auto_sign)
        else:
            try:
                _perform(cast, payload, moment)
            except ServiceError as exc:
                errors.append({"action": payload["_index"], "at": moment.isoformat(), "kind": payload["action"],
                               "error": exc.message, "status": exc.status})
            if payload["action"] in {"sign-ticket"}:
                continue
            if scenario.auto_sign:
                for ticket in Ticket.objects.filter(jurisdiction=cast.jurisdiction, state=Ticket.State.DRAFTED):
                    _sign(cast, ticket, moment)
    return report(cast, scenario, end, errors)


def report(cast: Cast, scenario: Scenario, end: dt.date, errors: list[dict[str, Any]]) -> dict[str, Any]:
    code_of = {item.pk: code for code, item in cast.items.items()}
    tickets = [
        {
            "item": code_of.get(t.item_id), "unit": t.unit.code, "colour": t.colour, "trigger": t.trigger,
            "rule_id": t.rule_id, "number": t.number or None, "state": t.state,
            "drafted": timezone.localtime(t.drafted_at).isoformat(),
            "signed": timezone.localtime(t.issued_at).isoformat() if t.issued_at else None,
            "issued": timezone.localtime(t.issued_at).isoformat() if t.issued_at else None,
            "signed_by": t.signed_by.username if t.signed_by else None,
            "copy_to": t.copy_to, "reason": t.reason,
        }
        for t in Ticket.objects.filter(jurisdiction=cast.jurisdiction).select_related("unit", "signed_by")
        .order_by("drafted_at", "id")
    ]
    events = [
        {
            "seq": e.seq, "at": timezone.localtime(e.at).isoformat(), "kind": e.kind,
            "item": code_of.get(e.item_id) if e.item_id else None, "unit": e.unit.code if e.unit else None,
            "actor": e.actor.username if e.actor else None, "rule_id": e.rule_id, "summary": e.summary,
            "data": e.data,
        }
        for e in Event.objects.filter(jurisdiction=cast.jurisdiction).select_related("unit", "actor").order_by("seq")
    ]
    items = {
        code: {"state": i.state, "deadline": str(i.deadline), "key_supervision": i.key_supervision,
               "return_count": i.return_count}
        for code, i in ((c, Item.objects.get(pk=it.pk)) for c, it in cast.items.items())
    }
    return {"policy": scenario.policy, "start": scenario.start.isoformat(), "until": end.isoformat(),
            "items": items, "tickets": tickets, "events": events, "errors": errors,
            "scores": scores(cast, scenario, end)}


def scores(cast: Cast, scenario: Scenario, end: dt.date) -> dict[str, Any]:
    """Each unit's score for the year of ``until`` (or ``score_period``) under the scenario's policy
    (a preset name; ``S0`` → s0): total, parts, rank and every line with its rule ID and the event
    sequence numbers / recorded facts behind it (issue 4 item 5)."""
    from duban.core.scoring import preset_names
    from duban.scoring import report as score_report
    from duban.scoring import selectors
    from duban.scoring import services as scoring

    j = cast.jurisdiction.pk
    scoring.sync(j)
    name = scenario.policy.lower()
    in_use = selectors.current_policy(j)
    if name in preset_names():
        text = selectors.preset_text(name)
        in_use = selectors.PolicyInUse(selectors.policy_from_text(text, f"{name}.toml"), text, name, "", {}, None)
    code = scenario.score_period or str(end.year)
    comp = selectors.compute(j, code, in_use=in_use)
    units = {str(u.pk): code_ for code_, u in cast.units.items()}
    out: dict[str, Any] = {"policy": comp.policy.name, "period": comp.code, "units": {}, "triggers": [
        {"trigger_id": t.trigger_id, "action": t.action, "unit": units.get(t.unit), "explanation": t.explanation}
        for t in comp.triggers]}
    for s in comp.result.scores:
        detail = selectors.compute(j, code, in_use=in_use, detail_unit=int(s.unit), with_history=False)
        summary = score_report.unit_summary(detail, int(s.unit))
        rows = {e.entry.pk: e for line in score_report.lines(detail, int(s.unit)) for e in line.entries}
        for line in summary["lines"]:
            line["events"] = sorted({rows[e].event_seq for e in line.pop("entries") if rows[e].event_seq})
        out["units"][units.get(s.unit, s.unit)] = {
            k: summary[k] for k in ("category", "total", "base", "bonus", "deductions", "sections", "rank",
                                    "ranked", "grade", "notes", "lines")}
    return out
