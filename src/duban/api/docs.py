"""Interactive API docs that work offline.

ninja's default Swagger page loads its JavaScript from a CDN unless ``ninja`` is an installed app. The
Swagger UI files ship inside the django-ninja wheel (``ninja/static/ninja``); ``OfflineSwagger`` renders
the docs page against them and ``serve_asset`` serves them under ``/api/docs/assets/`` so the page needs
no network and no ``collectstatic``.
"""

from __future__ import annotations

import html
import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = frozenset(
    {"swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-init.js", "favicon.png", "favicon.svg"}
)

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{assets}swagger-ui.css">
<link rel="icon" href="{assets}favicon.svg" type="image/svg+xml">
</head>
<body data-csrf-token="{csrf}" data-api-csrf="true">
<script type="application/json" id="swagger-settings">{settings}</script>
<div id="swagger-ui"></div>
<script src="{assets}swagger-ui-bundle.js"></script>
<script src="{assets}swagger-ui-init.js"></script>
</body>
</html>
"""


class OfflineSwagger(DocsBase):
    """Swagger UI from the files bundled with django-ninja (no CDN)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {"url": self.get_openapi_url(api, kwargs), "layout": "BaseLayout", "deepLinking": True}
        assets = reverse(f"{api.urls_namespace}:docs_asset", kwargs={"name": "x"})[:-1]
        page = _PAGE.format(
            title=html.escape(api.title),
            assets=html.escape(assets),
            csrf=html.escape(get_token(request)),
            settings=json.dumps(settings).replace("</", "<\\/"),
        )
        return HttpResponse(page, content_type="text/html; charset=utf-8")


def serve_asset(request: HttpRequest, name: str) -> HttpResponse:
    if name not in ASSETS:
        raise Http404(name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
