from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Unit


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.filter(jurisdiction_id=request.user.jurisdiction_id).select_related("category", "parent")
    return render(request, "org/units.html", {"units": units})
