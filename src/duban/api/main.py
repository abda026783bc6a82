"""The JSON API (django-ninja). OpenAPI at /api/openapi.json, interactive docs at /api/docs.

Same permissions as the pages: every route goes through the services and selectors, which check
visibility and roles; service errors map to 403/404/409/422 with the Chinese message.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from duban.items.errors import ServiceError

api = NinjaAPI(
    title="duban 督查督办 API",
    version="1",
    description="督查督办信息系统接口。所有接口需登录（会话 Cookie + CSRF）。",
    auth=django_auth,
    urls_namespace="api",
)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return api.create_response(
        request, {"detail": exc.message, "field_errors": exc.field_errors}, status=exc.status
    )


from duban.api import items as _items  # noqa: E402  (routers register themselves on import)

api.add_router("/items", _items.router)
