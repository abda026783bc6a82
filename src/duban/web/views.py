from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from duban.items.selectors import todo_for


@login_required
def todo(request: HttpRequest) -> HttpResponse:
    return render(request, "web/todo.html", {"todo": todo_for(request.user)})
