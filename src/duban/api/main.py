"""The JSON API (django-ninja).

- OpenAPI schema: ``/api/openapi.json``
- Interactive docs (Swagger UI, served locally, works offline): ``/api/docs``
- Items: ``/api/items`` (list, detail, timeline, available actions, one POST per lifecycle action,
  attachments); organisation: ``/api/units``, ``/api/me``.

Authentication is the Django session (log in at ``/login/``); every POST needs the CSRF token in the
``X-CSRFToken`` header (read it from the ``csrftoken`` cookie). Same permissions as the pages: every
route goes through the services and selectors, which check visibility and roles. Errors are JSON
``{"detail": "<中文说明>", "field_errors": {field: message}}`` with status 401 (not logged in), 403 (no
permission / CSRF), 404 (no such item, or not visible to you), 409 (the item's state does not allow the
action, or ``expected_version`` is stale) and 422 (invalid input).
"""

from __future__ import annotations

from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from duban.items.errors import ServiceError

from .docs import OfflineSwagger, serve_asset
from .render import Utf8JSONRenderer
from .validation import readable_validation_error

api = NinjaAPI(
    title="duban 督查督办 API",
    version="1",
    description=(
        "督查督办信息系统接口。所有接口需登录（会话 Cookie）；POST 请求须在 `X-CSRFToken` 头中携带"
        " CSRF 令牌。错误返回 `{\"detail\": 中文说明, \"field_errors\": {字段: 说明}}`："
        "401 未登录，403 无权限，404 事项不存在或无权查看，"
        "409 当前状态不允许该操作或版本已过期，422 输入有误。"
    ),
    auth=django_auth,
    urls_namespace="api",
    renderer=Utf8JSONRenderer(),
    docs=OfflineSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "field_errors": {}, **extra}, status=status)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return api.create_response(
        request, {"detail": exc.message, "field_errors": exc.field_errors}, status=exc.status
    )


@api.exception_handler(DataError)
def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """PostgreSQL refuses text it cannot store (NUL characters, over-long values): the service's transaction
    rolled back, so nothing changed — a 422, not a 500 (found by the schemathesis run, issue #8)."""
    return _error(request, 422, "输入有误：文本含有无法保存的字符（如 \\u0000）或超出长度限制，未作任何修改。")


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, readable_validation_error(exc.errors), status=422)


_HTTP_MESSAGES = {
    "CSRF check Failed": "CSRF 校验失败：请刷新页面后重试（POST 请求须携带 X-CSRFToken 头）。",
    "Cannot parse request body": "请求体不是有效的 JSON。",
}


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        return _error(request, 401, "请先登录。")
    message = str(exc)
    for prefix, chinese in _HTTP_MESSAGES.items():
        if message.startswith(prefix):
            message = chinese
    return _error(request, exc.status_code, message)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "接口或资源不存在。")


api.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs_asset")(serve_asset)

from duban.accountability import api as _accountability  # noqa: E402
from duban.api import items as _items  # noqa: E402  (routers register themselves on import)
from duban.api import org as _org  # noqa: E402
from duban.api import urging as _urging  # noqa: E402
from duban.documents import api as _documents  # noqa: E402
from duban.inspections import api as _inspections  # noqa: E402
from duban.scoring import api as _scoring  # noqa: E402

api.add_router("/items", _items.router)
api.add_router("/tickets", _urging.router)
api.add_router("/scoring", _scoring.router)
api.add_router("/inspections", _inspections.router)
api.add_router("/accountability", _accountability.router)
api.add_router("/documents", _documents.router)
api.add_router("/", _org.router)
