"""批量操作 on the item list: tick items, choose an action, see what will happen, confirm.

1. ``batch_preview`` (POST, htmx): the chosen action is run as a dry run (``batch.run_named(...,
   dry_run=True)``): every per-item rule is checked and nothing is written. The confirmation panel says
   how many items will be processed and lists the ones that will be refused, each with the reason.
2. ``batch_apply`` (POST): the action runs for real; the result panel lists what was done and what was
   refused (an item changed by someone between the two steps is refused then, with the reason).

The views only translate the form to ``batch.run_named``; the rules live in the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.core.lifecycle import OFFICE_ROLES
from duban.org.models import Unit, User

from . import batch
from .errors import ServiceError
from .models import Channel, Item

SHOWN = 20  # items named in the confirmation; the rest are counted


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _ids(request: HttpRequest) -> list[int]:
    ids: list[int] = []
    for value in request.POST.getlist("items"):
        try:
            ids.append(int(value))
        except ValueError:
            continue
    return list(dict.fromkeys(ids))


def _params(request: HttpRequest) -> dict[str, Any]:
    p = request.POST
    return {
        "opinion": p.get("opinion", ""),
        "lead_unit": p.get("lead_unit"),
        "lead_part": p.get("lead_part", ""),
        "deadline": p.get("deadline") or None,
        "deadline_working_days": p.get("deadline_working_days") or None,
        "channel": p.get("channel") or Channel.PLATFORM,
        "custodian": p.get("custodian") or None,
    }


def _form_context(request: HttpRequest, name: str) -> dict[str, Any]:
    user = _user(request)
    context: dict[str, Any] = {"action": name, "label": batch.LIST_ACTIONS[name], "values": request.POST}
    if name == "assign":
        context["units"] = Unit.objects.filter(jurisdiction_id=user.jurisdiction_id, active=True).exclude(
            kind=Unit.Kind.OFFICE).order_by("path").only("pk", "name", "path")
        context["channels"] = Channel.choices
    if name == "archive":
        context["custodians"] = User.objects.filter(
            jurisdiction_id=user.jurisdiction_id, is_active=True, role_grants__role__in=list(OFFICE_ROLES)
        ).distinct().order_by("pk")
    return context


def _check(request: HttpRequest, name: str) -> None:
    if name not in batch.LIST_ACTIONS:
        raise Http404
    if name not in dict(batch.list_actions_for(_user(request))):
        raise PermissionDenied(_("您没有权限执行此批量操作。"))


def _render(request: HttpRequest, name: str, *, dry_run: bool) -> HttpResponse:
    user = _user(request)
    ids = _ids(request)
    context = _form_context(request, name)
    context["ids"] = ids
    if dry_run and name == "assign" and "lead_unit" not in request.POST:
        return render(request, "items/_batch_panel.html", context)  # first ask for the unit and deadline
    try:
        result = batch.run_named(name, actor=user, items=ids, params=_params(request), dry_run=dry_run)
    except ServiceError as exc:
        context.update(error=exc.message, field_errors=exc.field_errors)
        return render(request, "items/_batch_panel.html", context, status=exc.status)
    # the items done passed the visibility check of the action itself
    shown = Item.objects.filter(pk__in=result.done[:SHOWN]).only("pk", "code", "title")
    context.update(
        result=result,
        done_items=sorted(shown, key=lambda i: result.done.index(i.pk)),
        more=max(0, len(result.done) - SHOWN),
        dry_run=dry_run,
    )
    return render(request, "items/_batch_panel.html", context)


@login_required
@require_POST
def batch_preview(request: HttpRequest, action: str) -> HttpResponse:
    _check(request, action)
    return _render(request, action, dry_run=True)


@login_required
@require_POST
def batch_apply(request: HttpRequest, action: str) -> HttpResponse:
    _check(request, action)
    return _render(request, action, dry_run=False)
