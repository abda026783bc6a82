"""Document routes: the register of issued documents, and producing a 督查通报 or 问责决定 from plain data
(what the scoring and accountability areas pass). Office staff only; errors are JSON with a Chinese
``detail`` (403 no permission, 422 invalid input). The produced document is downloaded from
``download_docx`` / ``download_pdf``.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status

from duban.items import access
from duban.items.errors import PermissionDenied
from duban.org.models import User

from . import services
from .models import IssuedDocument

router = Router(tags=["公文"])


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    number: str
    title: str
    item_id: int | None
    issued_at: dt.datetime
    download_docx: str
    download_pdf: str


class RankRowIn(Schema):
    unit: str
    category: str = ""
    score: float | str
    rank: int


class CircularIn(Schema):
    key: str
    title: str
    intro: str
    ranking: list[RankRowIn]
    praise: str = ""
    criticism: str = ""
    recipients: str = "各镇（街道），区政府各部门，各有关单位"
    period: str = ""


class AccountabilityIn(Schema):
    key: str
    subject: str
    facts: str
    decision: str
    basis: str
    rule_id: str = "S3a-5"
    recipients: str = ""
    copy_to: str = "区纪委监委，区委组织部"


def _out(d: IssuedDocument) -> DocumentOut:
    return DocumentOut(
        id=d.pk, kind=d.kind, kind_label=d.get_kind_display(), number=d.number, title=d.title, item_id=d.item_id,
        issued_at=d.issued_at,
        download_docx=reverse("documents:issued_download", args=[d.pk, "docx"]),
        download_pdf=reverse("documents:issued_download", args=[d.pk, "pdf"]),
    )


def _office(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not access.is_office(user):
        raise PermissionDenied("只有督查室人员可以查看和生成公文。")
    return user


@router.get("/issued", response=list[DocumentOut], summary="公文登记（本辖区已生成的公文）")
def issued(request: HttpRequest, kind: str = "") -> list[DocumentOut]:
    user = _office(request)
    qs = IssuedDocument.objects.filter(jurisdiction_id=user.jurisdiction_id)
    if kind:
        qs = qs.filter(kind=kind)
    visible = None if user.cleared_confidential else set(access.visible_items(user).values_list("pk", flat=True))
    return [_out(d) for d in qs[:500] if d.item_id is None or visible is None or d.item_id in visible]


@router.post("/circulars", response={201: DocumentOut}, summary="生成督查通报（附排名表，S0-13）")
def create_circular(request: HttpRequest, body: CircularIn) -> Status:
    data = services.CircularData(**{**body.dict(), "ranking": [services.RankRow(**r.dict()) for r in body.ranking]})
    return Status(201, _out(services.circular(_office(request), data).record))


@router.post("/accountability", response={201: DocumentOut}, summary="生成问责决定（S3a）")
def create_accountability(request: HttpRequest, body: AccountabilityIn) -> Status:
    data = services.AccountabilityData(**body.dict())
    return Status(201, _out(services.accountability(_office(request), data).record))
