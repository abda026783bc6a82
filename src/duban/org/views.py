from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Unit


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    units = list(
        Unit.objects.filter(jurisdiction_id=request.user.jurisdiction_id)  # type: ignore[union-attr]
        .select_related("category", "parent", "supervising_leader")
        .annotate(people_count=Count("people"))
        .order_by("path")
    )
    for unit in units:
        unit.depth = unit.path.count("/") - 2  # type: ignore[attr-defined]
    return render(request, "org/units.html", {"units": units})


IMPORTERS = {"units": "单位", "people": "人员"}


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload → preview every row's problems (sheet/row/column) → import only when the file is valid."""
    import tempfile
    from pathlib import Path

    from django.core.exceptions import PermissionDenied

    from duban.core.lifecycle import OFFICE_ROLES, Role

    from .importing import import_people, import_units

    user = request.user
    if not user.has_role(*OFFICE_ROLES, Role.SYSADMIN):  # type: ignore[union-attr]
        raise PermissionDenied
    context: dict[str, object] = {"kinds": IMPORTERS}
    if request.method == "POST":
        kind = request.POST.get("kind", "units")
        upload = request.FILES.get("file")
        commit = request.POST.get("commit") == "1"
        if kind not in IMPORTERS or upload is None:
            context["error"] = "请选择导入类型和 Excel 文件。"
        else:
            importer = import_units if kind == "units" else import_people
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "upload.xlsx"
                path.write_bytes(upload.read())
                result = importer(path, user.jurisdiction, dry_run=not commit)  # type: ignore[union-attr]
            context.update({"kind": kind, "result": result, "committed": commit and result.ok})
    return render(request, "org/import.html", context, status=422 if context.get("result") and
                  not context["result"].ok else 200)  # type: ignore[union-attr]
