"""The project's URLs plus dummy public endpoints at the rate-limited prefixes (tests only)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from duban.urls import urlpatterns as project


def public_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("网格公开页")


@csrf_exempt
def open311(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True}, status=201 if request.method == "POST" else 200)


urlpatterns = [
    path("grid/public/", public_page),
    path("open311/v2/requests.json", open311),
    *project,
]
