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
    by_area: dict[str, int] = {}
    for p in paths:
        by_area[p.split("/")[2]] = by_area.get(p.split("/")[2], 0) + 1
    # Every area's router is mounted and documented (a router that fails to register drops its paths).
    assert by_area["items"] >= 24 and by_area["tickets"] >= 8
    assert {"scoring", "inspections", "accountability", "documents", "units", "me"} <= set(by_area)
    assert {"/api/items/batch/{action}", "/api/scoring/results", "/api/inspections/entries",
            "/api/accountability/{case_id}/steps/{action}", "/api/documents/circulars"} <= set(paths)
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
