"""Grid pages: the community map (draw, edit, import), a grid's page (attributes, duties, compliance,
log), the phone patrol page, the residents' issue queue (当日清) and case page, the dashboard, and the
no-login public pages (grid notice board, report form, status by token).

Views only translate HTTP to ``services`` / ``selectors`` calls; every rule lives there or in the core.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.core import grid_topology as topo
from duban.core.grid_rules import TIER_LABELS
from duban.items.errors import InvalidInput, ServiceError
from duban.org.models import Unit, User

from . import access, exports, selectors, services
from .models import CommunityBoundary, Concern, Duty, Grid, LogEntry, Patrol


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _float(value: Any) -> float | None:
    try:
        text = str(value).strip()
        return float(text) if text else None
    except (TypeError, ValueError):
        return None


def _error(request: HttpRequest, exc: ServiceError) -> None:
    messages.error(request, exc.message)
    for field_name, text in exc.field_errors.items():
        if text not in exc.message:
            messages.error(request, f"{field_name}：{text}")


def _community(request: HttpRequest, pk: int) -> Unit:
    community = access.visible_communities(_user(request)).filter(pk=pk).first()
    if community is None:
        raise Http404(_("社区不存在或您无权查看。"))
    return community


def _feature(grid: Grid, **extra: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": grid.geometry,
            "properties": {"id": grid.pk, "code": grid.code, "name": grid.name, "households": grid.households,
                           "version": grid.version, **extra}}


# ---- overview, community map, grid page ----------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = []
    for community in access.visible_communities(user).select_related("parent"):
        report = services.topology_report(community)
        rows.append({"community": community, "grids": Grid.objects.filter(community=community, active=True).count(),
                     "staffing": selectors.community_staffing(community), "report": report})
    return render(request, "grid/overview.html", {"rows": rows, "my_duties": Duty.objects.filter(user=user)
                                                   .select_related("grid", "grid__community")})


@login_required
def community_map(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    community = _community(request, pk)
    boundary = CommunityBoundary.objects.filter(community=community).first()
    grids = list(access.visible_grids(user).filter(community=community, active=True))
    report = services.topology_report(community)
    layers = {
        "boundary": boundary.geometry if boundary else None,
        "grids": {"type": "FeatureCollection", "features": [_feature(g) for g in grids]},
        "problems": [p.as_dict() for p in report.problems] if report else [],
    }
    return render(request, "grid/community.html", {
        "community": community, "boundary": boundary, "grids": grids, "report": report,
        "layers": layers, "may_manage": access.manages(user, community),
        "staffing": selectors.community_staffing(community), "compounds": Grid.Compound.choices,
        "tolerance": topo.DEFAULT_TOLERANCE.describe(),
    })


def _count(post: Any, name: str) -> int:
    """A non-negative count from a form; -1 for anything else, which the service refuses with a message."""
    text = str(post.get(name, "")).strip()
    if not text:
        return 0
    value = _int(text)
    return value if value is not None else -1


def _attrs(post: Any) -> services.GridAttrs:
    return services.GridAttrs(
        households=_count(post, "households"),
        registered_population=_count(post, "registered_population"),
        floating_population=_count(post, "floating_population"),
        compound_type=post.get("compound_type") or Grid.Compound.MIXED,
        complaint_phone=post.get("complaint_phone", ""),
    )


def _json_field(text: str, label: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{label}不是有效的 JSON（GeoJSON）。") from exc


@login_required
@require_POST
def community_save_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a grid drawn or edited in the browser, through the same validation as an import."""
    user = _user(request)
    community = _community(request, pk)
    grid = None
    if request.POST.get("grid"):
        grid = get_object_or_404(Grid, pk=_int(request.POST["grid"], 0), community=community)
    try:
        geometry = _json_field(request.POST.get("geometry", ""), "网格范围")
        if isinstance(geometry, dict) and geometry.get("type") == "Feature":
            geometry = geometry.get("geometry")
        saved, report = services.do_save_grid(
            actor=user, community=community, code=request.POST.get("code", ""), name=request.POST.get("name", ""),
            geometry=geometry, attrs=_attrs(request.POST) if grid is None else None, grid=grid,
            version=_int(request.POST.get("version")),
        )
    except services.TopologyRefused as exc:
        messages.error(request, exc.message)
        return _community_again(request, community, status=422)
    except ServiceError as exc:
        _error(request, exc)
        return _community_again(request, community, status=exc.status)
    messages.success(request, f"网格 {saved.code} 已保存。" + (report.summary() if report else ""))
    return redirect("grid:community", pk=community.pk)


