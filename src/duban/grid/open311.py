"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) for residents' issues, JSON and XML.

Endpoints under ``/open311/v2/``: ``discovery``, ``services``, ``services/{code}``, ``requests`` (GET list,
POST create) and ``requests/{id}``, each with ``.json`` or ``.xml``. ``jurisdiction_id`` is the
jurisdiction's code; it may be left out when the installation serves one jurisdiction.

Privacy (S2a-二(六)): the public feed never carries the resident's name, phone, e-mail or exact address;
positions are rounded to 0.001° (about 100 m) and ``address`` is the grid's public name. A POST is a
public intake like the public page; when ``settings.DUBAN_OPEN311_API_KEYS`` is set, it needs one of
those keys (``api_key``), as the specification allows.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from duban.items.errors import ServiceError
from duban.org.models import Jurisdiction

from . import services
from .models import Concern

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00Z"
MAX_DAYS = 90
OPEN_STATES = (Concern.State.RECEIVED, Concern.State.IN_HAND)


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _xml(root: str, item_tag: str | None, payload: Any) -> bytes:
    def fill(parent: ET.Element, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                if isinstance(sub, list):
                    holder = ET.SubElement(parent, key)
                    singular = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
                                "formats": "format", "keywords": "keyword"}.get(key, key.rstrip("s"))
                    for entry in sub:
                        fill(ET.SubElement(holder, singular), entry)
                else:
                    fill(ET.SubElement(parent, key), sub)
        elif value is None:
            return
        elif isinstance(value, bool):
            parent.text = "true" if value else "false"
        else:
            parent.text = str(value)

    element = ET.Element(root)
    if item_tag is None:
        fill(element, payload)
    else:
        for entry in payload:
            fill(ET.SubElement(element, item_tag), entry)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")


