"""Accountability pages: the cases each party must act on (待办), a case with its S3a-9 hand-overs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from duban.core import accountability as core
from duban.core.lifecycle import OFFICE_ROLES
from duban.items.errors import InvalidInput, ServiceError
from duban.org.models import Unit, User

from . import services
from .models import Appeal, Case


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        post = request.POST
        unit = Unit.objects.filter(pk=post.get("unit") or 0, jurisdiction_id=user.jurisdiction_id).first()
        person = User.objects.filter(pk=post.get("person") or 0, jurisdiction_id=user.jurisdiction_id).first()
        try:
            if unit is None:
                raise InvalidInput("请选择被问责单位。")
            case = services.do_open_case(actor=user, unit=unit, trigger=post.get("trigger", ""),
                                         summary=post.get("summary", ""), facts_text=post.get("facts", ""),
                                         person=person)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("accountability:list")
        return redirect("accountability:detail", case.pk)
    cases = list(services.visible_cases(user).select_related("unit", "competent_unit", "implementing_unit"))
    mine = [c for c in cases if core.case_actions(c.state_enum, services.parties_of(user, c))]
    return render(request, "accountability/list.html", {
        "cases": cases, "mine": mine, "is_office": user.has_role(*OFFICE_ROLES),
        "triggers": list(core.TRIGGER_LABELS.items()),
        "units": Unit.objects.filter(jurisdiction_id=user.jurisdiction_id).order_by("path"),
    })


def _case(request: HttpRequest, pk: int) -> Case:
    case = services.visible_cases(_user(request)).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


@login_required
def case_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = _case(request, pk)
    parties = services.parties_of(user, case)
    actions = core.case_actions(case.state_enum, parties)
    return render(request, "accountability/detail.html", {
        "c": case, "actions": [(a.value, core.CASE_TRANSITIONS[a]) for a in actions],
        "state_label": core.CASE_STATE_LABELS[case.state_enum],
        "trigger_label": core.TRIGGER_LABELS[core.Trigger(case.trigger)],
        "steps": case.steps.select_related("actor"), "sanctions": case.sanctions.select_related("person"),
        "appeals": case.appeals.all(), "parties": parties,
        "waiting": core.PARTY_LABELS.get(core.waiting_on(case.state_enum)) if core.waiting_on(case.state_enum) else "",
        "units": Unit.objects.filter(jurisdiction_id=user.jurisdiction_id).order_by("path"),
        "sanction_choices": [(s.value, i) for s, i in core.SANCTIONS.items()],
        "people": User.objects.filter(jurisdiction_id=user.jurisdiction_id, unit__path__startswith=case.unit.path),
        "publications": list(core.PUBLICATION_LABELS.items()),
        "can_appeal": bool(parties) and case.state in ("executing", "result_reported", "published"),
    })


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user, post = _user(request), request.POST
    case = _case(request, pk)
    version = int(post["version"]) if post.get("version", "").isdigit() else None

    def unit(name: str) -> Unit | None:
        return Unit.objects.filter(pk=post.get(name) or 0, jurisdiction_id=user.jurisdiction_id).first()

    try:
        if action == "appeal":
            services.do_record_appeal(actor=user, case=case, appellant=post.get("appellant", ""),
                                      kind=post.get("kind", ""), text=post.get("text", ""))
        elif action == "appeal_outcome":
            appeal = Appeal.objects.filter(pk=post.get("appeal") or 0, case=case).first()
            if appeal is None:
                raise Http404
            services.do_decide_appeal(actor=user, appeal=appeal, outcome=post.get("outcome", ""))
        else:
            sanctions = []
            for raw in post.getlist("sanction"):
                kind, _sep, person = raw.partition(":")
                try:
                    sanctions.append(core.ProposedSanction(core.Sanction(kind), int(person) if person else None))
                except ValueError:
                    raise InvalidInput("无效的问责方式。") from None
            for kind in post.getlist("person_sanction"):
                person_id = post.get("sanction_person")
                try:
                    sanctions.append(core.ProposedSanction(core.Sanction(kind), int(person_id) if person_id else None))
                except ValueError:
                    raise InvalidInput("无效的问责方式。") from None
            services.do_case_action(actor=user, case=case, action=action, text=post.get("text", ""),
                                    competent_unit=unit("competent_unit"), implementing_unit=unit("implementing_unit"),
                                    sanctions=sanctions, coordination=post.get("coordination", ""),
                                    publication=post.get("publication", ""), expected_version=version)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已办理。")
    return redirect("accountability:detail", case.pk)
