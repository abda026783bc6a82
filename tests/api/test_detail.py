"""Item detail and timeline: everything on the item page, in a bounded number of queries."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.api.schemas import ItemDetail
from tests.api.conftest import RECEIPT, Api, api_received, days
from tests.factories import District

pytestmark = pytest.mark.django_db


def _grow(d: District, item_id: int, n: int) -> None:
    """Add ``n`` progress reports, attachments and objections (by several people) to the item."""
    for i in range(n):
        Api(d.ursula).post(f"/items/{item_id}/reports/progress", {"text": f"进展{i}"})
        upload = SimpleUploadedFile(f"附件{i}.txt", b"abc", content_type="text/plain")
        Api(d.ursula if i % 2 else d.alice).upload(f"/items/{item_id}/attachments", {"file": upload})
        Api(d.colin if i % 2 else d.ursula).post(f"/items/{item_id}/objections", {"text": f"异议{i}"})


def _queries(api: Api, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_detail_and_timeline_do_not_grow_with_the_item(district: District) -> None:
    d = district
    item_id = api_received(d)
    Api(d.colin).post(f"/items/{item_id}/receive", RECEIPT)
    Api(d.ursula).post(f"/items/{item_id}/extensions", {"requested_deadline": days(40), "reason": "理由"})
    _grow(d, item_id, 1)
    alice = Api(d.alice)
    small = (_queries(alice, f"/items/{item_id}"), _queries(alice, f"/items/{item_id}/timeline"))
    _grow(d, item_id, 4)
    large = (_queries(alice, f"/items/{item_id}"), _queries(alice, f"/items/{item_id}/timeline"))
    assert small == large, (small, large)
    detail = ItemDetail.model_validate(alice.get(f"/items/{item_id}").json())
    assert len(detail.reports) == 5 and len(detail.attachments) == 5 and len(detail.objections) == 5
    assert {a.uploaded_by.name for a in detail.attachments} == {"艾督查", "于联络员"}
    assert {o.unit.name for o in detail.objections} == {"区发展和改革局", "区财政局"}
    assert detail.extension_requests[0].requested_by.name == "于联络员"
    assert all(r.unit.name == "区发展和改革局" for r in detail.reports)
