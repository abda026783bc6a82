"""Item pages: the filtered list (with Excel export), registration, the item page and its actions.

Every read goes through ``selectors`` (which start from ``access.visible_items``) and every write
through ``services.do_*``; the views only translate HTTP to those calls and back. A service error is
shown on the re-rendered page with its HTTP status (403, 409, 422); an item the user may not see is a
404 everywhere, so its existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from duban.accounts import audit
from duban.api.actions import available_actions
from duban.core.lifecycle import LEVEL_LABELS, STATE_LABELS, Action, ItemState, Level
from duban.org.models import Unit, User

from . import access, services
from .batch import list_actions_for
from .errors import ItemNotFound, ServiceError
from .exports import items_workbook
from .forms import ACTION_FORMS, TARGETED, ActionForm, ItemRegisterForm, action_target
from .models import Attachment, Item, Source
from .selectors import ItemFilter, filtered_items, item_detail, timeline, with_list_relations

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- list and export ----------------------------------------------------------------------------


def _filter_context(request: HttpRequest, f: ItemFilter) -> dict[str, Any]:
    user = _user(request)
    return {
        "filter": f,
        "state_choices": [(s.value, STATE_LABELS[s]) for s in ItemState],
        "level_choices": [(lv.value, LEVEL_LABELS[lv]) for lv in Level],
        "source_choices": Source.choices,
        "unit_choices": Unit.objects.filter(jurisdiction_id=user.jurisdiction_id).order_by("path").only(
            "pk", "name", "path"
        ),
    }


@login_required
@vary_on_headers("HX-Request")
def item_list(request: HttpRequest) -> HttpResponse:
    f = ItemFilter.from_params(request.GET.dict())
    qs = with_list_relations(filtered_items(_user(request), f))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if v and k != "page"])
    context = {
        **_filter_context(request, f),
        "page": page,
        "items": page.object_list,
        "query": query,
        "batch_actions": list_actions_for(_user(request)),  # 批量操作 (items/batch.py)
    }
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request and htmx.target == "item-table"  # type: ignore[union-attr]
    return render(request, "items/_table.html" if partial else "items/list.html", context)


@login_required
def item_export(request: HttpRequest) -> HttpResponse:
    """导出Excel: exactly the rows of the filtered list the user may see (no pagination)."""
    user = _user(request)
    f = ItemFilter.from_params(request.GET.dict())
    qs = with_list_relations(filtered_items(user, f))
    now = timezone.localtime()
    jurisdiction = user.jurisdiction.name if user.jurisdiction else ""
    title = _("%(j)s督查事项清单（导出时间 %(t)s）") % {"j": jurisdiction, "t": now.strftime("%Y-%m-%d %H:%M")}
    audit.log_export(request, "督查事项清单")  # issue #8 §2: every export is audited
    content = items_workbook(qs, title=title)  # a QuerySet: read in chunks without model instances
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"督查事项_{now:%Y%m%d-%H%M}.xlsx"
    )
    response["Cache-Control"] = "no-store"
    return response


# --- register ----------------------------------------------------------------------------------


@login_required
def item_register(request: HttpRequest) -> HttpResponse:
    """立项 (S0-9): office staff only."""
    user = _user(request)
    if not access.is_office(user):
        raise PermissionDenied(_("只有督查室人员可以立项。"))
    status = 200
    if request.method == "POST":
        form = ItemRegisterForm(request.POST, user=user)
        if form.is_valid():
            try:
                item = form.perform()
            except ServiceError as exc:
                form.apply_service_error(exc)
                status = exc.status
            else:
                messages.success(request, _("已立项（%(code)s），等待办公室主要领导审定。") % {"code": item.code})
                return redirect("items:detail", pk=item.pk)
        else:
            status = 422
    else:
        form = ItemRegisterForm(user=user)
    return render(request, "items/register.html", {"form": form}, status=status)


# --- item page and actions ---------------------------------------------------------------------


@dataclass
class ActionPanel:
    """One action the user may take now, with its form (bound and showing errors after a failed post)."""

    action: Action
    form: ActionForm
    target: Any
    url: str
    open: bool = False

    @property
    def anchor(self) -> str:
        return f"action-{self.action.value}" + (f"-{self.target.pk}" if self.target is not None else "")


Failed = tuple[Action, int | None, ActionForm]


# Actions taken now and then, beside the main path: their forms stay folded until asked for.
_SECONDARY = frozenset({Action.OBJECT, Action.REQUEST_EXTENSION, Action.REPORT_UNABLE, Action.ATTACH})


def _panels(request: HttpRequest, item: Item, failed: Failed | None) -> list[ActionPanel]:
    user = _user(request)
    panels: list[ActionPanel] = []
    for available in available_actions(user, item):
        action, target_id = available.action, available.target_id
        form_class = ACTION_FORMS.get(action)
        if form_class is None:
            continue
        target = action_target(action, item, target_id)
        if action in TARGETED and target is None:
            continue
        args: list[Any] = [action.value] if target_id is None else [action.value, target_id]
        url = reverse("items:action", args=[item.pk, *args])
        if failed is not None and failed[0] is action and failed[1] == target_id:
            form, is_open = failed[2], True
        else:
            auto_id = f"id_{action.value}{'_' + str(target_id) if target_id else ''}_%s"
            form, is_open = form_class(item=item, user=user, target=target, auto_id=auto_id), False
        panels.append(ActionPanel(action, form, target, url, is_open))
    if failed is None:
        # Unfold the main next step (not a rejection, not an upload) so the usual path is one click.
        main = next((p for p in panels if not p.form.danger and p.action not in _SECONDARY), None)
        if main is not None:
            main.open = True
    return panels


def _render_item(
    request: HttpRequest,
    item: Item,
    *,
    failed: Failed | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    assignments = list(item.assignments.all())
    objections = sorted(
        (o for a in assignments for o in a.objections.all()), key=lambda o: o.filed_at
    )
    context = {
        "item": item,
        "assignments": assignments,
        "lead": next((a for a in assignments if a.is_lead), None),
        "co_assignments": [a for a in assignments if not a.is_lead],
        "objections": objections,
        "reports": list(item.reports.all()),
        "extensions": list(item.extension_requests.all()),
        "reviews": list(item.reviews.all()),
        "attachments": list(item.attachments.all()),
        "events": list(timeline(item).select_related("actor")),
        "panels": _panels(request, item, failed),
        "error": error,
        "source_rule": _source_rule(item),
    }
    return render(request, "items/detail.html", context, status=status)


def _source_rule(item: Item) -> str:
    from .models import SOURCE_RULES

    return SOURCE_RULES.get(item.source, "")


def _visible_item(request: HttpRequest, pk: int) -> Item:
    item = item_detail(_user(request), pk)
    if item is None:
        raise Http404(_("事项不存在或您无权查看。"))
    return item


@login_required
def item_page(request: HttpRequest, pk: int) -> HttpResponse:
    item = _visible_item(request, pk)
    audit.log_item_read(request, item)  # issue #8 §2: every read of a confidential item is audited
    return _render_item(request, item)


@login_required
@require_POST
def item_action(request: HttpRequest, pk: int, action: str, target: int | None = None) -> HttpResponse:
    """POST one lifecycle action; plain POST redirects, htmx follows the redirect and swaps ``#main``."""
    user = _user(request)
    item = _visible_item(request, pk)
    try:
        act = Action(action)
    except ValueError:
        raise Http404(_("未知的操作。")) from None
    form_class = ACTION_FORMS.get(act)
    if form_class is None or (act in TARGETED) != (target is not None):
        raise Http404(_("未知的操作。"))
    target_obj = action_target(act, item, target)
    if act in TARGETED and target_obj is None:
        raise Http404(_("该异议或延期申请不属于本事项。"))
    auto_id = f"id_{act.value}{'_' + str(target) if target else ''}_%s"
    form = form_class(request.POST, request.FILES, item=item, user=user, target=target_obj, auto_id=auto_id)
    if form.is_valid():
        try:
            message = form.perform()
        except ItemNotFound:
            raise Http404(_("事项不存在或您无权查看。")) from None
        except ServiceError as exc:
            form.apply_service_error(exc)
            error, status = exc.message, exc.status
        else:
            messages.success(request, message)
            response = redirect(reverse("items:detail", args=[pk]))
            response.status_code = 303  # See Other: the browser (and htmx) GETs the item page
            return response
    else:
        error, status = _("请按提示修改填写内容。"), 422
    fresh = _visible_item(request, pk)  # nothing changed, but show the current state
    # The re-rendered form keeps what was typed and carries the version the user now sees.
    form.data = form.data.copy()
    form.data["version"] = str(fresh.version)
    return _render_item(request, fresh, failed=(act, target, form), error=error, status=status)


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    item = _visible_item(request, pk)
    attachment = Attachment.objects.filter(pk=attachment_id, item=item).first()
    if attachment is None:
        raise Http404(_("附件不存在或您无权查看。"))
    audit.log_item_read(request, item)  # issue #8 §2
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("附件文件缺失，请联系管理员。")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=services.safe_filename(attachment.original_name)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
