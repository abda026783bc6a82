"""Grid services end to end through the database (S2a): import and drawing with the topology check,
duties, patrols, the 民情日志, residents' issues through every state, the sweep, privacy, ledger."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from duban.core.grid_rules import Tier
from duban.grid import access, exports, selectors, services
from duban.grid.models import Concern, ConcernUrge, Duty, Grid, LogEntry, Patrol
from duban.items.errors import InvalidInput, ItemNotFound, PermissionDenied, StateConflict
from duban.items.models import Item
from duban.ledger.chain import verify_chain
from duban.ledger.models import Event
from tests.core.test_grid_topology import BOUNDARY, Q1, Q2, grids
from tests.factories import at
from tests.grid.conftest import World, collection, geo

pytestmark = pytest.mark.django_db


def intake(**kw: object) -> services.Intake:
    params: dict[str, object] = {"service_code": "environment", "description": "楼道堆放杂物", "lon": 126.6300,
                                 "lat": 45.7540, "address": "和平路 12 号 3 单元 501", "name": "张三丰",
                                 "phone": "13812345678"}
    params.update(kw)
    return services.Intake(**params)  # type: ignore[arg-type]


# ---- grids -------------------------------------------------------------------------------------------


def test_import_with_an_overlap_is_refused_whole_and_says_where_S2a_yi(world: World) -> None:
    before = (Grid.objects.count(), Event.objects.count())
    bad = grids(w1_q2=(Q2[0] + 0.0003, Q2[1]))
    with pytest.raises(services.TopologyRefused) as exc:
        services.do_import_grids(actor=world.hp_staff, community=world.hp, data=collection(bad))
    assert "网格 E2、W1 相互重叠" in exc.value.message and "平方米" in exc.value.message
    assert [p.kind for p in exc.value.blocking] == ["overlap"]
    assert (Grid.objects.count(), Event.objects.count()) == before
    assert Grid.objects.get(community=world.hp, code="W1").version == 1


def test_import_needs_a_boundary_and_wgs84(world: World) -> None:
    with pytest.raises(InvalidInput, match="不是 WGS84"):
        ring = [[500000, 5e6], [500100, 5e6], [500100, 5.0001e6], [500000, 5e6]]  # metres, not degrees
        services.do_import_grids(actor=world.hp_staff, community=world.hp, data=collection({}) | {
            "features": [{"type": "Feature", "properties": {"code": "P"},
                          "geometry": {"type": "Polygon", "coordinates": [ring]}}]})


def test_import_attributes_and_area(world: World) -> None:
    w1 = world.w1
    assert w1.households == 600 and w1.area_m2 > 50_000
    assert w1.min_lon < 126.63 < w1.max_lon
    assert services.topology_report(world.hp).ok  # type: ignore[union-attr]


def test_drawing_an_overlapping_grid_is_refused_but_a_gap_is_reported(world: World) -> None:
    # Redraw W1 pulled west at Q2: a gap remains, reported but saved (the rest may not be drawn yet).
    pulled = grids(w1_q2=(Q2[0] - 0.0003, Q2[1]))["W1"]
    grid, report = services.do_save_grid(actor=world.hp_staff, community=world.hp, code="W1", name="西区",
                                         geometry=geo(pulled), grid=world.w1, version=1)
    assert grid.version == 2 and report is not None
    assert [p.kind for p in report.problems] == ["gap"]
    # A new grid drawn over E1 overlaps: refused with the place.
    with pytest.raises(services.TopologyRefused, match="相互重叠"):
        services.do_save_grid(actor=world.hp_staff, community=world.hp, code="N1", name="新网格",
                              geometry=geo(grids()["E1"]))
    # A stale version is a conflict.
    with pytest.raises(StateConflict):
        services.do_save_grid(actor=world.hp_staff, community=world.hp, code="W1", name="西区",
                              geometry=geo(grids()["W1"]), grid=world.w1, version=1)


def test_only_managers_draw(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.do_save_grid(actor=world.xf_staff, community=world.hp, code="Z", name="Z",
                              geometry=geo(BOUNDARY))
    with pytest.raises(PermissionDenied):
        services.do_save_grid(actor=world.worker, community=world.hp, code="Z", name="Z", geometry=geo(BOUNDARY))


def test_staffing_one_full_time_worker_per_900_households_S2a_san_san(world: World) -> None:
    s = selectors.community_staffing(world.hp)  # 3 grids × 600 = 1,800 households → 2 needed
    assert (s.households, s.required, s.full_time, s.ok) == (1800, 2, 2, True)
    services.do_update_attributes(actor=world.hp_staff, grid=world.e2,
                                  attrs=services.GridAttrs(households=1000, compound_type="property"))
    s = selectors.community_staffing(world.hp)
    assert (s.required, s.ok) == (3, False) and "S2a-三(三)" in s.explanation


def test_duties_ab_pair_and_one_grid_rule_S2a_er_si(world: World) -> None:
    services.do_assign_duty(actor=world.hp_staff, grid=world.e2, user=world.hp_staff, kind=Duty.Kind.A_ROLE,
                            scope=Duty.Scope.SEVERAL)
    with pytest.raises(InvalidInput, match="A角和B角须为两个人"):
        services.do_assign_duty(actor=world.hp_staff, grid=world.e2, user=world.hp_staff, kind=Duty.Kind.B_ROLE,
                                scope=Duty.Scope.SEVERAL)
    with pytest.raises(InvalidInput, match="已专管网格 W1"):
        services.do_assign_duty(actor=world.hp_staff, grid=world.e2, user=world.worker, kind=Duty.Kind.B_ROLE)
    services.do_assign_duty(actor=world.hp_staff, grid=world.e2, user=world.worker2, kind=Duty.Kind.B_ROLE,
                            scope=Duty.Scope.SEVERAL)
    with pytest.raises(InvalidInput, match="已有A角"):
        services.do_assign_duty(actor=world.hp_staff, grid=world.e2, user=world.worker2, kind=Duty.Kind.A_ROLE,
                                scope=Duty.Scope.SEVERAL)


# ---- patrols ------------------------------------------------------------------------------------------


def test_patrol_check_in_and_out_with_location_S2a_er_liu(world: World) -> None:
    p = services.do_check_in(actor=world.worker, grid=world.w1, lon=126.6300, lat=45.7540,
                             now=at("2026-11-02", 9))
    assert p.start_in_grid is True
    with pytest.raises(StateConflict, match="尚未签退"):
        services.do_check_in(actor=world.worker, grid=world.w1, now=at("2026-11-02", 10))
    p = services.do_check_out(actor=world.worker, now=at("2026-11-02", 12, 30))
    assert p.minutes == 210
    outside = services.do_check_in(actor=world.worker, grid=world.w1, lon=126.70, lat=45.80,
                                   now=at("2026-11-03", 9))
    assert outside.start_in_grid is False
    with pytest.raises(PermissionDenied):
        services.do_check_in(actor=world.worker2, grid=world.w1)
    ev = Event.objects.filter(kind="grid.patrol_out").get()
    assert ev.data["minutes"] == 210 and ev.rule_id == "S2a-二(六)"


def test_compliance_per_person_and_grid(world: World) -> None:
    for day in ("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"):
        services.do_check_in(actor=world.worker, grid=world.w1, now=at(day, 9))
        services.do_check_out(actor=world.worker, now=at(day, 12))
    services.do_check_in(actor=world.supervisor, grid=world.w1, now=at("2026-11-04", 14))
    services.do_check_out(actor=world.supervisor, now=at("2026-11-04", 15))
    rows = {r.user.username: r.compliance for r in selectors.compliance(
        Grid.objects.filter(pk=world.w1.pk), dt.date(2026, 11, 2), dt.date(2026, 11, 8))}
    assert rows["wg1"].ok and rows["wg1"].minutes_in_grid == 900  # 5 × 180 ≥ ⅓ × 5 × 480 = 800
    assert rows["dd"].supervisor and rows["dd"].ok


def test_log_entry(world: World) -> None:
    entry = services.do_add_log(actor=world.worker, grid=world.w1, kind=LogEntry.Kind.VISIT, households=12,
                                text="走访 12 户，了解到 3 号楼下水管堵塞", issue_types=["facility"])
    assert entry.issue_types == ["facility"]
    with pytest.raises(InvalidInput):
        services.do_add_log(actor=world.worker, grid=world.w1, kind="visit", text="", issue_types=["nope"])
    with pytest.raises(PermissionDenied):
        services.do_add_log(actor=world.xf_staff, grid=world.w1, kind="visit", text="x")


# ---- residents' issues --------------------------------------------------------------------------------


def test_routing_inside_on_a_shared_edge_and_outside_S2a_er_san(world: World) -> None:
    j = world.d.jurisdiction.pk
    inside = services.do_intake(jurisdiction_id=j, source="public", intake=intake())
    assert (inside.grid, inside.community, inside.route_rule) == (world.w1, world.hp, "inside")
    mid = ((Q1[0] + Q2[0]) / 2, (Q1[1] + Q2[1]) / 2)
    edge = services.do_intake(jurisdiction_id=j, source="public", intake=intake(lon=mid[0], lat=mid[1]))
    assert edge.route_rule == "shared_edge" and edge.grid == world.e2  # "HP/E2" < "HP/W1"
    assert "共同边界" in edge.route_note
    far = services.do_intake(jurisdiction_id=j, source="public", intake=intake(lon=126.70, lat=45.80))
    assert far.grid is None and far.community is None and far.route_rule == "outside"
    # The office assigns it by hand.
    services.do_assign_grid(actor=world.d.alice, concern=far, grid=world.x1)
    far.refresh_from_db()
    assert far.grid == world.x1 and far.community == world.xf and far.route_rule == "manual"


def test_intake_validation_changes_nothing(world: World) -> None:
    before = Concern.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public",
                           intake=intake(service_code="x", description=" ", lon=None, lat=None, address=""))
    assert set(exc.value.field_errors) == {"service_code", "description", "location"}
    assert Concern.objects.count() == before


def test_a_case_through_every_state_S2a_er_wu(world: World) -> None:
    j = world.d.jurisdiction.pk
    c = services.do_intake(jurisdiction_id=j, source="public", intake=intake(), now=at("2026-11-02", 9))
    assert c.state == "received" and c.classify_due == dt.date(2026, 11, 2)  # 当日清
    with pytest.raises(ItemNotFound):  # another community does not even see it
        services.do_classify(actor=world.xf_staff, concern=c, tier="immediate", category="环境", handler=world.worker)
    with pytest.raises(PermissionDenied):  # the grid worker sees it; the community's meeting classifies
        services.do_classify(actor=world.worker, concern=c, tier="immediate", category="环境", handler=world.worker)
    with pytest.raises(InvalidInput, match="承办人"):
        services.do_classify(actor=world.hp_staff, concern=c, tier="immediate", category="环境",
                             handler=world.xf_staff)
    c = services.do_classify(actor=world.hp_staff, concern=c, tier="coordinated", category="楼道杂物",
                             handler=world.worker, version=c.version, now=at("2026-11-02", 16))
    assert c.state == "in_hand" and c.deadline == dt.date(2026, 11, 9)  # 5 working days
    with pytest.raises(StateConflict):
        services.do_classify(actor=world.hp_staff, concern=c, tier="immediate", category="x", handler=world.worker)
    c = services.do_escalate(actor=world.hp_staff, concern=c, reason="多个小区普遍存在", now=at("2026-11-03", 10))
    assert c.tier == Tier.SUBDISTRICT and c.deadline == dt.date(2026, 11, 24)  # 15 working days
    assert access.sees_personal(world.street_staff, c)  # the sub-district now handles it
    c = services.do_to_item(actor=world.d.alice, concern=c, reason="涉及多部门", now=at("2026-11-03", 11))
    item = Item.objects.get(pk=c.item_id)
    assert item.source == "public_concern" and c.number in item.source_detail
    assert list(item.grid_concerns.all()) == [c]
    assert "张三丰" not in item.content and "13812345678" not in item.content
    with pytest.raises(StateConflict):
        services.do_to_item(actor=world.d.alice, concern=c, reason="again")
    with pytest.raises(StateConflict):
        services.do_feedback(token=c.token, satisfaction=4)  # still in hand: nothing to rate yet
    c = services.do_resolve(actor=world.worker, concern=c, result="已清理楼道", now=at("2026-11-05", 15))
    assert c.state == "resolved"
    c = services.do_feedback(token=c.token, satisfaction=4, text="处理及时", now=at("2026-11-06", 9))
    assert c.state == "closed" and c.satisfaction == 4
    with pytest.raises(StateConflict, match="已评价"):
        services.do_feedback(token=c.token, satisfaction=5)
    kinds = list(Event.objects.filter(data__concern=c.pk).order_by("seq").values_list("kind", flat=True))
    assert kinds == ["grid.concern_received", "grid.concern_classified", "grid.concern_escalated",
                     "grid.concern_to_item", "grid.concern_resolved", "grid.concern_feedback"]
    assert verify_chain(Event.objects.order_by("jurisdiction_id", "seq")) is None


def test_feedback_with_a_bad_satisfaction_changes_nothing(world: World) -> None:
    c = services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public", intake=intake())
    c = services.do_classify(actor=world.hp_staff, concern=c, tier="immediate", category="x", handler=world.worker)
    c = services.do_resolve(actor=world.worker, concern=c, result="done")
    with pytest.raises(InvalidInput):
        services.do_feedback(token=c.token, satisfaction=9)
    assert Concern.objects.get(pk=c.pk).state == "resolved"


def test_only_the_office_turns_a_case_into_an_item(world: World) -> None:
    c = services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public", intake=intake())
    with pytest.raises(PermissionDenied):
        services.do_to_item(actor=world.hp_staff, concern=c, reason="x")


def test_personal_data_only_for_those_handling_the_case_S2a_er_liu(world: World) -> None:
    c = services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public", intake=intake())
    assert access.sees_personal(world.worker, c)  # grid staff
    assert access.sees_personal(world.hp_staff, c)  # the community's own staff (daily meeting)
    assert not access.sees_personal(world.xf_staff, c)  # another community
    assert not access.sees_personal(world.d.alice, c)  # the office sees the case, not the person
    assert access.can_see_concern(world.d.alice, c)
    assert not access.sees_personal(world.street_staff, c)  # not up to the sub-district
    assert not access.can_see_concern(world.xf_staff, c)
    assert access.mask_phone("13812345678") == "138****5678"
    assert access.mask_name("张三丰") == "张**"


def test_export_masks_personal_data_even_for_handlers(world: World) -> None:
    services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public", intake=intake())
    data = exports.concerns_workbook(selectors.queue(world.hp_staff))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    text = " ".join(cells)
    assert "张**" in text and "138****5678" in text
    assert "张三丰" not in text and "13812345678" not in text and "3 单元 501" not in text


def test_export_escapes_formulas() -> None:
    assert exports.escape_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"


# ---- the sweep -----------------------------------------------------------------------------------------


def test_sweep_urges_late_cases_once_a_day_and_is_idempotent(world: World) -> None:
    j = world.d.jurisdiction.pk
    c = services.do_intake(jurisdiction_id=j, source="public", intake=intake(), now=at("2026-11-02", 9))
    assert services.sweep(at("2026-11-02", 17)).urged == 0  # not late before 18:00
    assert services.sweep(at("2026-11-02", 19)).urged == 1  # 当日清 missed
    assert services.sweep(at("2026-11-02", 20)).urged == 0  # claimed: next check tomorrow
    assert ConcernUrge.objects.filter(concern=c, trigger="classify").count() == 1
    services.do_classify(actor=world.hp_staff, concern=c, tier="immediate", category="x", handler=world.worker,
                         now=at("2026-11-03", 9))
    assert services.sweep(at("2026-11-03", 10)).urged == 0
    assert services.sweep(at("2026-11-05", 9)).urged == 1  # immediate tier: due 11-04
    assert services.sweep(at("2026-11-05", 9)).urged == 0
    urge = ConcernUrge.objects.get(concern=c, trigger="resolve")
    assert urge.recipient == world.worker and "S2a-二(五)" in urge.text
    services.do_resolve(actor=world.worker, concern=c, result="ok", now=at("2026-11-05", 10))
    assert services.sweep(at("2026-11-09", 9)).urged == 0
    assert Concern.objects.get(pk=c.pk).next_due_at is None


def test_sweep_command_runs_the_grid_pass(world: World) -> None:
    from django.core.management import call_command

    services.do_intake(jurisdiction_id=world.d.jurisdiction.pk, source="public", intake=intake(),
                       now=at("2026-11-02", 9))
    call_command("duban_sweep", "--now", "2026-11-03T09:00", "--no-deliver")
    assert ConcernUrge.objects.count() == 1


# ---- figures --------------------------------------------------------------------------------------------


def test_figures_per_grid_person_and_community(world: World) -> None:
    j = world.d.jurisdiction.pk
    a = services.do_intake(jurisdiction_id=j, source="public", intake=intake(), now=at("2026-11-02", 9))
    b = services.do_intake(jurisdiction_id=j, source="public", intake=intake(), now=at("2026-11-02", 10))
    services.do_classify(actor=world.hp_staff, concern=a, tier="immediate", category="x", handler=world.worker,
                         now=at("2026-11-02", 11))
    services.do_resolve(actor=world.worker, concern=a, result="ok", now=at("2026-11-03", 9))
    services.do_feedback(token=a.token, satisfaction=5, now=at("2026-11-03", 12))
    services.do_check_in(actor=world.worker, grid=world.w1, now=at("2026-11-02", 9))
    services.do_check_out(actor=world.worker, now=at("2026-11-02", 12))
    figs = selectors.figures(world.d.alice, dt.date(2026, 11, 2), dt.date(2026, 11, 3), today=dt.date(2026, 11, 4))
    w1 = next(f for f in figs["grid"] if f.key == world.w1.pk)
    assert (w1.received, w1.resolved, w1.closure_rate, w1.on_time_rate, w1.satisfaction) == (2, 1, 0.5, 1.0, 5.0)
    assert w1.open_overdue == 1 and w1.median_response_hours == 2.0
    assert w1.patrol_periods == 3 and w1.patrol_periods_met == 1  # worker 1 of 2 days + supervisor 0 of 1 week
    person = next(f for f in figs["person"] if f.key == world.worker.pk)
    assert person.resolved == 1 and person.patrol_rate == 0.5
    hp = next(f for f in figs["community"] if f.key == world.hp.pk)
    assert hp.received == 2 and "S2a-二(七)" in hp.as_dict()["rule_ids"]
    assert b.pk  # the unclassified one counts as received and overdue


def test_visibility_of_grids_and_cases(world: World) -> None:
    assert set(access.visible_grids(world.xf_staff)) == {world.x1}
    assert set(access.visible_grids(world.street_staff)) == {world.w1, world.e1, world.e2, world.x1}
    assert set(access.visible_grids(world.worker)) == {world.w1, world.e1, world.e2}  # own community
    assert not access.visible_grids(world.d.oscar).exists()
    assert access.manages(world.street_staff, world.hp) and not access.manages(world.worker, world.hp)


def test_open_patrol_unique_in_the_database(world: World) -> None:
    from django.db import IntegrityError, transaction

    Patrol.objects.create(jurisdiction=world.d.jurisdiction, grid=world.w1, user=world.worker,
                          started_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Patrol.objects.create(jurisdiction=world.d.jurisdiction, grid=world.w1, user=world.worker,
                              started_at=timezone.now())
