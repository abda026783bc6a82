"""A sub-district with two communities, their boundaries and grids (real-shaped, made-up coordinates
in Harbin's old town), and the people: sub-district staff, community staff, grid workers, a supervisor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from shapely.geometry import Polygon, mapping

from duban.core.lifecycle import Role
from duban.grid import services
from duban.grid.models import Duty, Grid
from duban.org.models import Unit, User
from tests.core.test_grid_topology import BOUNDARY, grids
from tests.factories import District, UnitFactory, UserFactory, make_district


def geo(poly: Polygon) -> dict[str, Any]:
    return dict(mapping(poly))


def collection(polys: dict[str, Polygon], **props: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code, "name": f"{code}网格", "households": 600, **props},
         "geometry": geo(p)} for code, p in polys.items()]}


# A second community east of the first: a plain quadrilateral with one grid.
EAST = Polygon([(126.6405, 45.7547), (126.6460, 45.7540), (126.6470, 45.7590), (126.6372, 45.7581),
                (126.6405, 45.7547)])


@dataclass
class World:
    d: District
    street: Unit
    hp: Unit
    xf: Unit
    street_staff: User
    hp_staff: User
    xf_staff: User
    worker: User
    worker2: User
    supervisor: User
    w1: Grid
    e1: Grid
    e2: Grid
    x1: Grid


def make_world() -> World:
    d = make_district()
    j = d.jurisdiction
    street = UnitFactory(jurisdiction=j, name="东城街道办事处", code="DCJD", kind=Unit.Kind.SUBDISTRICT)
    hp = UnitFactory(jurisdiction=j, name="和平社区", code="HP", kind=Unit.Kind.COMMUNITY, parent=street)
    xf = UnitFactory(jurisdiction=j, name="幸福社区", code="XF", kind=Unit.Kind.COMMUNITY, parent=street)

    def person(name: str, unit: Unit, roles: list[Role], full: str, phone: str) -> User:
        return UserFactory(username=name, jurisdiction=j, unit=unit, roles=roles, full_name=full, phone=phone)

    w = World(
        d=d, street=street, hp=hp, xf=xf,
        street_staff=person("jd", street, [Role.UNIT_LIAISON], "街道联络员", "13900000001"),
        hp_staff=person("hp", hp, [Role.UNIT_LIAISON], "和平社区书记", "13900000002"),
        xf_staff=person("xf", xf, [Role.UNIT_LIAISON], "幸福社区书记", "13900000003"),
        worker=person("wg1", hp, [Role.GRID_WORKER], "王网格", "13900000004"),
        worker2=person("wg2", hp, [Role.GRID_WORKER], "李网格", "13900000005"),
        supervisor=person("dd", street, [Role.GRID_WORKER], "赵督导", "13900000006"),
        w1=None, e1=None, e2=None, x1=None,  # type: ignore[arg-type]
    )
    services.do_set_boundary(actor=w.hp_staff, community=hp, geometry=geo(BOUNDARY), complaint_phone="0451-12345")
    services.do_set_boundary(actor=w.xf_staff, community=xf, geometry=geo(EAST))
    services.do_import_grids(actor=w.hp_staff, community=hp, data=collection(grids()))
    services.do_import_grids(actor=w.xf_staff, community=xf, data=collection({"X1": EAST}))
    w.w1, w.e1, w.e2 = (Grid.objects.get(community=hp, code=c) for c in ("W1", "E1", "E2"))
    w.x1 = Grid.objects.get(community=xf, code="X1")
    services.do_assign_duty(actor=w.hp_staff, grid=w.w1, user=w.worker, kind=Duty.Kind.LEADER, full_time=True)
    services.do_assign_duty(actor=w.hp_staff, grid=w.e1, user=w.worker2, kind=Duty.Kind.LEADER, full_time=True)
    services.do_assign_duty(actor=w.street_staff, grid=w.w1, user=w.supervisor, kind=Duty.Kind.SUPERVISOR,
                            scope=Duty.Scope.SEVERAL)
    return w


@pytest.fixture
def world(db: Any) -> World:
    return make_world()
