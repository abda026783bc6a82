"""Scoring pages (SPEC §4). Views translate HTTP to selector/service calls; the rules are in the core."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from duban.core.scoring import PolicyError, check_policy, load_preset, preset_names
from duban.core.scoring.vocab import ATTRS, FACT_KINDS, VALUE_LABELS
from duban.items.models import Item
from duban.org.models import Unit, User

from . import access, exports, report, selectors, services
from .errors import ServiceError
from .models import RecordedFact, ScoreEntry, TriggerRecord

ACTION_LABELS = {"accountability": "问责", "exemption_recommendation": "推荐免督查", "exemption": "免督查"}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _period(request: HttpRequest, policy: Any) -> str:
    code = (request.GET.get("period") or request.POST.get("period") or "").strip()
    if not code:
        return selectors.default_period(policy, timezone.localdate())
    try:
        selectors.parse_period(code)
    except ValueError as exc:
        raise Http404(str(exc)) from None
    return code


def _periods(policy: Any) -> list[str]:
    today = timezone.localdate()
    if policy.period.length == "biennium":
        return [f"{y}-{y + 1}" for y in range(today.year - 1, today.year - 6, -1)]
    if policy.period.length == "quarter":
        return [f"{today.year}Q{q}" for q in range(4, 0, -1)] + [f"{today.year - 1}Q{q}" for q in range(4, 0, -1)]
    return [str(y) for y in range(today.year, today.year - 5, -1)]


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.may_see_rankings(user):
        if user.unit_id and access.may_use_scoring(user):
            return redirect("scoring:unit", pk=user.unit_id)
        raise DjangoPermissionDenied("您无权查看考核排名。")
    assert user.jurisdiction_id is not None
    services.sync(user.jurisdiction_id)
    in_use = selectors.current_policy(user.jurisdiction_id)
    code = _period(request, in_use.policy)
    comp = selectors.compute(user.jurisdiction_id, code, in_use=in_use)
    category = request.GET.get("category", "")
    rows = [r for r in report.ranking(comp) if not category or r.category == category]
    recorded = TriggerRecord.objects.filter(jurisdiction_id=user.jurisdiction_id, period=comp.code).select_related(
        "unit")
    recorded_keys = {(str(t.unit_id), t.trigger_id, t.action) for t in recorded}
    pending = [t for t in comp.triggers if (t.unit, t.trigger_id, t.action) not in recorded_keys]
    context = {
        "comp": comp, "rows": rows, "category": category, "categories": comp.policy.categories,
        "periods": _periods(comp.policy), "chart": report.chart(comp), "recorded": recorded,
        "chart_height": 280 * (1 if category else max(len(report.chart(comp)["categories"]), 1)) + 40,
        "pending": [(t, comp.names.get(t.unit, t.unit), ACTION_LABELS.get(t.action, t.action)) for t in pending],
        "action_labels": ACTION_LABELS, "can_manage": access.may_manage(user),
        "published": comp.in_use.choice, "warnings": comp.result.warnings,
    }
    template = "scoring/_ranking.html" if request.htmx and request.GET.get("partial") else "scoring/ranking.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    code = request.POST.get("period", "")
    try:
        published = services.publish(actor=user, code=code)
        fired = TriggerRecord.objects.filter(jurisdiction_id=user.jurisdiction_id, period=published.period).count()
        messages.success(request, f"已发布 {published.period} 考核结果；触发事项 {fired} 项（S3b-17、S3b-19）。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('scoring:ranking')}?period={code}")


def _unit(request: HttpRequest, pk: int) -> Unit:
    user = _user(request)
    unit = Unit.objects.filter(pk=pk, jurisdiction_id=user.jurisdiction_id).first()
    if unit is None or not access.may_see_unit(user, unit):
        raise Http404("单位不存在或您无权查看其得分。")
    return unit


@login_required
def unit_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    unit = _unit(request, pk)
    services.sync(unit.jurisdiction_id)
    in_use = selectors.current_policy(unit.jurisdiction_id)
    code = _period(request, in_use.policy)
    comp = selectors.compute(unit.jurisdiction_id, code, in_use=in_use, detail_unit=unit.pk, with_history=False)
    try:
        score = comp.result.unit(str(unit.pk))
    except KeyError:
        score = None
    context = {
        "unit": unit, "comp": comp, "score": score, "periods": _periods(comp.policy),
        "lines": report.lines(comp, unit.pk) if score else [],
        "uncounted": report.uncounted(comp, unit.pk) if score else [],
        "countered": report.countered(unit.pk, comp),
        "can_manage": access.may_manage(user), "can_rank": access.may_see_rankings(user),
        "category": comp.policy.category(score.category) if score else None,
    }
    return render(request, "scoring/unit.html", context)


@login_required
@require_POST
def counter(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    entry = ScoreEntry.objects.filter(pk=pk, jurisdiction_id=user.jurisdiction_id).first()
    if entry is None:
        raise Http404("评分台账条目不存在。")
    try:
        services.counter_entry(actor=user, entry=entry, reason=request.POST.get("reason", ""))
        messages.success(request, f"已冲正条目 #{entry.pk}，原条目保留在台账中。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('scoring:unit', args=[entry.unit_id])}?period={request.POST.get('period', '')}")


def _fact_context(user: User, form: dict[str, Any], errors: dict[str, str], error: str = "") -> dict[str, Any]:
    assert user.jurisdiction_id is not None
    units = Unit.objects.filter(jurisdiction_id=user.jurisdiction_id, active=True, category__isnull=False).order_by(
        "category__order", "code")
    kinds = [(k, FACT_KINDS[k].label) for k in services.RECORDABLE_KINDS]
    attrs = [(name, spec.label, [(v, VALUE_LABELS.get(name, {}).get(v, v)) for v in spec.domain], spec.type)
             for name, spec in ATTRS.items() if name != "item"]
    return {
        "units": units, "kinds": kinds, "attr_fields": attrs, "form": form, "errors": errors, "error": error,
        "kind_attrs": {k: list(FACT_KINDS[k].attrs) for k in services.RECORDABLE_KINDS},
        "valued": sorted(services.VALUE_REQUIRED),
        "recent": RecordedFact.objects.filter(jurisdiction_id=user.jurisdiction_id).select_related(
            "unit", "recorded_by", "item")[:50],
        "today": timezone.localdate().isoformat(),
    }


@login_required
def facts(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.may_manage(user):
        raise DjangoPermissionDenied("只有督查室或绩考办可以录入评分事实。")
    if request.method != "POST":
        return render(request, "scoring/facts.html", _fact_context(user, {"day": timezone.localdate().isoformat()}, {}))
    data = request.POST
    form = {k: v for k, v in data.items() if k != "csrfmiddlewaretoken"}
    errors: dict[str, str] = {}
    unit = Unit.objects.filter(pk=data.get("unit") or 0, jurisdiction_id=user.jurisdiction_id).first()
    if unit is None:
        errors["unit"] = "请选择单位。"
    try:
        day = dt.date.fromisoformat(data.get("day", ""))
    except ValueError:
        errors["day"] = "请填写发生日期。"
        day = timezone.localdate()
    value = None
    if data.get("value", "").strip():
        try:
            value = float(data["value"])
        except ValueError:
            errors["value"] = "数值须为数字。"
    try:
        times = int(data.get("times") or 1)
    except ValueError:
        errors["times"] = "次数须为整数。"
        times = 1
    item = None
    if data.get("item", "").strip():
        item = Item.objects.filter(jurisdiction_id=user.jurisdiction_id, code=data["item"].strip()).first()
        if item is None:
            errors["item"] = "找不到该编号的事项。"
    if errors:
        return render(request, "scoring/facts.html", _fact_context(user, form, errors, "；".join(errors.values())),
                      status=422)
    assert unit is not None
    kind = data.get("kind", "")
    allowed = FACT_KINDS[kind].attrs if kind in FACT_KINDS else ()
    attrs = {name: data.get(f"attr_{name}", "") for name in allowed if name != "item"}
    try:
        fact = services.record_fact(
            actor=user, unit=unit, kind=kind, day=day, description=data.get("description", ""), attrs=attrs,
            value=value, times=times, item=item, evidence_ref=data.get("evidence_ref", ""),
            evidence=request.FILES.get("evidence"), rule_id=data.get("rule_id", ""),
        )
    except ServiceError as exc:
        return render(request, "scoring/facts.html", _fact_context(user, form, exc.field_errors, exc.message),
                      status=exc.status)
    messages.success(request, f"已录入：{unit.name} {FACT_KINDS[fact.kind].label}。")
    return redirect(f"{reverse('scoring:unit', args=[unit.pk])}?period={fact.day.year}")


def _policy_from_request(request: HttpRequest) -> tuple[Any, str, str, str]:
    """(policy, text, name, error) from a preset choice, an uploaded file or the edited text."""
    upload = request.FILES.get("file")
    text = request.POST.get("text", "")
    name = request.POST.get("preset", "")
    if upload is not None:
        text, name = upload.read().decode("utf-8", errors="replace"), upload.name or "上传政策.toml"
    elif text.strip():
        name = "编辑的政策.toml"
    elif name in preset_names():
        text = selectors.preset_text(name)
    else:
        return None, "", "", "请选择预置政策，或上传/粘贴一个政策文件。"
    report_ = check_policy(text, name if name.endswith(".toml") else f"{name}.toml")
    if report_.errors or report_.policy is None:
        return None, text, name, "政策文件有错误：\n" + "\n".join(str(p) for p in report_.errors)
    return report_.policy, text, name, ""


@login_required
def whatif(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.may_see_rankings(user):
        raise DjangoPermissionDenied("您无权查看考核排名。")
    assert user.jurisdiction_id is not None
    in_use = selectors.current_policy(user.jurisdiction_id)
    context: dict[str, Any] = {"presets": [(n, load_preset(n).title) for n in preset_names()], "in_use": in_use,
                               "periods": _periods(in_use.policy), "form": request.POST or {}}
    if request.method == "POST":
        code = _period(request, in_use.policy)
        policy, text, name, error = _policy_from_request(request)
        try:
            cmap = services.parse_category_map(request.POST.get("category_map", ""))
        except ServiceError as exc:
            policy, error = None, exc.message
        if policy is None:
            context.update(error=error, text=text)
            return render(request, "scoring/whatif.html", context, status=422)
        services.sync(user.jurisdiction_id)
        a = selectors.compute(user.jurisdiction_id, code, in_use=in_use, with_history=False)
        b = selectors.compute_with(user.jurisdiction_id, code, policy, text, name, cmap or in_use.category_map)
        from duban.core.scoring import compare

        rows = [(a.names.get(r.unit, r.unit), r) for r in compare(a.result, b.result)]
        context.update(a=a, b=b, rows=rows, code=code, text=text, changed=sum(1 for _, r in rows if r.changed))
    return render(request, "scoring/whatif.html", context)


@login_required
def policy_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.may_see_rankings(user):
        raise DjangoPermissionDenied("您无权查看评分政策。")
    assert user.jurisdiction_id is not None
    error = ""
    status = 200
    if request.method == "POST":
        if not access.may_manage(user):
            raise DjangoPermissionDenied("只有督查室或绩考办可以选择评分政策。")
        upload = request.FILES.get("file")
        text = upload.read().decode("utf-8", errors="replace") if upload is not None else request.POST.get("text", "")
        try:
            services.choose_policy(
                actor=user, preset="" if text.strip() else request.POST.get("preset", ""), text=text,
                filename=(upload.name or "") if upload is not None else "",
                category_map=services.parse_category_map(request.POST.get("category_map", "")),
                reason=request.POST.get("reason", ""))
            messages.success(request, "评分政策已更新。")
            return redirect("scoring:policy")
        except ServiceError as exc:
            error, status = exc.message, exc.status
    in_use = selectors.current_policy(user.jurisdiction_id)
    checks = []
    for name in preset_names():
        rep = check_policy(selectors.preset_text(name), f"{name}.toml")
        checks.append((name, rep.policy.title if rep.policy else name, rep))
    context = {"in_use": in_use, "checks": checks, "error": error, "can_manage": access.may_manage(user),
               "current_report": check_policy(in_use.text, in_use.name if in_use.name.endswith(".toml")
                                              else f"{in_use.name}.toml"),
               "category_map": "\n".join(f"{k}={v}" for k, v in in_use.category_map.items())}
    return render(request, "scoring/policy.html", context, status=status)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def export_ranking(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not access.may_see_rankings(user):
        raise DjangoPermissionDenied("您无权导出考核排名。")
    assert user.jurisdiction_id is not None and user.jurisdiction is not None
    services.sync(user.jurisdiction_id)
    in_use = selectors.current_policy(user.jurisdiction_id)
    comp = selectors.compute(user.jurisdiction_id, _period(request, in_use.policy), in_use=in_use, with_history=False)
    return _xlsx(exports.ranking_xlsx(comp, user.jurisdiction.name), f"考核排名-{comp.code}.xlsx")


@login_required
def export_unit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    services.sync(unit.jurisdiction_id)
    in_use = selectors.current_policy(unit.jurisdiction_id)
    comp = selectors.compute(unit.jurisdiction_id, _period(request, in_use.policy), in_use=in_use,
                             detail_unit=unit.pk, with_history=False)
    if str(unit.pk) not in comp.result.by_unit():
        raise Http404("该单位不参加本政策的评分。")
    return _xlsx(exports.unit_lines_xlsx(comp, unit.pk), f"得分明细-{unit.name}-{comp.code}.xlsx")


def chart_json(chart: dict[str, Any]) -> str:
    return json.dumps(chart, ensure_ascii=False)


__all__ = ["PolicyError"]