def _community_again(request: HttpRequest, community: Unit, *, status: int) -> HttpResponse:
    response = community_map(request, community.pk)
    response.status_code = status
    return response


@login_required
@require_POST
def community_import(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    community = _community(request, pk)
    try:
        boundary = None
        if request.FILES.get("boundary"):
            data = _json_field(request.FILES["boundary"].read().decode("utf-8-sig"), "边界文件")
            if isinstance(data, dict) and data.get("type") == "FeatureCollection":
                data = (data.get("features") or [{}])[0].get("geometry")
            elif isinstance(data, dict) and data.get("type") == "Feature":
                data = data.get("geometry")
            boundary = data
        if request.FILES.get("grids"):
            data = _json_field(request.FILES["grids"].read().decode("utf-8-sig"), "网格文件")
            saved, report = services.do_import_grids(actor=user, community=community, data=data, boundary=boundary)
            messages.success(request, f"已导入网格 {len(saved)} 个。" + (report.summary() if report else ""))
        elif boundary is not None:
            services.do_set_boundary(actor=user, community=community, geometry=boundary,
                                     complaint_phone=request.POST.get("complaint_phone", ""))
            messages.success(request, _("社区边界已保存。"))
        else:
            raise InvalidInput(_("请选择要导入的 GeoJSON 文件。"))
    except UnicodeDecodeError:
        messages.error(request, _("文件须为 UTF-8 编码的 GeoJSON。"))
        return _community_again(request, community, status=422)
    except ServiceError as exc:
        _error(request, exc)
        return _community_again(request, community, status=exc.status)
    return redirect("grid:community", pk=community.pk)


def _grid(request: HttpRequest, pk: int) -> Grid:
    grid = access.visible_grids(_user(request)).filter(pk=pk).select_related("community").first()
    if grid is None:
        raise Http404(_("网格不存在或您无权查看。"))
    return grid


@login_required
def grid_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    grid = _grid(request, pk)
    today = timezone.localdate()
    first = today - dt.timedelta(days=_int(request.GET.get("days"), 30) or 30) + dt.timedelta(days=1)
    return render(request, "grid/grid.html", {
        "grid": grid, "duties": grid.duties.select_related("user"),
        "compliance": selectors.compliance(Grid.objects.filter(pk=grid.pk), first, today), "first": first,
        "today": today, "log": grid.log_entries.select_related("author")[:30],
        "concerns": access.visible_concerns(user).filter(grid=grid).order_by("-received_at")[:30],
        "may_manage": access.manages(user, grid.community), "duty_kinds": Duty.Kind.choices,
        "duty_scopes": Duty.Scope.choices, "compounds": Grid.Compound.choices,
        "people": User.objects.filter(jurisdiction_id=grid.jurisdiction_id, is_active=True,
                                      unit__path__startswith=(grid.community.parent or grid.community).path)
        .order_by("unit__path", "full_name"),
        "feature": _feature(grid),
        "patrols": grid.patrols.select_related("user")[:20],
    })


@login_required
@require_POST
def grid_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    grid = _grid(request, pk)
    post = request.POST
    try:
        if action == "attributes":
            services.do_update_attributes(actor=user, grid=grid, attrs=_attrs(post))
            messages.success(request, _("网格属性已保存。"))
        elif action == "duty":
            person = User.objects.filter(pk=_int(post.get("user"), 0), jurisdiction_id=grid.jurisdiction_id).first()
            if person is None:
                raise InvalidInput(_("请选择人员。"), field_errors={"user": "请选择"})
            services.do_assign_duty(actor=user, grid=grid, user=person, kind=post.get("kind", ""),
                                    scope=post.get("scope", Duty.Scope.ONE), full_time=post.get("full_time") == "1",
                                    public_phone=post.get("public_phone", ""), duty_text=post.get("duty_text", ""))
            messages.success(request, f"已为{person.display_name}设定职责。")
        elif action == "remove-duty":
            duty = get_object_or_404(Duty, pk=_int(post.get("duty"), 0), grid=grid)
            services.do_remove_duty(actor=user, duty=duty)
            messages.success(request, _("职责已解除。"))
        else:
            raise Http404
    except ServiceError as exc:
        _error(request, exc)
        response = grid_page(request, pk)
        response.status_code = exc.status
        return response
    return redirect("grid:grid", pk=grid.pk)


# ---- patrols on a phone -------------------------------------------------------------------------------------


@login_required
def patrol_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        post = request.POST
        lon, lat = _float(post.get("lon")), _float(post.get("lat"))
        try:
            action = post.get("action")
            if action == "in":
                grid = get_object_or_404(Grid, pk=_int(post.get("grid"), 0), duties__user=user)
                patrol = services.do_check_in(actor=user, grid=grid, lon=lon, lat=lat)
                messages.success(request, f"已在网格 {grid.code} 签到" + (
                    "（定位不在网格内，已记录）" if patrol.start_in_grid is False else "") + "。")
            elif action == "out":
                patrol = services.do_check_out(actor=user, lon=lon, lat=lat, note=post.get("note", ""))
                messages.success(request, f"已签退，本次巡查 {patrol.minutes} 分钟。")
            elif action == "log":
                grid = get_object_or_404(Grid, pk=_int(post.get("grid"), 0), duties__user=user)
                services.do_add_log(actor=user, grid=grid, kind=post.get("kind", ""), text=post.get("text", ""),
                                    households=_int(post.get("households"), 0) or 0,
                                    issue_types=post.getlist("issue_types"))
                messages.success(request, _("民情日志已保存。"))
            else:
                raise Http404
        except ServiceError as exc:
            _error(request, exc)
            response = _patrol_render(request)
            response.status_code = exc.status
            return response
        return redirect("grid:patrol")
    return _patrol_render(request)


def _patrol_render(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    grids = Grid.objects.filter(duties__user=user).distinct().select_related("community")
    return render(request, "grid/patrol.html", {
        "grids": grids, "open": Patrol.objects.filter(user=user, ended_at__isnull=True).select_related("grid").first(),
        "recent": Patrol.objects.filter(user=user).select_related("grid")[:10],
        "compliance": [r for r in selectors.compliance(grids, today - dt.timedelta(days=29), today)
                       if r.user.pk == user.pk],
        "log_kinds": LogEntry.Kind.choices, "services": services.SERVICES,
    })


# ---- residents' issues ---------------------------------------------------------------------------------------


def _concern(request: HttpRequest, pk: int) -> Concern:
    concern = access.visible_concerns(_user(request)).filter(pk=pk).select_related(
        "grid", "community", "handler", "item").first()
    if concern is None:
        raise Http404(_("诉求不存在或您无权查看。"))
    return concern


@login_required
def concern_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    community = None
    if request.GET.get("community"):
        community = _community(request, _int(request.GET["community"], 0) or 0)
    state = request.GET.get("state") or ""
    qs = selectors.queue(user, community, state=state or None)
    if request.GET.get("grid"):
        qs = qs.filter(grid_id=_int(request.GET["grid"], 0))
    tier = request.GET.get("tier") or ""
    if tier:  # 街道每周分析研判疑难问题 (S2a-二(五)): tier=subdistrict
        qs = qs.filter(tier=tier)
    today = timezone.localdate()
    counts = selectors.counts_by_state(qs)
    context = {
        "concerns": qs[:300], "states": Concern.State.choices, "state": state, "community": community,
        "communities": access.visible_communities(user), "today": today,
        "counts": [(label, counts.get(value, 0)) for value, label in Concern.State.choices],
        "services": services.SERVICES, "query": request.GET.urlencode(), "tier": tier,
        "tiers": [(t.value, label) for t, label in TIER_LABELS.items()],
    }
    htmx = getattr(request, "htmx", None)
    template = "grid/_concern_table.html" if htmx and htmx.target == "concern-table" else "grid/concerns.html"
    return render(request, template, context)


@login_required
def concern_export(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs = selectors.queue(user, None, state=request.GET.get("state") or None)
    data = exports.concerns_workbook(qs)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, "居民诉求台账.xlsx")
    return response


@login_required
def concern_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        try:
            concern = services.do_intake(jurisdiction_id=user.jurisdiction_id or 0, source=Concern.Source.STAFF,
                                         intake=_intake(request.POST), actor=user)
        except ServiceError as exc:
            _error(request, exc)
            return render(request, "grid/concern_new.html", {"services": services.SERVICES, "form": request.POST},
                          status=exc.status)
        messages.success(request, f"诉求 {concern.number} 已登记：{concern.route_note}")
        return redirect("grid:concern", pk=concern.pk)
    return render(request, "grid/concern_new.html", {"services": services.SERVICES, "form": {}})


def _intake(post: Any) -> services.Intake:
    return services.Intake(
        service_code=post.get("service_code", ""), description=post.get("description", ""),
        lon=_float(post.get("lon")), lat=_float(post.get("lat")), address=post.get("address", ""),
        name=post.get("name", ""), phone=post.get("phone", ""), email=post.get("email", ""),
    )


def _concern_context(request: HttpRequest, concern: Concern) -> dict[str, Any]:
    user = _user(request)
    personal = access.sees_personal(user, concern)
    community = concern.community
    handler_scope = (community.parent or community) if community else None
    return {
        "c": concern, "personal": personal, "privacy_rule": access.PRIVACY_RULE,
        "masked": {"name": access.mask_name(concern.reporter_name), "phone": access.mask_phone(concern.reporter_phone),
                   "address": access.mask_address(concern.address), "email": access.mask_email(concern.reporter_email)},
        "may_manage": bool(community and access.manages(user, community)) or (
            community is None and access.is_office(user)),
        "may_resolve": concern.handler_id == user.pk or bool(community and access.manages(user, community)),
        "is_office": access.is_office(user), "tiers": [(t.value, label) for t, label in TIER_LABELS.items()],
        "handlers": User.objects.filter(jurisdiction_id=concern.jurisdiction_id, is_active=True,
                                        unit__path__startswith=handler_scope.path).order_by("unit__path", "full_name")
        if handler_scope else User.objects.none(),
        "grids": access.visible_grids(user).filter(active=True).select_related("community").order_by(
            "community__path", "code"),
        "service_label": services.SERVICES.get(concern.service_code, concern.service_code),
        "urges": concern.urges.order_by("-created_at"),
        "point": [concern.lon, concern.lat] if concern.lon is not None and personal else None,
        "grid_feature": _feature(concern.grid) if concern.grid else None,
    }


@login_required
def concern_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "grid/concern.html", _concern_context(request, _concern(request, pk)))


@login_required
@require_POST
def concern_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    concern = _concern(request, pk)
    post = request.POST
    version = _int(post.get("version"))
    try:
        if action == "classify":
            handler = User.objects.filter(pk=_int(post.get("handler"), 0)).first()
            if handler is None:
                raise InvalidInput(_("请选择承办人。"), field_errors={"handler": "请选择"})
            services.do_classify(actor=user, concern=concern, tier=post.get("tier", ""),
                                 category=post.get("category", ""), handler=handler, version=version)
            messages.success(request, _("已研判并指定承办人。"))
        elif action == "assign-grid":
            grid = access.visible_grids(user).filter(pk=_int(post.get("grid"), 0)).first()
            if grid is None:
                raise InvalidInput(_("请选择网格。"), field_errors={"grid": "请选择"})
            services.do_assign_grid(actor=user, concern=concern, grid=grid, version=version)
            messages.success(request, f"已指定网格 {grid.code}。")
        elif action == "escalate":
            handler = User.objects.filter(pk=_int(post.get("handler"), 0)).first() if post.get("handler") else None
            services.do_escalate(actor=user, concern=concern, reason=post.get("reason", ""), handler=handler,
                                 version=version)
            messages.success(request, _("已提交街道协调解决。"))
        elif action == "to-item":
            concern = services.do_to_item(actor=user, concern=concern, reason=post.get("reason", ""),
                                          level=post.get("level") or "generally")
            messages.success(request, f"已转为督查事项 {concern.item.code}（待审批）。")  # type: ignore[union-attr]
        elif action == "resolve":
            services.do_resolve(actor=user, concern=concern, result=post.get("result", ""), version=version)
            messages.success(request, _("已办结，结果已反馈居民，等待居民评价。"))
        else:
            raise Http404
    except ServiceError as exc:
        _error(request, exc)
        return render(request, "grid/concern.html", _concern_context(request, _concern(request, pk)),
                      status=exc.status)
    return redirect("grid:concern", pk=concern.pk)


# ---- dashboard ---------------------------------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    until = request.GET.get("until", "")
    try:  # ?until=YYYY-MM-DD: the period ending on that day (a past month, or the demo's date)
        today = min(today, dt.date.fromisoformat(until)) if until else today
    except ValueError:
        messages.error(request, _("截止日期格式应为 YYYY-MM-DD。"))
    days = _int(request.GET.get("days"), 30) or 30
    first = today - dt.timedelta(days=days - 1)
    figs = selectors.figures(user, first, today, today=today)
    grids = {g.pk: g for g in access.visible_grids(user).filter(active=True)}
    features = []
    for f in figs["grid"]:
        grid = grids.get(f.key)
        if grid is not None:
            features.append(_feature(grid, **f.as_dict()))
    boundaries = [b.geometry for b in CommunityBoundary.objects.filter(
        community__in=access.visible_communities(user))]
    return render(request, "grid/dashboard.html", {
        "figs": figs, "first": first, "today": today, "days": days,
        "layer": {"type": "FeatureCollection", "features": features},
        "boundaries": boundaries,
        "chart": [f.as_dict() for f in figs["community"]],
    })


# ---- public pages (no login) ---------------------------------------------------------------------------------


def public_index(request: HttpRequest) -> HttpResponse:
    grids = Grid.objects.filter(active=True).select_related("community", "community__parent").order_by(
        "community__path", "code")
    return render(request, "grid/public_index.html", {"grids": grids})


def public_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """S2a-二(七) 网格管理服务公示: map, the staff's names, phones, duties and a complaint number —
    nothing private (no resident data, no personal phone unless given as the public one)."""
    grid = get_object_or_404(Grid.objects.select_related("community"), pk=pk, active=True)
    boundary = CommunityBoundary.objects.filter(community=grid.community).first()
    duties = grid.duties.select_related("user").order_by("kind")
    return render(request, "grid/public_grid.html", {
        "grid": grid, "duties": duties,
        "complaint": grid.complaint_phone or (boundary.complaint_phone if boundary else ""),
        "feature": {"type": "Feature", "geometry": grid.geometry,
                    "properties": {"code": grid.code, "name": grid.name}},
    })


def public_report(request: HttpRequest) -> HttpResponse:
    grids = Grid.objects.filter(active=True).select_related("community")
    layer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g.geometry, "properties": {"code": g.code, "name": g.name}} for g in grids]}
    jurisdiction_id = grids[0].jurisdiction_id if grids else None
    if request.method == "POST":
        try:
            if jurisdiction_id is None:
                raise InvalidInput(_("暂未开通网上反映。"))
            concern = services.do_intake(jurisdiction_id=jurisdiction_id, source=Concern.Source.PUBLIC,
                                         intake=_intake(request.POST))
        except ServiceError as exc:
            _error(request, exc)
            return render(request, "grid/public_report.html",
                          {"services": services.SERVICES, "layer": layer, "form": request.POST}, status=exc.status)
        return redirect(reverse("grid:public_status", args=[concern.token]) + "?new=1")
    return render(request, "grid/public_report.html", {"services": services.SERVICES, "layer": layer, "form": {}})


