"""Organisation pages: the unit tree, the people list, and the Excel import (upload → preview → confirm).

Units and people are otherwise managed in the Django admin (``org/admin.py``); the import logic lives in
``org/importing.py`` and is shared with ``duban import-units`` / ``duban import-people``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from duban.core.lifecycle import Role
from duban.web.uploads import pending_uploads_dir

from .access import can_import, working_jurisdiction
from .importing import (
    COLUMN_HELP,
    KIND_BY_LABEL,
    KIND_LABELS,
    TEMPLATE_HEADERS,
    ImportResult,
    ImportRow,
    Kind,
    normalise_header,
    run_import,
    template_workbook,
)
from .models import ROLE_LABELS, Category, RoleGrant, Unit, User

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
PENDING_SECONDS = 24 * 3600
SESSION_KEY = "org_import_pending"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """The unit tree, indented, with kind, category, supervising leader and people count."""
    jurisdiction = working_jurisdiction(_user(request))
    units: list[Unit] = []
    categories: list[Category] = []
    if jurisdiction is not None:
        units = list(
            Unit.objects.filter(jurisdiction=jurisdiction)
            .select_related("category", "supervising_leader")
            .annotate(people_count=Count("people", filter=Q(people__is_active=True)))
            .order_by("path")
        )
        categories = list(Category.objects.filter(jurisdiction=jurisdiction).annotate(unit_count=Count("unit")))
    category = request.GET.get("category", "")
    if category:
        keep = {u.path for u in units if u.category and u.category.code == category}
        # Keep the category's units and their sub-units, so the tree stays readable.
        units = [u for u in units if any(u.path.startswith(p) for p in keep)]
    for unit in units:
        unit.depth = unit.path.count("/") - 2  # type: ignore[attr-defined]
        unit.indent = unit.depth * 1.6  # type: ignore[attr-defined]
    return render(request, "org/units.html", {
        "units": units, "categories": categories, "category": category, "can_import": can_import(request.user),
        "total_people": sum(u.people_count for u in units),  # type: ignore[attr-defined]
    })


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    """The people of the jurisdiction with their unit, title, phone and roles; search and filters."""
    jurisdiction = working_jurisdiction(_user(request))
    qs = User.objects.none()
    units: list[Unit] = []
    q = request.GET.get("q", "").strip()
    unit_code = request.GET.get("unit", "")
    role = request.GET.get("role", "")
    selected_unit = None
    if jurisdiction is not None:
        units = list(Unit.objects.filter(jurisdiction=jurisdiction).order_by("path"))
        qs = (User.objects.filter(jurisdiction=jurisdiction)
              .select_related("unit")
              .prefetch_related(Prefetch("role_grants", queryset=RoleGrant.objects.order_by("role")))
              .order_by("unit__path", "username"))
        if q:
            qs = qs.filter(Q(full_name__icontains=q) | Q(username__icontains=q) | Q(phone__icontains=q)
                           | Q(title__icontains=q))
        if unit_code:
            selected_unit = next((u for u in units if u.code == unit_code), None)
            qs = qs.filter(unit__path__startswith=selected_unit.path) if selected_unit else qs.none()
        if role in {r.value for r in Role}:
            qs = qs.filter(role_grants__role=role).distinct()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for person in page.object_list:
        person.role_names = [ROLE_LABELS.get(Role(g.role), g.role) for g in person.role_grants.all()]
    params = {k: v for k, v in (("q", q), ("unit", unit_code), ("role", role)) if v}
    for unit in units:
        unit.indent = "　" * (unit.path.count("/") - 2)  # type: ignore[attr-defined]
    return render(request, "org/people.html", {
        "page": page, "units": units, "q": q, "unit": unit_code, "selected_unit": selected_unit, "role": role,
        "roles": [(r.value, label) for r, label in ROLE_LABELS.items()], "query": urlencode(params),
        "can_import": can_import(request.user),
    })


# ---- Excel import -----------------------------------------------------------------------------------


def _pending_dir() -> Path:
    return pending_uploads_dir("*.xlsx", PENDING_SECONDS)


@dataclass
class PreviewRow:
    row: ImportRow
    cells: list[tuple[str, bool]]  # (value, has a problem)
    messages: list[str]


def _preview(result: ImportResult) -> list[PreviewRow]:
    out = []
    for row in result.rows:
        bad = row.problem_columns()
        cells = [(row.values.get(c, ""), c in bad) for c in result.columns]
        out.append(PreviewRow(row, cells, [f"「{p.column}」{'（' + p.cell + '）' if p.cell else ''}{p.message}"
                                           for p in row.problems]))
    return out


def _import_context(request: HttpRequest) -> dict[str, Any]:
    jurisdiction = working_jurisdiction(_user(request))
    categories = list(Category.objects.filter(jurisdiction=jurisdiction).values_list("name", flat=True)) \
        if jurisdiction else []
    help_rows = {kind: [(title, *COLUMN_HELP[normalise_header(title)]) for title in headers]
                 for kind, headers in TEMPLATE_HEADERS.items()}
    return {"kinds": KIND_LABELS, "help_rows": help_rows, "unit_kinds": list(KIND_BY_LABEL),
            "role_labels": list(ROLE_LABELS.values()), "categories": categories, "jurisdiction": jurisdiction,
            "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024)}


def _guard(request: HttpRequest) -> None:
    if not can_import(request.user):
        raise PermissionDenied("仅督查室、办公室主要领导或系统管理员可以导入单位和人员。")
    if working_jurisdiction(_user(request)) is None:
        raise PermissionDenied("您的账号没有所属辖区，无法导入。")


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload → preview every row with its problems (sheet/row/column) → confirm, only when valid."""
    _guard(request)
    context = _import_context(request)
    jurisdiction = context["jurisdiction"]
    if request.method != "POST":
        context["kind"] = request.GET.get("kind", "units")
        return render(request, "org/import.html", context)
    if request.POST.get("step") == "confirm":
        return _confirm(request, context)
    kind = request.POST.get("kind", "")
    upload = request.FILES.get("file")
    context["kind"] = kind
    error = ""
    if kind not in KIND_LABELS:
        error = "请选择导入类型（单位或人员）。"
    elif upload is None:
        error = "请选择要上传的 Excel 文件。"
    elif not (upload.name or "").lower().endswith(UPLOAD_SUFFIXES):
        error = f"文件类型不支持：请上传 {'、'.join(UPLOAD_SUFFIXES)} 文件。"
    elif (upload.size or 0) > MAX_UPLOAD_BYTES:
        error = f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB。"
    if error:
        context["error"] = error
        return render(request, "org/import.html", context, status=422)
    assert upload is not None
    data = upload.read()
    name = Path(upload.name or "upload.xlsx").name
    result = run_import(cast(Kind, kind), data, jurisdiction, dry_run=True, file_name=name)
    context.update({"result": result, "preview": _preview(result), "file_name": name})
    if result.ok:
        token = secrets.token_urlsafe(18)
        (_pending_dir() / f"{token}.xlsx").write_bytes(data)
        pending = request.session.get(SESSION_KEY, {})
        pending[token] = {"kind": kind, "name": name, "jurisdiction": jurisdiction.pk}
        request.session[SESSION_KEY] = pending
        context["token"] = token
    return render(request, "org/import.html", context, status=200 if result.ok else 422)


