"""/api/units (the caller's jurisdiction) and /api/me (who am I, roles, to-do counts)."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, api_received, register_body
from tests.factories import District, UnitFactory

pytestmark = pytest.mark.django_db


def test_units_are_those_of_the_callers_jurisdiction(district: District) -> None:
    foreign = UnitFactory(name="外区单位")
    retired = UnitFactory(jurisdiction=district.jurisdiction, name="已撤销单位", active=False)
    units = Api(district.ursula).get("/units").json()
    names = [u["name"] for u in units]
    assert "区发展和改革局" in names and foreign.name not in names and retired.name not in names
    sub = next(u for u in units if u["id"] == district.sub.pk)
    assert sub == {
        "id": district.sub.pk, "code": "FGJ-01", "name": "区价格认证中心", "kind": "subordinate",
        "kind_label": "下属单位", "parent": district.lead.pk, "category": None, "active": True,
    }
    # Tree order: a sub-unit comes right after its parent.
    assert names.index("区价格认证中心") == names.index("区发展和改革局") + 1
    with_retired = Api(district.ursula).get("/units", include_inactive="true").json()
    assert retired.name in [u["name"] for u in with_retired]


def test_me_shows_roles_unit_and_todo_counts(district: District) -> None:
    Api(district.alice).post("/items/", register_body())
    me = Api(district.olga).get("/me").json()
    assert (me["username"], me["full_name"]) == ("olga", "欧主任")
    assert me["roles"] == [{"role": "office_head", "label": "政府办公室主要领导"}]
    assert me["unit"] == {"id": district.office.pk, "name": "区政府督查室"}
    assert me["jurisdiction"]["name"] == "示范区"
    assert me["todo"]["to_approve"] == 1 and me["todo"]["total"] >= 1

    api_received(district)
    colin = Api(district.colin).get("/me").json()
    assert colin["todo"]["to_receive"] == 1
    assert colin["cleared_confidential"] is False
    assert Api(district.oscar).get("/me").json()["todo"]["total"] == 0
