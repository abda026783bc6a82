"""批量操作 on the item list: tick items, choose an action, see what will happen, confirm.

1. ``batch_preview`` (POST, htmx): the chosen action is run as a dry run (``batch.run_named(...,
   dry_run=True)``): every per-item rule is checked and nothing is written. The confirmation panel says
   how many items will be processed and lists the ones that will be refused, each with the reason.
2. ``batch_apply`` (POST): the action runs for real; the result panel lists what was done and what was
   refused (an item changed by someone between the two steps is refused then, with the reason).

"选中全部筛选结果" selects every item of the filtered list (not only the page): the preview resolves the
filter once (``selectors.filtered_items``, the list's own visibility and filters) and keeps the ids in
the session under a token, so the confirmation applies exactly the set that was previewed. At most
``MAX_SELECTION`` items per batch: a request must finish; larger sets are narrowed by the filters.

The views only translate the form to ``batch.run_named``; the rules live in the services.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qsl

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
from .selectors import ItemFilter, filtered_items

SHOWN = 20  # items named in the confirmation; the rest are counted
MAX_SELECTION = 2000
SESSION_KEY = "batch_selections"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class SelectionError(Exception):
    pass


def _selected(request: HttpRequest) -> tuple[list[int], str]:
    """The ids to act on and, for a whole filtered list, the token under which they are kept."""
    token = request.POST.get("selection", "")
    if token:
        kept = request.session.get(SESSION_KEY, {}).get(token)
        if kept is None:
            raise SelectionError(_("选择已过期，请重新勾选后再操作。"))
        return [int(pk) for pk in kept], token
    if request.POST.get("all_filtered") == "1":
        f = ItemFilter.from_params(dict(parse_qsl(request.POST.get("filter", ""))))
        ids = list(filtered_items(_user(request), f).order_by("pk").values_list("pk", flat=True)[:MAX_SELECTION + 1])
        if len(ids) > MAX_SELECTION:
            raise SelectionError(_("筛选结果超过 %(n)s 项，请先缩小筛选范围再批量操作。") % {"n": MAX_SELECTION})
        token = secrets.token_urlsafe(12)
        selections = request.session.get(SESSION_KEY, {})
        selections = dict(list(selections.items())[-4:])  # a few open previews at most
        selections[token] = ids
        request.session[SESSION_KEY] = selections
        return ids, token
    return _ids(request), ""


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
    context = _form_context(request, name)
    try:
        ids, token = _selected(request)
    except SelectionError as exc:
        context["error"] = str(exc)
        return render(request, "items/_batch_panel.html", context, status=409)
    context.update(ids=[] if token else ids, selection=token, selected=len(ids))
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
    if token and not dry_run:
        request.session[SESSION_KEY] = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if k != token}
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