def _respond(fmt: str, payload: Any, *, root: str, item_tag: str | None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(_xml(root, item_tag, payload), content_type="text/xml; charset=utf-8", status=status)
    return JsonResponse(payload, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, exc: Open311Error) -> HttpResponse:
    return _respond(fmt, [{"code": exc.code, "description": exc.description}], root="errors", item_tag="error",
                    status=exc.code)


def _jurisdiction(request: HttpRequest) -> Jurisdiction:
    code = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip()
    if code:
        found = Jurisdiction.objects.filter(code=code).first()
        if found is None:
            raise Open311Error(404, f"jurisdiction_id {code} 不存在。")
        return found
    all_ = list(Jurisdiction.objects.all()[:2])
    if len(all_) != 1:
        raise Open311Error(400, "请提供 jurisdiction_id（辖区代码）。")
    return all_[0]


def _fmt(fmt: str) -> str:
    return "xml" if fmt == "xml" else "json"


def _w3(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _parse_w3(value: str, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error(400, f"{name} 应为 W3C 时间，如 2026-01-01T00:00:00Z。") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:services", args=["json"])).rsplit("/", 1)[0]
    payload = {
        "changeset": CHANGESET, "contact": "社区网格化管理服务（S2a）", "key_service": "",
        "endpoints": [{"specification": SPEC_URL, "url": base, "changeset": CHANGESET, "type": "production",
                       "formats": ["application/json", "text/xml"]}],
    }
    return _respond(_fmt(fmt), payload, root="discovery", item_tag=None)


def _service(code: str, name: str) -> dict[str, Any]:
    return {"service_code": code, "service_name": name, "description": f"{name}（社区网格受理，S2a-二(五)）",
            "metadata": False, "type": "realtime", "keywords": "", "group": "社区网格"}


def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    try:
        _jurisdiction(request)
    except Open311Error as exc:
        return _error(fmt, exc)
    return _respond(fmt, [_service(c, n) for c, n in services.SERVICES.items()], root="services", item_tag="service")


def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    if code not in services.SERVICES:
        return _error(fmt, Open311Error(404, f"service_code {code} 不存在。"))
    return _respond(fmt, {"service_code": code, "attributes": []}, root="service_definition", item_tag=None)


def _request_dict(request: HttpRequest, c: Concern) -> dict[str, Any]:
    closed = c.state not in OPEN_STATES
    notes = c.get_state_display()
    if c.tier:
        notes += f"；{c.tier_label}"
    if c.result:
        notes += f"；办理结果：{c.result}"
    place = c.grid.name if c.grid else (c.community.name if c.community else "")
    return {
        "service_request_id": str(c.pk), "status": "closed" if closed else "open", "status_notes": notes,
        "service_name": services.SERVICES.get(c.service_code, c.service_code), "service_code": c.service_code,
        "description": c.description, "agency_responsible": c.community.name if c.community else "",
        "service_notice": "", "requested_datetime": _w3(c.received_at),
        "updated_datetime": _w3(c.feedback_at or c.resolved_at or c.classified_at or c.received_at),
        "expected_datetime": (_w3(timezone.make_aware(dt.datetime.combine(c.deadline, dt.time(18))))
                              if c.deadline else None),
        "address": place, "address_id": "", "zipcode": "",
        "lat": round(c.lat, 3) if c.lat is not None else None,
        "long": round(c.lon, 3) if c.lon is not None else None, "media_url": "",
    }


@csrf_exempt
def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    try:
        jurisdiction = _jurisdiction(request)
        if request.method == "POST":
            return _create(request, fmt, jurisdiction)
        if request.method != "GET":
            raise Open311Error(405, "仅支持 GET 和 POST。")
        qs = Concern.objects.filter(jurisdiction=jurisdiction).select_related("grid", "community")
        ids = request.GET.get("service_request_id", "")
        if ids:
            wanted = [int(x) for x in ids.split(",") if x.strip().isdigit()]
            qs = qs.filter(pk__in=wanted)
        else:
            codes = [x for x in request.GET.get("service_code", "").split(",") if x]
            if codes:
                qs = qs.filter(service_code__in=codes)
            statuses = {x for x in request.GET.get("status", "").split(",") if x}
            if statuses - {"open", "closed"}:
                raise Open311Error(400, "status 只能为 open 或 closed。")
            if statuses == {"open"}:
                qs = qs.filter(state__in=OPEN_STATES)
            elif statuses == {"closed"}:
                qs = qs.exclude(state__in=OPEN_STATES)
            end = _parse_w3(request.GET["end_date"], "end_date") if request.GET.get("end_date") else timezone.now()
            start = (_parse_w3(request.GET["start_date"], "start_date") if request.GET.get("start_date")
                     else end - dt.timedelta(days=MAX_DAYS))
            if end - start > dt.timedelta(days=MAX_DAYS):
                raise Open311Error(400, "查询时间范围不能超过 90 天。")
            qs = qs.filter(received_at__gte=start, received_at__lte=end)
        rows = [_request_dict(request, c) for c in qs.order_by("-received_at")[:1000]]
    except Open311Error as exc:
        return _error(fmt, exc)
    return _respond(fmt, rows, root="service_requests", item_tag="request")


def request_detail(request: HttpRequest, pk: str, fmt: str) -> HttpResponse:
    fmt = _fmt(fmt)
    try:
        jurisdiction = _jurisdiction(request)
        c = Concern.objects.filter(jurisdiction=jurisdiction, pk=int(pk) if pk.isdigit() else 0).select_related(
            "grid", "community").first()
        if c is None:
            raise Open311Error(404, f"service_request_id {pk} 不存在。")
    except Open311Error as exc:
        return _error(fmt, exc)
    return _respond(fmt, [_request_dict(request, c)], root="service_requests", item_tag="request")


def _create(request: HttpRequest, fmt: str, jurisdiction: Jurisdiction) -> HttpResponse:
    post = request.POST
    keys = getattr(settings, "DUBAN_OPEN311_API_KEYS", None)
    if keys and post.get("api_key") not in keys:
        raise Open311Error(403, "api_key 无效。")
    code = post.get("service_code", "")
    if code not in services.SERVICES:
        raise Open311Error(400, f"service_code {code!r} 无效。")

    def number(name: str) -> float | None:
        text = post.get(name, "").strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError as exc:
            raise Open311Error(400, f"{name} 应为数字。") from exc

    lat, lon = number("lat"), number("long")
    if (lat is None or lon is None) and not post.get("address_string", "").strip():
        raise Open311Error(400, "须提供位置：lat 和 long，或 address_string。")
    name = (post.get("last_name", "") + post.get("first_name", "")).strip()
    intake = services.Intake(service_code=code, description=post.get("description", ""), lon=lon, lat=lat,
                             address=post.get("address_string", ""), name=name, phone=post.get("phone", ""),
                             email=post.get("email", ""))
    try:
        concern = services.do_intake(jurisdiction_id=jurisdiction.pk, source=Concern.Source.OPEN311, intake=intake)
    except ServiceError as exc:
        detail = "；".join([exc.message, *exc.field_errors.values()])
        raise Open311Error(400, detail) from exc
    status_url = request.build_absolute_uri(reverse("grid:public_status", args=[concern.token]))
    notice = f"已受理，编号 {concern.number}。{concern.route_note} 查询进度及评价：{status_url}"
    return _respond(fmt, [{"service_request_id": str(concern.pk), "service_notice": notice, "account_id": None}],
                    root="service_requests", item_tag="request")
