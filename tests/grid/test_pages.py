"""Grid pages through the test client: who sees what, forms to services, the public pages show nothing
private (S2a-二(六), 二(七))."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from duban.grid import services
from duban.grid.models import Concern, Grid
from tests.core.test_grid_topology import Q2, grids
from tests.factories import client_for
from tests.grid.conftest import World, geo
from tests.grid.test_services import intake

pytestmark = pytest.mark.django_db


def test_staff_pages_render(world: World) -> None:
    c = client_for(world.hp_staff)
    concern = services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public", intake=intake())
    for url in ["/grid/", f"/grid/c/{world.hp.pk}/", f"/grid/g/{world.w1.pk}/", "/grid/concerns/",
                f"/grid/concerns/{concern.pk}/", "/grid/dashboard/", "/grid/concerns/new/", "/grid/patrol/"]:
        response = c.get(url)
        assert response.status_code == 200, url
    page = c.get(f"/grid/c/{world.hp.pk}/").content.decode()
    assert "完整覆盖" in page and "grid-save-form" in page and "leaflet-geoman.js" in page


def test_outsiders_get_404(world: World) -> None:
    c = client_for(world.xf_staff)
    concern = services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public", intake=intake())
    assert c.get(f"/grid/c/{world.hp.pk}/").status_code == 404
    assert c.get(f"/grid/g/{world.w1.pk}/").status_code == 404
    assert c.get(f"/grid/concerns/{concern.pk}/").status_code == 404
    assert Client().get("/grid/").status_code == 302  # login required


def test_drawn_grid_saved_through_validation(world: World) -> None:
    c = client_for(world.hp_staff)
    overlapping = geo(grids(w1_q2=(Q2[0] + 0.0003, Q2[1]))["W1"])
    response = c.post(f"/grid/c/{world.hp.pk}/save/", {
        "grid": world.w1.pk, "version": 1, "code": "W1", "name": "西区", "geometry": json.dumps(overlapping)})
    assert response.status_code == 422
    assert "相互重叠" in response.content.decode()
    assert Grid.objects.get(pk=world.w1.pk).version == 1
    response = c.post(f"/grid/c/{world.hp.pk}/save/", {"code": "W1", "name": "x", "geometry": "not json"})
    assert response.status_code == 422 and "不是有效的 JSON" in response.content.decode()


def test_classify_and_resolve_through_pages(world: World) -> None:
    concern = services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public", intake=intake())
    c = client_for(world.hp_staff)
    r = c.post(f"/grid/concerns/{concern.pk}/classify/", {"tier": "immediate", "category": "环境",
                                                           "handler": world.worker.pk, "version": concern.version})
    assert r.status_code == 302
    concern.refresh_from_db()
    assert concern.state == "in_hand" and concern.handler == world.worker
    r = c.post(f"/grid/concerns/{concern.pk}/resolve/", {"result": "", "version": concern.version})
    assert r.status_code == 422 and "请填写办理结果" in r.content.decode()
    r = client_for(world.worker).post(f"/grid/concerns/{concern.pk}/resolve/",
                                      {"result": "已清理", "version": concern.version})
    assert r.status_code == 302 and Concern.objects.get(pk=concern.pk).state == "resolved"


def test_case_page_masks_personal_data_for_the_office(world: World) -> None:
    concern = services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public", intake=intake())
    office = client_for(world.d.alice).get(f"/grid/concerns/{concern.pk}/").content.decode()
    assert "张**" in office and "138****5678" in office
    assert "张三丰" not in office and "13812345678" not in office and "3 单元 501" not in office
    handler = client_for(world.hp_staff).get(f"/grid/concerns/{concern.pk}/").content.decode()
    assert "张三丰" in handler and "13812345678" in handler


def test_export_is_an_xlsx(world: World) -> None:
    r = client_for(world.hp_staff).get("/grid/concerns/export.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_public_grid_page_shows_staff_but_nothing_private_S2a_er_qi(world: World) -> None:
    services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public", intake=intake())
    page = Client().get(f"/grid/public/g/{world.w1.pk}/").content.decode()
    assert "王网格" in page and "13900000004" in page and "网格格长" in page and "赵督导" in page
    assert "0451-12345" in page  # the community's complaint number
    assert "张三丰" not in page and "13812345678" not in page and "户籍人口" not in page
    assert Client().get("/grid/public/").status_code == 200


def test_public_report_and_status_and_feedback(world: World) -> None:
    anon = Client()
    assert anon.get("/grid/public/report/").status_code == 200
    r = anon.post("/grid/public/report/", {"service_code": "facility", "description": "路灯不亮",
                                          "lon": "126.6300", "lat": "45.7540", "phone": "13700000000"})
    assert r.status_code == 302
    concern = Concern.objects.get()
    assert concern.grid == world.w1 and concern.source == "public"
    status = anon.get(r["Location"]).content.decode()
    assert concern.number in status and "待研判" in status and "13700000000" not in status
    r = anon.post("/grid/public/report/", {"service_code": "", "description": ""})
    assert r.status_code == 422 and Concern.objects.count() == 1
    services.do_classify(actor=world.hp_staff, concern=concern, tier="immediate", category="x", handler=world.worker)
    services.do_resolve(actor=world.worker, concern=concern, result="已修好")
    r = anon.post(f"/grid/public/status/{concern.token}/", {"satisfaction": "5", "feedback": "很好"})
    assert r.status_code == 302
    concern.refresh_from_db()
    assert concern.state == "closed" and concern.satisfaction == 5
    assert anon.get("/grid/public/status/nope/").status_code == 404


def test_patrol_page_check_in_and_out(world: World) -> None:
    c = client_for(world.worker)
    r = c.post("/grid/patrol/", {"action": "in", "grid": world.w1.pk, "lon": "126.63", "lat": "45.754"})
    assert r.status_code == 302
    assert "正在巡查" in c.get("/grid/patrol/").content.decode()
    assert c.post("/grid/patrol/", {"action": "in", "grid": world.w1.pk}).status_code == 409
    assert c.post("/grid/patrol/", {"action": "out", "lon": "", "lat": ""}).status_code == 302
    assert c.post("/grid/patrol/", {"action": "log", "grid": world.w1.pk, "kind": "visit", "text": "走访",
                                    "households": "3"}).status_code == 302


def test_queue_filters_and_dashboard_period(world: World) -> None:
    c = services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public", intake=intake())
    services.do_classify(actor=world.hp_staff, concern=c, tier="subdistrict", category="x",
                         handler=world.street_staff)
    staff = client_for(world.street_staff)
    assert c.number in staff.get("/grid/concerns/?tier=subdistrict").content.decode()
    assert c.number not in staff.get("/grid/concerns/?tier=immediate").content.decode()
    page = staff.get("/grid/dashboard/?days=7&until=2026-11-24").content.decode()
    assert "2026年11月18日 至 2026年11月24日" in page
    assert staff.get("/grid/dashboard/?until=nonsense").status_code == 200