def public_status(request: HttpRequest, token: str) -> HttpResponse:
    concern = Concern.objects.filter(token=token).select_related("grid", "community").first()
    if concern is None:
        raise Http404(_("查询码无效。"))
    status = 200
    if request.method == "POST":
        try:
            services.do_feedback(token=token, satisfaction=_int(request.POST.get("satisfaction"), 0) or 0,
                                 text=request.POST.get("feedback", ""))
            messages.success(request, _("感谢您的评价！"))
            return redirect("grid:public_status", token=token)
        except ServiceError as exc:
            _error(request, exc)
            status = exc.status
    return render(request, "grid/public_status.html", {
        "c": concern, "service_label": services.SERVICES.get(concern.service_code, ""),
        "new": request.GET.get("new") == "1",
    }, status=status)


# ---- the sub-district's weekly review (S2a-二(五)) ---------------------------------------------------------


@login_required
def weekly_review(request: HttpRequest) -> HttpResponse:
    """街道每周研判: the sub-district's open hard cases, the form to record the week's meeting, and the last
    eight weeks with or without a record."""
    user = _user(request)
    choices = selectors.review_subdistricts(user)
    if not choices:
        raise Http404(_("只有街道（乡镇）或督查室人员可以使用每周研判。"))
    wanted = _int(request.POST.get("subdistrict") or request.GET.get("subdistrict"), choices[0].pk)
    subdistrict = next((u for u in choices if u.pk == wanted), None)
    if subdistrict is None:
        raise Http404(_("街道不存在或您无权查看。"))
    today = timezone.localdate()
    cases = selectors.hard_cases(subdistrict, today)
    status = 200
    if request.method == "POST":
        picked = {_int(v) for v in request.POST.getlist("concerns")} - {None}
        chosen = list(access.visible_concerns(user).filter(pk__in=picked).select_related("community"))
        try:
            held_on = dt.date.fromisoformat(request.POST.get("held_on") or today.isoformat())
            services.do_record_weekly_review(
                actor=user, subdistrict=subdistrict, held_on=held_on, attendees=request.POST.get("attendees", ""),
                summary=request.POST.get("summary", ""), concerns=chosen)
        except ValueError:
            messages.error(request, _("研判日期无效。"))
            status = 422
        except ServiceError as exc:
            _error(request, exc)
            status = exc.status
        else:
            messages.success(request, _("已记录本周研判。"))
            return redirect(f"{reverse('grid:review')}?subdistrict={subdistrict.pk}")
    return render(request, "grid/review.html", {
        "subdistrict": subdistrict, "choices": choices, "cases": cases[:300], "today": today,
        "weeks": selectors.review_weeks(subdistrict, today), "form": request.POST, "rule": services.REVIEW_RULE,
    }, status=status)
