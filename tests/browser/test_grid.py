"""Community grids in a real browser (S2a): the community draws its missing grid on the map (Leaflet +
Geoman, no tile server), a resident posts an issue from the public page at a point inside it, the issue
lands in that grid's queue (当日清), the community classifies it and names the handler, the handler
closes it, and the resident's feedback arrives."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from duban.grid import services
from duban.grid.models import Concern, Grid
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event
from tests.core.test_grid_topology import P2, P3, Q1, Q2, R1, D, E
from tests.factories import PASSWORD
from tests.grid.conftest import World, make_world

pytestmark = [pytest.mark.browser]

SCREENSHOT = Path("/tmp/duban-grid.png")
E2_RING = [Q1, R1, P3, D, E, P2, Q2]


@pytest.fixture
def world_without_e2(transactional_db: None) -> World:
    w = make_world()
    Grid.objects.filter(pk=w.e2.pk).delete()  # the community has not drawn its third grid yet
    return w


def login(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.login-card button[type=submit]")
    page.wait_for_url(base + "/")


def click_at(page: Page, map_var: str, lon: float, lat: float) -> None:
    """Click the map at a WGS84 point (the page exposes its Leaflet map as ``window.<map_var>``)."""
    box = page.locator(f"#{'community-map' if map_var == 'gridMap' else 'pick-map'}").bounding_box()
    assert box is not None
    xy = page.evaluate(f"([lat, lon]) => {{ const p = window.{map_var}.latLngToContainerPoint([lat, lon]);"
                       " return [p.x, p.y]; }", [lat, lon])
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])


def test_draw_a_grid_then_a_resident_issue_goes_through_it(page: Page, live_server: object,
                                                          world_without_e2: World) -> None:
    w = world_without_e2
    base = str(live_server)

    # 1. The community sees the gap in red and draws the missing grid (vertices snap to neighbours).
    login(page, base, "hp")
    page.goto(f"{base}/grid/c/{w.hp.pk}/")
    expect(page.locator("#problems")).to_contain_text("缝隙")
    page.locator(".leaflet-pm-icon-polygon").click()
    for lon, lat in E2_RING:
        click_at(page, "gridMap", lon, lat)
    click_at(page, "gridMap", *E2_RING[0])  # back on the first vertex closes the polygon
    expect(page.locator("#grid-save-form")).to_have_attribute("data-ready", "1")
    page.fill("#grid-save-form [name=code]", "E2")
    page.fill("#grid-save-form [name=name]", "东北片")
    page.fill("#grid-save-form [name=households]", "480")
    page.click("#grid-save-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("网格 E2 已保存")
    expect(page.locator("main")).to_contain_text("完整覆盖")
    e2 = Grid.objects.get(community=w.hp, code="E2")
    assert e2.households == 480
    report = services.topology_report(w.hp)
    assert report is not None and report.ok, report.summary()

    # 2. A resident, not signed in, reports an issue at a point inside the new grid.
    resident = page.context.browser.new_context(locale="zh-CN")  # type: ignore[union-attr]
    rp = resident.new_page()
    rp.goto(f"{base}/grid/public/report/")
    click_at(rp, "pickMap", 126.6380, 45.7560)
    expect(rp.locator("#id_lon")).not_to_have_value("")
    rp.select_option("select[name=service_code]", "property")
    rp.fill("textarea[name=description]", "物业未按时清运垃圾，气味较大")
    rp.fill("input[name=name]", "刘女士")
    rp.fill("input[name=phone]", "13698765432")
    rp.click("#report-form button[type=submit]")
    expect(rp.locator("#public-state")).to_have_text("待研判")
    status_url = rp.url
    concern = Concern.objects.get()
    assert concern.grid == e2 and concern.route_rule == "inside"

    # 3. It is in that grid's queue; the community classifies it and names the handler.
    page.goto(f"{base}/grid/concerns/?grid={e2.pk}")
    expect(page.locator("#concern-table")).to_contain_text(concern.number)
    page.click(f"text={concern.number}")
    expect(page.locator("main")).to_contain_text("13698765432")  # the community handles it: sees the phone
    page.select_option("#classify-form select[name=tier]", "immediate")
    page.select_option("#classify-form select[name=handler]", str(w.worker.pk))
    page.click("#classify-form button[type=submit]")
    expect(page.locator("#concern-state")).to_have_text("办理中")

    # 4. The handler closes it with the result.
    login(page, base, "wg1")
    page.goto(f"{base}/grid/concerns/{concern.pk}/")
    page.fill("#resolve-form textarea[name=result]", "已联系物业当日清运完毕")
    page.click("#resolve-form button[type=submit]")
    expect(page.locator("#concern-state")).to_have_text("已办结待评价")

    # 5. The resident sees the result and gives feedback; it arrives on the case page.
    rp.goto(status_url.split("?")[0])
    expect(rp.locator("#public-result")).to_contain_text("已联系物业")
    rp.check("#feedback-form input[name=satisfaction][value='5']")
    rp.fill("#feedback-form textarea[name=feedback]", "很满意")
    rp.click("#feedback-form button[type=submit]")
    expect(rp.locator("#public-state")).to_have_text("已评价")
    page.goto(f"{base}/grid/concerns/{concern.pk}/")
    expect(page.locator("#concern-feedback")).to_contain_text("满意度 5/5")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    resident.close()

    kinds = set(Event.objects.filter(data__concern=concern.pk).values_list("kind", flat=True))
    assert kinds == {"grid.concern_received", "grid.concern_classified", "grid.concern_resolved",
                     "grid.concern_feedback"}
    assert Event.objects.filter(kind="grid.saved", data__grid_code="E2").exists()
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq")) is None
