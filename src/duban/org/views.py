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
