"""Pages of the documents area: downloads with the item's / ticket's permissions, the register, ledger
exports (direct and in the background with progress), the import flow, and the archive package."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from docx import Document
from openpyxl import Workbook, load_workbook

from duban.documents import views
from duban.documents.models import ExportJob, IssuedDocument
from duban.items import services as items
from duban.items.models import Item
from duban.ledger.models import Event
from duban.urging import services as urging
from duban.urging.models import Ticket
from tests.factories import District, at
from tests.urging.test_sweep import handed_out
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path) -> Any:
    with override_settings(DATA_DIR=tmp_path, MEDIA_ROOT=tmp_path / "media"):
        yield


def test_notice_download_follows_the_items_permissions(district: District) -> None:
    d = district
    item = handed_out(d)
    r = client_for(d.ursula).get(f"/documents/items/{item.pk}/notice.docx")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    assert any("督办〔" in p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert client_for(d.oscar).get(f"/documents/items/{item.pk}/notice.docx").status_code == 404
    assert client_for(None).get(f"/documents/items/{item.pk}/notice.docx").status_code == 302
    page = client_for(d.alice).get(f"/items/{item.pk}/").content.decode()
    assert f"/documents/items/{item.pk}/notice.docx" in page


def test_pdf_without_libreoffice_is_a_clear_503(district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("duban.documents.pdf.soffice", lambda: None)
    r = client_for(district.alice).get(f"/documents/items/{handed_out(district).pk}/notice.pdf")
    assert r.status_code == 503 and "LibreOffice" in r.content.decode()


def test_ticket_download_link_and_unsigned_ticket_is_409(district: District) -> None:
    d = district
    item = handed_out(d)
    urging.sweep(at("2026-03-04", 8))
    ticket = Ticket.objects.get(item=item, unit=d.lead)
    assert client_for(d.alice).get(f"/documents/tickets/{ticket.pk}.docx").status_code == 409
    urging.do_sign_ticket(actor=d.olga, ticket=ticket, now=at("2026-03-04", 9))
    r = client_for(d.ursula).get(f"/documents/tickets/{ticket.pk}.docx")
    assert r.status_code == 200
    assert "/documents/tickets/" in client_for(d.ursula).get(f"/urging/tickets/{ticket.pk}/").content.decode()
    assert client_for(d.oscar).get(f"/documents/tickets/{ticket.pk}.docx").status_code == 404


def test_register_is_for_the_office(district: District) -> None:
    d = district
    client_for(d.alice).get(f"/documents/items/{handed_out(d).pk}/notice.docx")
    record = IssuedDocument.objects.get()
    page = client_for(d.alice).get("/documents/issued/").content.decode()
    assert record.number in page
    assert client_for(d.alice).get(f"/documents/issued/{record.pk}.docx").status_code == 200
    assert client_for(d.ursula).get("/documents/issued/").status_code == 404


def _rows(content: bytes) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def test_item_export_applies_the_filters_and_downloads_directly(district: District) -> None:
    d = district
    kept = handed_out(d, level="especially")
    handed_out(d, level="generally")
    client = client_for(d.alice)
    r = client.get("/documents/export/items/", {"level": "especially"})
    assert r.status_code == 302
    download = client.get(r["Location"])
    content = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    rows = _rows(content)
    assert rows[1][6] == "责任分工" and rows[2][6:8] == ("牵头单位", "配合单位")
    assert [row[1] for row in rows[3:]] == [kept.code]
    assert client_for(d.ursula).get(r["Location"]).status_code == 404  # someone else's export
    from duban.accounts.models import AuditKind, AuditRecord

    record = AuditRecord.objects.get(kind=AuditKind.EXPORT)  # issue #8 §2: every export is audited
    assert record.data["rows"] == 1 and record.data["filters"] == {"level": "especially"}


def test_large_export_runs_in_the_background_with_progress(district: District, monkeypatch: pytest.MonkeyPatch) -> None:
    d = district
    for _ in range(3):
        handed_out(d)
    started: list[int] = []
    monkeypatch.setattr(views, "_run_in_background", started.append)
    client = client_for(d.alice)
    with override_settings(DUBAN_EXPORT_INLINE_ROWS=2):
        r = client.get("/documents/export/items/")
    job = ExportJob.objects.get()
    assert r["Location"] == f"/documents/export/jobs/{job.pk}/" and started == [job.pk]
    page = client.get(r["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "0 / 3" in page
    from duban.documents.exports import run_job

    run_job(job.pk)  # what the background thread runs
    partial = client.get(r["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and f"/documents/export/jobs/{job.pk}/download/" in partial
    content = b"".join(client.get(f"/documents/export/jobs/{job.pk}/download/").streaming_content)  # type: ignore[attr-defined]
    assert len(_rows(content)) == 3 + 3


def test_ticket_export_link_and_ledger(district: District) -> None:
    d = district
    handed_out(d)
    urging.sweep(at("2026-03-04", 8))
    client = client_for(d.alice)
    assert "/documents/export/tickets/" in client.get("/urging/tickets/").content.decode()
    r = client.get("/documents/export/tickets/", {"state": "drafted"})
    rows = _rows(b"".join(client.get(r["Location"]).streaming_content))  # type: ignore[attr-defined]
    assert rows[1][:4] == ("序号", "文号", "颜色", "督查事项")
    assert rows[2][3:5] == ("事项编号", "事项名称")
    assert len(rows) == 3 + 2 and {row[2] for row in rows[3:]} == {"蓝色"}


def _upload(rows: list[list[Any]]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("台账.xlsx", buffer.getvalue())


def test_import_flow_preview_problems_then_only_valid_rows(district: District) -> None:
    d = district
    client = client_for(d.alice)
    rows = [["事项名称", "牵头单位", "办结时限"], ["推进河道整治", "区发展和改革局", "2026-12-31"],
            ["推进垃圾分类", "区没有局", "12月31日前"]]
    r = client.post("/documents/import/items/", {"step": "preview", "file": _upload(rows)})
    page = r.content.decode()
    assert r.status_code == 422 and "未知单位「区没有局」" in page and "（B3）" in page
    assert not Item.objects.filter(title="推进河道整治").exists()
    token = page.split('name="token" value="')[1].split('"')[0]
    r = client.post("/documents/import/items/", {"step": "confirm", "token": token, "only_valid": "1"})
    assert r.status_code == 302 and Item.objects.filter(title="推进河道整治").count() == 1
    assert not Item.objects.filter(title="推进垃圾分类").exists()
    # the token is used up
    assert client.post("/documents/import/items/", {"step": "confirm", "token": token}).status_code == 409
    assert client_for(d.ursula).get("/documents/import/items/").status_code == 404


def test_archive_package_of_a_closed_item(district: District) -> None:
    d = district
    item = handed_out(d)
    client = client_for(d.alice)
    assert client.get(f"/documents/items/{item.pk}/archive.zip").status_code == 409  # not closed yet
    Item.objects.filter(pk=item.pk).update(state="closed")
    items.do_attach(actor=d.alice, item=Item.objects.get(pk=item.pk),
                    upload=SimpleUploadedFile("现场照片.pdf", b"%PDF-1.4 test"), step_name="")
    r = client.get(f"/documents/items/{item.pk}/archive.zip")
    assert r.status_code == 200
    zf = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))  # type: ignore[attr-defined]
    names = set(zf.namelist())
    assert {"README.txt", "manifest.json", "history/events.json", "history/timeline.html"} <= names
    assert any(n.startswith("documents/督办通知单_") and n.endswith(".docx") for n in names)
    assert any(n.startswith("attachments/") and n.endswith("现场照片.pdf") for n in names)
    events = json.loads(zf.read("history/events.json"))
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert all(e["digest_ok"] and len(e["hash"]) == 64 for e in events)
    assert {e["kind"] for e in events} >= {"register", "document_issued"}
    assert Event.objects.filter(item=item).count() == len(events)
    assert client_for(d.oscar).get(f"/documents/items/{item.pk}/archive.zip").status_code == 404
