"""OpenAPI at /api/openapi.json and Swagger UI at /api/docs, served without any CDN."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import District

pytestmark = pytest.mark.django_db


def test_openapi_schema_lists_every_route() -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert {"/api/items/", "/api/items/{item_id}/timeline", "/api/items/{item_id}/assign", "/api/units",
            "/api/me"} <= set(paths)
    items_and_org = [p for p in paths if not p.startswith("/api/tickets")]
    assert len(items_and_org) == 25
    assert {"/api/tickets/", "/api/tickets/{ticket_id}/sign", "/api/tickets/override"} <= set(paths)
    assert set(paths["/api/items/"]) == {"get", "post"}
    assert "422" in paths["/api/items/{item_id}/assign"]["post"]["responses"]
    assert "/api/docs/assets/{name}" not in paths


def test_docs_page_loads_only_local_assets(district: District) -> None:
    client = Client()
    client.force_login(district.alice)
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/api/docs/assets/swagger-ui-bundle.js" in assets
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content)
        assert len(body) > 100
    assert '"url": "/api/openapi.json"' in html


def test_unknown_doc_asset_is_404() -> None:
    assert Client().get("/api/docs/assets/settings.py").status_code == 404
    assert Client().get("/api/docs/assets/..%2F__init__.py").status_code == 404
