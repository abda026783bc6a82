"""Document API: 督查通报 (S0-13) and 问责决定 (S3a) from plain data, the register; JSON errors in Chinese."""

from __future__ import annotations

import pytest

from duban.documents.models import IssuedDocument
from duban.ledger.models import Event
from tests.api.conftest import Api
from tests.factories import District

pytestmark = pytest.mark.django_db

CIRCULAR = {"key": "2026Q3", "title": "2026年第三季度督查考核结果", "intro": "现将考核结果通报如下。",
            "ranking": [{"unit": "区住房和城乡建设局", "category": "政府部门", "score": 98.5, "rank": 1}]}


def test_S0_13_circular_from_plain_data_then_the_register(district: District) -> None:
    api = Api(district.alice)
    r = api.post("/documents/circulars", CIRCULAR)
    assert r.status_code == 201
    body = r.json()
    assert body["number"] == "督通〔2026〕1号" or body["number"].startswith("督通〔")
    assert body["download_docx"] == f"/documents/issued/{body['id']}.docx"
    again = api.post("/documents/circulars", CIRCULAR).json()  # the same key: the same document
    assert again["id"] == body["id"] and IssuedDocument.objects.count() == 1
    assert [d["number"] for d in api.get("/documents/issued").json()] == [body["number"]]
    assert Event.objects.filter(kind="document_issued").count() == 1


def test_S3a_accountability_and_errors(district: District) -> None:
    api = Api(district.alice)
    r = api.post("/documents/accountability", {"key": "case:9", "subject": "区发展和改革局", "facts": "逾期未办结。",
                                               "decision": "通报批评。", "basis": "《问责办法》第五条"})
    assert r.status_code == 201 and r.json()["kind"] == "accountability"
    bad = api.post("/documents/accountability", {"key": "case:10", "subject": "", "facts": "x", "decision": "y",
                                                 "basis": "z"})
    assert bad.status_code == 422 and "问责对象" in bad.json()["detail"]
    denied = Api(district.ursula).post("/documents/circulars", CIRCULAR)
    assert denied.status_code == 403 and "督查室" in denied.json()["detail"]
    assert IssuedDocument.objects.count() == 1
