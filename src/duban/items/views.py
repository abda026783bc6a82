from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import ItemFilter, filtered_items, with_list_relations


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    f = ItemFilter.from_params(request.GET.dict())
    items = with_list_relations(filtered_items(request.user, f))[:50]
    return render(request, "items/list.html", {"items": items, "filter": f})