def _confirm(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.get(token)  # only tokens this session was given: never a path from the request
    jurisdiction = context["jurisdiction"]
    path = _pending_dir() / f"{token}.xlsx" if entry else None
    if not entry or path is None or not path.is_file() or entry.get("jurisdiction") != jurisdiction.pk:
        context["error"] = "预览已过期或已导入，请重新上传文件。"
        return render(request, "org/import.html", context, status=409)
    kind = cast(Kind, entry["kind"])
    password = request.POST.get("initial_password", "") if kind == "people" else ""
    result = run_import(kind, path, jurisdiction, file_name=entry["name"], initial_password=password or None)
    if not result.ok:  # the database changed since the preview, or the password is too weak
        rows_ok = all(r.ok for r in result.rows)  # only the password was refused: the preview still stands
        context.update({"kind": kind, "result": result, "preview": _preview(result), "file_name": entry["name"],
                        "token": token if rows_ok else ""})
        return render(request, "org/import.html", context, status=422)
    path.unlink(missing_ok=True)
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    messages.success(request, f"已导入{KIND_LABELS[kind]}「{entry['name']}」：新增 {result.created}，"
                              f"更新 {result.updated}。")
    return redirect(reverse("org:units" if kind == "units" else "org:people"))


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _guard(request)
    if kind not in KIND_LABELS:
        raise Http404
    data = template_workbook(cast(Kind, kind), working_jurisdiction(_user(request)))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"{KIND_LABELS[cast(Kind, kind)]}导入模板.xlsx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename=\"{kind}.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return response
