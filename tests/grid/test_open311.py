"""Open311 GeoReport v2 (JSON and XML): discovery, services, requests (GET/POST), one request — checked
against the wire format, and answered to a real Open311 client (the ``georeport`` package) over HTTP.

``georeport`` 0.3 reads (services, service definition, requests, one request) but has no call to create
a request, so creation is posted as the specification's form-encoded POST with ``requests``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests
from django.test import Client
from georeport import GeoReport

from duban.grid import services
from duban.grid.models import Concern
from tests.grid.conftest import World, make_world


@pytest.mark.django_db
def test_discovery_and_services_json_and_xml(world: World) -> None:
    c = Client()
    d = c.get("/open311/v2/discovery.json").json()
    assert d["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert d["endpoints"][0]["url"].endswith("/open311/v2")
    x = ET.fromstring(c.get("/open311/v2/discovery.xml").content)
    assert x.tag == "discovery" and x.find("endpoints/endpoint/formats/format") is not None
    listed = c.get("/open311/v2/services.json").json()
    assert {s["service_code"] for s in listed} == set(services.SERVICES)
    assert all(set(s) >= {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
               for s in listed)
    root = ET.fromstring(c.get("/open311/v2/services.xml").content)
    assert root.tag == "services" and root.find("service/service_code").text  # type: ignore[union-attr]
    assert root.find("service/metadata").text == "false"  # type: ignore[union-attr]
    assert c.get("/open311/v2/services/environment.json").json() == {"service_code": "environment", "attributes": []}
    assert c.get("/open311/v2/services/nope.json").status_code == 404


@pytest.mark.django_db
def test_post_and_get_requests_json_and_xml(world: World) -> None:
    c = Client()
    r = c.post("/open311/v2/requests.json", {"service_code": "facility", "lat": "45.7540", "long": "126.6300",
                                             "description": "路灯不亮", "first_name": "三", "last_name": "张",
                                             "phone": "13812345678", "email": "z@example.com"})
    assert r.status_code == 200
    body = r.json()
    assert len(body) == 1 and body[0]["service_request_id"]
    concern = Concern.objects.get(pk=int(body[0]["service_request_id"]))
    assert concern.source == "open311" and concern.grid == world.w1 and concern.reporter_name == "张三"
    assert concern.token in body[0]["service_notice"]
    one = c.get(f"/open311/v2/requests/{concern.pk}.json").json()[0]
    assert one["status"] == "open" and one["service_code"] == "facility" and one["lat"] == 45.754
    flat = str(one)
    assert "13812345678" not in flat and "张三" not in flat and "z@example.com" not in flat
    root = ET.fromstring(c.get("/open311/v2/requests.xml").content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == str(concern.pk)  # type: ignore[union-attr]
    x = c.post("/open311/v2/requests.xml", {"service_code": "environment", "lat": "45.7540", "long": "126.6300",
                                            "description": "垃圾未清运"})
    assert ET.fromstring(x.content).find("request/service_request_id") is not None


@pytest.mark.django_db
def test_errors_in_the_open311_shape(world: World) -> None:
    c = Client()
    r = c.post("/open311/v2/requests.json", {"service_code": "bogus", "lat": "45.75", "long": "126.63"})
    assert r.status_code == 400 and r.json()[0]["code"] == 400 and "service_code" in r.json()[0]["description"]
    r = c.post("/open311/v2/requests.xml", {"service_code": "facility", "description": "x"})
    err = ET.fromstring(r.content)
    assert r.status_code == 400 and err.tag == "errors" and err.find("error/code").text == "400"  # type: ignore[union-attr]
    r = c.post("/open311/v2/requests.json", {"service_code": "facility", "lat": "45.75", "long": "126.63",
                                             "description": " "})
    assert r.status_code == 400 and "请描述问题" in r.json()[0]["description"]
    assert Concern.objects.count() == 0
    assert c.get("/open311/v2/requests.json?status=maybe").status_code == 400
    assert c.get("/open311/v2/requests/999.json").status_code == 404
    assert c.get("/open311/v2/requests.json?jurisdiction_id=NOPE").status_code == 404


@pytest.mark.django_db
def test_api_key_required_when_configured(world: World, settings: Any) -> None:
    settings.DUBAN_OPEN311_API_KEYS = ["k-123"]
    data = {"service_code": "facility", "lat": "45.7540", "long": "126.6300", "description": "路灯不亮"}
    assert Client().post("/open311/v2/requests.json", data).status_code == 403
    assert Client().post("/open311/v2/requests.json", {**data, "api_key": "k-123"}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_real_open311_client_georeport(live_server: Any) -> None:
    w = make_world()
    root = f"{live_server.url}/open311/v2"
    # Create through the wire format (georeport has no create call).
    created = requests.post(f"{root}/requests.json", data={
        "service_code": "environment", "lat": "45.7540", "long": "126.6300", "description": "楼道堆放杂物",
        "jurisdiction_id": w.d.jurisdiction.code}, timeout=10)
    created.raise_for_status()
    rid = created.json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        client = GeoReport(root, jurisdiction=w.d.jurisdiction.code, output_format=fmt)
        listed = client.get_service_list()
        assert any(s["service_code"] == "environment" for s in listed)
        definition = client.get_service_definition("environment")
        assert definition["service_code"] == "environment"
        found = client.get_service_requests(service_request_id=rid)
        found = found if isinstance(found, list) else [found]  # xmltodict: one <request> is a dict
        assert [r["service_request_id"] for r in found] == [rid]
        one = client.get_service_request(rid)
        assert one["status"] == "open" and one["service_code"] == "environment"
        if fmt == "json":  # (georeport cannot parse an empty XML list: <service_requests/> has no <request>)
            assert client.get_service_requests(status="closed") == []
    concern = Concern.objects.get(pk=int(rid))
    services.do_classify(actor=w.hp_staff, concern=concern, tier="immediate", category="环境", handler=w.worker)
    services.do_resolve(actor=w.worker, concern=concern, result="已清理")
    one = GeoReport(root, jurisdiction=w.d.jurisdiction.code).get_service_request(rid)
    assert one["status"] == "closed" and "已清理" in one["status_notes"]
